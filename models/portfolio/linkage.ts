/**
 * Agglomerative hierarchical clustering producing a scipy-compatible linkage matrix, ported from the
 * algorithms scipy.cluster.hierarchy.linkage uses (scipy/cluster/_hierarchy.pyx): Prim's MST for `single`,
 * the nearest-neighbour chain for `complete`/`average`/`weighted`/`ward`, and the generic (global closest
 * pair) algorithm for `centroid`/`median`; then, as scipy does for the first two, a stable sort by distance
 * and union-find relabelling. The left/right order of each merge therefore matches scipy, which is what
 * HRP's quasi-diagonal ordering (to_tree(...).pre_order()) depends on.
 */
import { PortfolioError } from './errors.ts';

/** Linkage methods supported by scipy (and PyPortfolioOpt's HRP). */
export const LINKAGE_METHODS = ['single', 'complete', 'average', 'weighted', 'centroid', 'median', 'ward'] as const;
/** A scipy linkage method name. */
export type LinkageMethod = (typeof LINKAGE_METHODS)[number];

/** One merge: [left id, right id, distance, size] as in scipy's Z matrix. */
export type LinkageRow = [number, number, number, number];

/** Index of pair (i, j), i ≠ j, in a condensed distance vector of n points. */
function ci(n: number, i: number, j: number): number {
  if (i > j) [i, j] = [j, i];
  return n * i - (i * (i + 1)) / 2 + (j - i - 1);
}

function update(method: LinkageMethod, dxi: number, dyi: number, dxy: number, nx: number, ny: number, ni: number): number {
  switch (method) {
    case 'single':
      return Math.min(dxi, dyi);
    case 'complete':
      return Math.max(dxi, dyi);
    case 'average':
      return (nx * dxi + ny * dyi) / (nx + ny);
    case 'weighted':
      return 0.5 * (dxi + dyi);
    case 'ward': {
      const t = 1 / (nx + ny + ni);
      return Math.sqrt((ni + nx) * t * dxi * dxi + (ni + ny) * t * dyi * dyi - ni * t * dxy * dxy);
    }
    case 'centroid':
      return Math.sqrt((nx * dxi * dxi + ny * dyi * dyi) / (nx + ny) - (nx * ny * dxy * dxy) / ((nx + ny) * (nx + ny)));
    case 'median':
      return Math.sqrt(0.5 * (dxi * dxi + dyi * dyi) - 0.25 * dxy * dxy);
  }
}

/** scipy's `label`: stable-sort merges by distance then turn representative points into cluster ids. */
function sortAndLabel(Z: LinkageRow[], n: number): LinkageRow[] {
  const order = Z.map((_, i) => i).sort((a, b) => Z[a]![2] - Z[b]![2] || a - b);
  const sorted = order.map((i) => [...Z[i]!] as LinkageRow);
  const parent = Int32Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const size = new Int32Array(2 * n - 1).fill(1);
  let next = n;
  const find = (x: number): number => {
    let p = x;
    while (parent[p] !== p) p = parent[p]!;
    while (parent[x] !== p) {
      const nx = parent[x]!;
      parent[x] = p;
      x = nx;
    }
    return p;
  };
  for (const row of sorted) {
    const xr = find(row[0]);
    const yr = find(row[1]);
    row[0] = Math.min(xr, yr);
    row[1] = Math.max(xr, yr);
    parent[xr] = next;
    parent[yr] = next;
    size[next] = size[xr]! + size[yr]!;
    row[3] = size[next]!;
    next++;
  }
  return sorted;
}

function mstSingle(dists: Float64Array, n: number): LinkageRow[] {
  const Z: LinkageRow[] = [];
  const D = new Float64Array(n).fill(Infinity);
  const merged = new Uint8Array(n);
  let x = 0;
  for (let k = 0; k < n - 1; k++) {
    let best = Infinity;
    let y = -1;
    merged[x] = 1;
    for (let i = 0; i < n; i++) {
      if (merged[i]) continue;
      const dist = dists[ci(n, x, i)]!;
      if (D[i]! > dist) D[i] = dist;
      if (D[i]! < best) {
        y = i;
        best = D[i]!;
      }
    }
    Z.push([x, y, best, 0]);
    x = y;
  }
  return sortAndLabel(Z, n);
}

