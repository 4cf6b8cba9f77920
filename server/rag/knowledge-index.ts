/**
 * The built knowledge index on disk (passages, chunk vectors, HNSW graph, BM25 index, manifest): incremental
 * builds that re-embed only changed files, and the start-up check that detects (and rebuilds) a stale index.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ModelNotReadyError } from '../errors.ts';
import type { Embedder } from '../nlu/types.ts';
import { Bm25Index } from './bm25-index.ts';
import {
  chunkEmbeddingText,
  DEFAULT_CHUNKING,
  parsePassages,
  readKnowledgeFiles,
  splitPassage,
  type Chunk,
  type ChunkingOptions,
  type Passage,
  type SourceFile,
} from './ingest.ts';
import { HnswVectorIndex, type HnswVectorIndexOptions } from './vector-index.ts';

/** Bumped when the on-disk layout changes; an index with another version is rebuilt. */
export const INDEX_FORMAT_VERSION = 2; // 2: BM25 gained the `questions` field

const FILES = {
  manifest: 'manifest.json',
  passages: 'passages.json',
  vectors: 'vectors.f32',
  hnsw: 'hnsw.bin',
  bm25: 'bm25.json',
} as const;

/** Graph parameters saved in the manifest. The seed makes builds byte-for-byte reproducible. */
export type HnswParams = Required<Pick<HnswVectorIndexOptions, 'm' | 'efConstruction' | 'efSearch' | 'seed'>>;
// efConstruction 100 gave the same recall@10 (0.9996 vs exact) as 200 on the knowledge vectors, ~20% faster to build.
export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 100, efSearch: 100, seed: 42 };

/** One source file's entry in the manifest: its hash and where its chunk vectors sit in vectors.f32. */
export interface ManifestFile {
  path: string;
  sha256: string;
  passageId: string;
  chunkStart: number;
  chunkCount: number;
}

/** `manifest.json`: everything needed to decide whether the index matches the sources and the embedder. */
export interface IndexManifest {
  formatVersion: number;
  /** Hash of format version, embedder, chunking, HNSW parameters and every file's hash. */
  fingerprint: string;
  embedder: { modelId: string; dimension: number };
  chunking: ChunkingOptions;
  hnsw: HnswParams;
  counts: { files: number; passages: number; chunks: number };
  files: ManifestFile[];
}

/** The loaded index: what the retriever searches. Vector id i is `chunks[i]`. */
export interface KnowledgeIndex {
  manifest: IndexManifest;
  passages: Passage[];
  byId: Map<string, Passage>;
  chunks: Chunk[];
  /** Chunk vectors, row i = chunk i (unit length), for exact scoring of a few candidates. */
  chunkVectors: Float32Array;
  /** Vector ids of each passage's chunks. */
  chunkIdsByPassage: Map<string, number[]>;
  vectors: HnswVectorIndex;
  bm25: Bm25Index;
}

function assemble(
  manifest: IndexManifest,
  passages: Passage[],
  chunks: Chunk[],
  chunkVectors: Float32Array,
  vectors: HnswVectorIndex,
  bm25: Bm25Index,
): KnowledgeIndex {
  const chunkIdsByPassage = new Map<string, number[]>();
  chunks.forEach((c, i) => {
    const list = chunkIdsByPassage.get(c.passageId) ?? [];
    list.push(i);
    chunkIdsByPassage.set(c.passageId, list);
  });
  return { manifest, passages, byId: new Map(passages.map((p) => [p.id, p])), chunks, chunkVectors, chunkIdsByPassage, vectors, bm25 };
}

/** What a build did, for the CLI, logs and the benchmark. */
export interface BuildStats {
  files: number;
  passages: number;
  chunks: number;
  /** Files whose chunks were (re-)embedded: new, changed, or all when the embedder or chunking changed. */
  embeddedFiles: string[];
  embeddedChunks: number;
  reusedFiles: number;
  removedFiles: string[];
  /** Wall-clock milliseconds per phase. */
  ms: { read: number; embed: number; index: number; write: number; total: number };
}

/** Logging used here (a pino logger fits). */
export interface IndexLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Inputs for building or opening an index. */
export interface IndexOptions {
  knowledgeDir: string;
  indexDir: string;
  embedder: Embedder;
  chunking?: ChunkingOptions;
  hnsw?: HnswParams;
  logger?: IndexLogger;
}

interface PreviousIndex {
  manifest: IndexManifest;
  vectors: Float32Array;
}

