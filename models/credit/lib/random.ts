/** Seeded pseudo-random numbers and stratified fold assignment, so training and cross-validation are reproducible. */

/**
 * mulberry32: a small, fast 32-bit PRNG with a good statistical quality for simulation work
 * (public domain, Tommy Ettinger). Returns a function yielding uniform numbers in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from a uniform generator (Box–Muller). */
export function normalSampler(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Fisher–Yates shuffle in place with the given generator. */
export function shuffleInPlace<T>(items: T[], uniform: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/**
 * Stratified k-fold assignment: returns, for each row, its fold index in [0, k). Each class's rows are shuffled and
 * dealt round-robin, so every fold has (almost) the same class balance, as scikit-learn's StratifiedKFold.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): Int32Array {
  if (k < 2) throw new RangeError('need at least 2 folds');
  const uniform = mulberry32(seed);
  const folds = new Int32Array(labels.length);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  // A random rotation per class keeps the fold sizes balanced when class counts are not multiples of k.
  let offset = 0;
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = shuffleInPlace(byClass.get(c)!, uniform);
    rows.forEach((row, i) => {
      folds[row] = (i + offset) % k;
    });
    offset += rows.length;
  }
  return folds;
}

/** Indices where `folds[i] === fold` (test) and the rest (train). */
export function splitByFold(folds: Int32Array, fold: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < folds.length; i++) (folds[i] === fold ? test : train).push(i);
  return { train, test };
}