function nnChain(dists: Float64Array, n: number, method: LinkageMethod): LinkageRow[] {
  const Z: LinkageRow[] = [];
  const D = Float64Array.from(dists);
  const size = new Int32Array(n).fill(1);
  const chain = new Int32Array(n);
  let len = 0;
  for (let k = 0; k < n - 1; k++) {
    if (len === 0) {
      len = 1;
      for (let i = 0; i < n; i++) {
        if (size[i]! > 0) {
          chain[0] = i;
          break;
        }
      }
    }
    let x = 0;
    let y = 0;
    let best = Infinity;
    for (;;) {
      x = chain[len - 1]!;
      if (len > 1) {
        y = chain[len - 2]!;
        best = D[ci(n, x, y)]!;
      } else best = Infinity;
      for (let i = 0; i < n; i++) {
        if (size[i] === 0 || x === i) continue;
        const dist = D[ci(n, x, i)]!;
        if (dist < best) {
          best = dist;
          y = i;
        }
      }
      if (len > 1 && y === chain[len - 2]) break;
      chain[len++] = y;
    }
    len -= 2;
    if (x > y) [x, y] = [y, x];
    const nx = size[x]!;
    const ny = size[y]!;
    Z.push([x, y, best, nx + ny]);
    size[x] = 0;
    size[y] = nx + ny;
    for (let i = 0; i < n; i++) {
      const ni = size[i]!;
      if (ni === 0 || i === y) continue;
      D[ci(n, i, y)] = update(method, D[ci(n, i, x)]!, D[ci(n, i, y)]!, best, nx, ny, ni);
    }
  }
  return sortAndLabel(Z, n);
}

/** Generic algorithm for non-monotone methods: merge the globally closest pair each step (ids n+k). */
function generic(dists: Float64Array, n: number, method: LinkageMethod): LinkageRow[] {
  const Z: LinkageRow[] = [];
  const D = Float64Array.from(dists);
  const size = new Int32Array(n).fill(1);
  const id = Int32Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < n - 1; k++) {
    let best = Infinity;
    let x = -1;
    let y = -1;
    for (let i = 0; i < n; i++) {
      if (!size[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (!size[j]) continue;
        const d = D[ci(n, i, j)]!;
        if (d < best) {
          best = d;
          x = i;
          y = j;
        }
      }
    }
    const nx = size[x]!;
    const ny = size[y]!;
    const a = Math.min(id[x]!, id[y]!);
    const b = Math.max(id[x]!, id[y]!);
    Z.push([a, b, best, nx + ny]);
    size[x] = 0;
    size[y] = nx + ny;
    id[y] = n + k;
    for (let i = 0; i < n; i++) {
      const ni = size[i]!;
      if (ni === 0 || i === y) continue;
      D[ci(n, i, y)] = update(method, D[ci(n, i, x)]!, D[ci(n, i, y)]!, best, nx, ny, ni);
    }
  }
  return Z;
}

/** scipy.cluster.hierarchy.linkage(dists, method) for a condensed distance vector of n points. */
export function linkage(dists: Float64Array, n: number, method: LinkageMethod = 'single'): LinkageRow[] {
  if (!LINKAGE_METHODS.includes(method)) {
    throw new PortfolioError('invalid_input', `linkage method must be one of ${LINKAGE_METHODS.join(', ')}`, { field: 'linkage' });
  }
  if (n < 2) return [];
  if (dists.some((d) => !Number.isFinite(d))) throw new PortfolioError('invalid_input', 'distance matrix contains NaN');
  if (method === 'single') return mstSingle(dists, n);
  if (method === 'centroid' || method === 'median') return generic(dists, n, method);
  return nnChain(dists, n, method);
}

/** Leaf ids in pre-order (left first) of the tree encoded by a linkage matrix — scipy to_tree(Z).pre_order(). */
export function preOrder(Z: LinkageRow[], n: number): number[] {
  if (n === 1) return [0];
  const out: number[] = [];
  const stack = [2 * n - 2];
  while (stack.length) {
    const node = stack.pop()!;
    if (node < n) {
      out.push(node);
      continue;
    }
    const row = Z[node - n]!;
    stack.push(row[1], row[0]);
  }
  return out;
}