function fingerprintOf(parts: Omit<IndexManifest, 'fingerprint' | 'counts' | 'files'>, files: SourceFile[]): string {
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify(parts));
  for (const f of files) h.update(`\n${f.path}\t${f.sha256}`);
  return h.digest('hex');
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function readManifest(indexDir: string): IndexManifest | undefined {
  try {
    const m = readJson<IndexManifest>(path.join(indexDir, FILES.manifest));
    return m.formatVersion === INDEX_FORMAT_VERSION ? m : undefined;
  } catch {
    return undefined;
  }
}

function readPrevious(indexDir: string): PreviousIndex | undefined {
  const manifest = readManifest(indexDir);
  if (!manifest) return undefined;
  try {
    const buf = fs.readFileSync(path.join(indexDir, FILES.vectors));
    const vectors = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    if (vectors.length !== manifest.counts.chunks * manifest.embedder.dimension) return undefined;
    return { manifest, vectors: Float32Array.from(vectors) };
  } catch {
    return undefined;
  }
}

/** Embeds in batches so a transformer embedder pads to similar lengths and memory stays bounded. */
async function embedAll(embedder: Embedder, texts: string[], batchSize = 32): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += batchSize) out.push(...(await embedder.embedDocuments(texts.slice(i, i + batchSize))));
  return out;
}

/**
 * Builds the index from the knowledge directory, re-embedding only files whose content hash changed since the
 * index in `indexDir` (all of them when the embedder, chunking or format changed, or with `full`), then writes it
 * atomically (a new directory swapped in), so a failed build — e.g. a malformed file — leaves the old index intact.
 */
export async function buildKnowledgeIndex(
  options: IndexOptions & { full?: boolean; write?: boolean },
): Promise<{ index: KnowledgeIndex; stats: BuildStats }> {
  const t0 = performance.now();
  const chunking = options.chunking ?? DEFAULT_CHUNKING;
  const hnswParams = options.hnsw ?? DEFAULT_HNSW;
  const { embedder } = options;
  const files = readKnowledgeFiles(options.knowledgeDir);
  const passages = parsePassages(files); // throws, naming file:line, before anything is written
  const tRead = performance.now();

  if (!options.full && options.write !== false) {
    // Nothing changed (same files, embedder and settings): the index on disk is already this build's result.
    const existing = readManifest(options.indexDir);
    if (existing && staleReasons(existing, { ...options, chunking, hnsw: hnswParams }, files).length === 0) {
      const index = loadKnowledgeIndex(options.indexDir);
      const total = round(performance.now() - t0);
      const stats: BuildStats = {
        files: files.length,
        passages: passages.length,
        chunks: index.chunks.length,
        embeddedFiles: [],
        embeddedChunks: 0,
        reusedFiles: files.length,
        removedFiles: [],
        ms: { read: round(tRead - t0), embed: 0, index: 0, write: 0, total },
      };
      return { index, stats };
    }
  }
  const prev = options.full ? undefined : readPrevious(options.indexDir);
  const reusable =
    prev &&
    prev.manifest.embedder.modelId === embedder.modelId &&
    prev.manifest.embedder.dimension === embedder.dimension &&
    JSON.stringify(prev.manifest.chunking) === JSON.stringify(chunking);
  const prevByPath = new Map((reusable ? prev.manifest.files : []).map((f) => [f.path, f]));

  const dim = embedder.dimension;
  const chunks: Chunk[] = [];
  const manifestFiles: ManifestFile[] = [];
  const vectorParts: Array<Float32Array | { pending: number[] }> = [];
  const pendingTexts: string[] = [];
  const embeddedFiles: string[] = [];
  let reusedFiles = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const passage = passages[i]!;
    const fileChunks = await splitPassage(passage, chunking);
    const old = prevByPath.get(file.path);
    const entry: ManifestFile = {
      path: file.path,
      sha256: file.sha256,
      passageId: passage.id,
      chunkStart: chunks.length,
      chunkCount: fileChunks.length,
    };
    if (old && old.sha256 === file.sha256 && old.chunkCount === fileChunks.length && prev) {
      vectorParts.push(prev.vectors.subarray(old.chunkStart * dim, (old.chunkStart + old.chunkCount) * dim));
      reusedFiles++;
    } else {
      const start = pendingTexts.length;
      pendingTexts.push(...fileChunks.map(chunkEmbeddingText));
      vectorParts.push({ pending: Array.from({ length: fileChunks.length }, (_, j) => start + j) });
      embeddedFiles.push(file.path);
    }
    chunks.push(...fileChunks);
    manifestFiles.push(entry);
  }
  const currentPaths = new Set(files.map((f) => f.path));
  const removedFiles = reusable ? prev.manifest.files.map((f) => f.path).filter((p) => !currentPaths.has(p)) : [];

  const tEmbed0 = performance.now();
  const fresh = await embedAll(embedder, pendingTexts);
  const tEmbed = performance.now();
  const vectors = new Float32Array(chunks.length * dim);
  let offset = 0;
  for (const part of vectorParts) {
    if (part instanceof Float32Array) {
      vectors.set(part, offset);
      offset += part.length;
    } else {
      for (const j of part.pending) {
        vectors.set(unitRow(fresh[j]!, dim), offset);
        offset += dim;
      }
    }
  }

  // The graph is rebuilt from all vectors in file order (milliseconds at this size) rather than patched, so the
  // same sources always give the same graph, whatever the build history.
  const hnsw = new HnswVectorIndex({ dimension: dim, maxElements: Math.max(1024, chunks.length * 2), ...hnswParams });
  const rows: number[][] = [];
  for (let i = 0; i < chunks.length; i++) rows.push(Array.from(vectors.subarray(i * dim, (i + 1) * dim)));
  await hnsw.add(rows, rows.map((_, i) => i));
  const bm25 = Bm25Index.build(passages);
  const tIndex = performance.now();

  const parts = { formatVersion: INDEX_FORMAT_VERSION, embedder: { modelId: embedder.modelId, dimension: dim }, chunking, hnsw: hnswParams };
  const manifest: IndexManifest = {
    ...parts,
    fingerprint: fingerprintOf(parts, files),
    counts: { files: files.length, passages: passages.length, chunks: chunks.length },
    files: manifestFiles,
  };
  const index = assemble(manifest, passages, chunks, vectors, hnsw, bm25);
  if (options.write !== false) writeIndex(options.indexDir, index);
  const tWrite = performance.now();

  const stats: BuildStats = {
    files: files.length,
    passages: passages.length,
    chunks: chunks.length,
    embeddedFiles,
    embeddedChunks: pendingTexts.length,
    reusedFiles,
    removedFiles,
    ms: {
      read: round(tRead - t0),
      embed: round(tEmbed - tEmbed0),
      index: round(tIndex - tEmbed),
      write: round(tWrite - tIndex),
      total: round(tWrite - t0),
    },
  };
  options.logger?.info({ ...stats, embeddedFiles: stats.embeddedFiles.length }, 'knowledge index built');
  return { index, stats };
}

/** Checks the embedder's output and scales it to unit length (the Embedder contract promises it; cheap to enforce). */
function unitRow(v: number[], dim: number): Float32Array {
  if (v.length !== dim) throw new ConfigError(`Embedder returned a vector of length ${v.length}, expected ${dim}`);
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return Float32Array.from(v, (x) => (n > 0 ? x / n : 0));
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function writeIndex(indexDir: string, index: KnowledgeIndex): void {
  const vectors = index.chunkVectors;
  const parent = path.dirname(path.resolve(indexDir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = `${path.resolve(indexDir)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.mkdirSync(tmp);
  try {
    fs.writeFileSync(path.join(tmp, FILES.passages), JSON.stringify({ passages: index.passages, chunks: index.chunks }));
    // Float32 in the machine's byte order (little-endian on x86 and arm64 Linux, where Moneta runs).
    fs.writeFileSync(path.join(tmp, FILES.vectors), new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
    index.vectors.save(path.join(tmp, FILES.hnsw));
    fs.writeFileSync(path.join(tmp, FILES.bm25), index.bm25.toJSON());
    // The manifest goes last: a directory without one is never taken for a complete index.
    fs.writeFileSync(path.join(tmp, FILES.manifest), `${JSON.stringify(index.manifest, null, 2)}\n`);
    swapIn(tmp, indexDir, index.manifest.fingerprint);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/**
 * Moves the freshly written `tmp` directory to `indexDir`. Several processes may build the same index at once (test
 * workers, replicas starting together): builds are deterministic, so when another process has just put an index
 * with the same fingerprint in place, ours is simply discarded instead of failing.
 */
function swapIn(tmp: string, indexDir: string, fingerprint: string): void {
  const old = `${tmp}.old`;
  try {
    fs.renameSync(indexDir, old);
  } catch (e) {
    if (errCode(e) !== 'ENOENT') throw e;
  }
  try {
    fs.renameSync(tmp, indexDir);
  } catch (e) {
    if (!['ENOTEMPTY', 'EEXIST'].includes(errCode(e) ?? '') || readManifest(indexDir)?.fingerprint !== fingerprint) throw e;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/** Loads a written index without checking it against the sources (see {@link openKnowledgeIndex}). */
export function loadKnowledgeIndex(indexDir: string): KnowledgeIndex {
  const manifest = readManifest(indexDir);
  if (!manifest) throw new ModelNotReadyError(`No knowledge index in ${indexDir}: run \`npx moneta kb build\``);
  const { passages, chunks } = readJson<{ passages: Passage[]; chunks: Chunk[] }>(path.join(indexDir, FILES.passages));
  const vectors = HnswVectorIndex.load(path.join(indexDir, FILES.hnsw), { dimension: manifest.embedder.dimension, ...manifest.hnsw });
  const bm25 = Bm25Index.fromJSON(fs.readFileSync(path.join(indexDir, FILES.bm25), 'utf8'), passages);
  const buf = fs.readFileSync(path.join(indexDir, FILES.vectors));
  const chunkVectors = Float32Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
  return assemble(manifest, passages, chunks, chunkVectors, vectors, bm25);
}

/** Why an index does not match its sources (empty when it does). */
export function staleReasons(manifest: IndexManifest | undefined, options: IndexOptions, files: SourceFile[]): string[] {
  if (!manifest) return ['no index has been built'];
  const reasons: string[] = [];
  if (manifest.embedder.modelId !== options.embedder.modelId) {
    reasons.push(`embedder changed (${manifest.embedder.modelId} → ${options.embedder.modelId})`);
  }
  const parts = {
    formatVersion: INDEX_FORMAT_VERSION,
    embedder: { modelId: options.embedder.modelId, dimension: options.embedder.dimension },
    chunking: options.chunking ?? DEFAULT_CHUNKING,
    hnsw: options.hnsw ?? DEFAULT_HNSW,
  };
  if (fingerprintOf(parts, files) !== manifest.fingerprint) {
    const old = new Map(manifest.files.map((f) => [f.path, f.sha256]));
    const now = new Set(files.map((f) => f.path));
    const changed = files.filter((f) => old.has(f.path) && old.get(f.path) !== f.sha256).length;
    const added = files.filter((f) => !old.has(f.path)).length;
    const removed = manifest.files.filter((f) => !now.has(f.path)).length;
    if (changed || added || removed) reasons.push(`sources changed (${changed} changed, ${added} new, ${removed} removed)`);
    else if (!reasons.length) reasons.push('index settings changed');
  }
  return reasons;
}

/** What to do at start-up when the index does not match the sources. */
export type StalePolicy = 'rebuild' | 'report' | 'fail';

/**
 * Opens the index for serving: hashes the sources (a few ms), compares with the manifest, and loads it when it
 * matches. When stale: `rebuild` rebuilds incrementally and saves; `report` logs a warning and serves the old
 * index (if it was built with the same embedder, else rebuilds); `fail` throws a ConfigError saying what to run.
 */
export async function openKnowledgeIndex(
  options: IndexOptions & { onStale?: StalePolicy },
): Promise<{ index: KnowledgeIndex; status: 'loaded' | 'rebuilt' | 'stale'; reasons: string[]; stats?: BuildStats }> {
  const onStale = options.onStale ?? 'rebuild';
  const files = readKnowledgeFiles(options.knowledgeDir);
  const manifest = readManifest(options.indexDir);
  const reasons = staleReasons(manifest, options, files);
  if (reasons.length === 0) {
    try {
      return { index: loadKnowledgeIndex(options.indexDir), status: 'loaded', reasons };
    } catch {
      // Another process may be swapping in a new index this very moment: wait briefly and read again.
      await new Promise((r) => setTimeout(r, 100));
      return { index: loadKnowledgeIndex(options.indexDir), status: 'loaded', reasons };
    }
  }
  const sameEmbedder = manifest?.embedder.modelId === options.embedder.modelId;
  if (onStale === 'fail') {
    throw new ConfigError(
      `The knowledge index in ${options.indexDir} is stale: ${reasons.join('; ')}. Run \`npx moneta kb build\`, or set MONETA_KNOWLEDGE_ON_STALE=rebuild.`,
    );
  }
  if (onStale === 'report' && manifest && sameEmbedder) {
    options.logger?.warn({ reasons }, 'knowledge index is stale; serving it anyway (MONETA_KNOWLEDGE_ON_STALE=report)');
    return { index: loadKnowledgeIndex(options.indexDir), status: 'stale', reasons };
  }
  options.logger?.info({ reasons }, 'knowledge index is stale; rebuilding');
  const { index, stats } = await buildKnowledgeIndex(options);
  return { index, status: 'rebuilt', reasons, stats };
}
