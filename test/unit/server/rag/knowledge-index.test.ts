import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../server/errors.ts';
import type { Embedder } from '../../../../server/nlu/types.ts';
import { HashedNgramEmbedder } from '../../../../server/rag/hashed-ngram-embedder.ts';
import { buildKnowledgeIndex, loadKnowledgeIndex, openKnowledgeIndex } from '../../../../server/rag/knowledge-index.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../../../fixtures/knowledge');

/** The real hashed embedder, recording which texts it was asked to embed. */
class CountingEmbedder implements Embedder {
  readonly inner = new HashedNgramEmbedder({ dimension: 256 });
  readonly dimension = this.inner.dimension;
  readonly modelId: string;
  embedded: string[] = [];
  constructor(modelId?: string) {
    this.modelId = modelId ?? this.inner.modelId;
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    this.embedded.push(...texts);
    return this.inner.embedDocuments(texts);
  }
  async embedQuery(text: string): Promise<number[]> {
    return this.inner.embedQuery(text);
  }
}

let work: string;
let knowledgeDir: string;
let indexDir: string;

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-kb-'));
  knowledgeDir = path.join(work, 'knowledge');
  indexDir = path.join(work, 'knowledge', '.index');
  fs.cpSync(FIXTURE, knowledgeDir, { recursive: true });
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const edit = (rel: string, fn: (s: string) => string) => {
  const p = path.join(knowledgeDir, rel);
  fs.writeFileSync(p, fn(fs.readFileSync(p, 'utf8')));
};

describe('knowledge index build', () => {
  it('builds and persists an index that loads back with the same content', async () => {
    const embedder = new CountingEmbedder();
    const { index, stats } = await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    expect(stats).toMatchObject({ files: 6, passages: 6, reusedFiles: 0 });
    expect(stats.embeddedFiles).toHaveLength(6);
    for (const f of ['manifest.json', 'passages.json', 'vectors.f32', 'hnsw.bin', 'bm25.json']) {
      expect(fs.existsSync(path.join(indexDir, f))).toBe(true);
    }
    const loaded = loadKnowledgeIndex(indexDir);
    expect(loaded.passages.map((p) => p.id)).toEqual(index.passages.map((p) => p.id));
    expect(loaded.manifest.embedder.modelId).toBe(embedder.modelId);
    const q = await embedder.embedQuery('card lost');
    expect(await loaded.vectors.searchByVector(q, 3)).toEqual(await index.vectors.searchByVector(q, 3));
  });

  it('re-embeds only the changed file, and drops removed files', async () => {
    const embedder = new CountingEmbedder();
    await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    embedder.embedded = [];

    const again = await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    expect(again.stats.embeddedFiles).toEqual([]);
    expect(embedder.embedded).toEqual([]);

    edit('banking/lost-card.md', (s) => s.replace('freeze it straight away', 'lock it immediately'));
    fs.rmSync(path.join(knowledgeDir, 'investing/credit-score.md'));
    const { index, stats } = await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    expect(stats.embeddedFiles).toEqual(['banking/lost-card.md']);
    expect(stats.removedFiles).toEqual(['investing/credit-score.md']);
    expect(stats.reusedFiles).toBe(4);
    expect(embedder.embedded.length).toBeGreaterThan(0);
    expect(embedder.embedded.every((t) => t.startsWith('What to do if your card is lost or stolen'))).toBe(true);
    expect(index.byId.get('fx-lost-card')!.text).toContain('lock it immediately');
    expect(index.byId.has('fx-credit-score')).toBe(false);
  });

  it('gives the same bytes as a full build after incremental changes (deterministic, seeded HNSW)', async () => {
    const embedder = new CountingEmbedder();
    await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    edit('investing/bond-prices.md', (s) => `${s}\nA second paragraph about coupons and yields.\n`);
    await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    const fullDir = path.join(work, 'full');
    await buildKnowledgeIndex({ knowledgeDir, indexDir: fullDir, embedder, full: true });
    for (const f of ['manifest.json', 'passages.json', 'vectors.f32', 'hnsw.bin', 'bm25.json']) {
      expect(fs.readFileSync(path.join(indexDir, f)).equals(fs.readFileSync(path.join(fullDir, f))), f).toBe(true);
    }
  });

  it('re-embeds everything when the embedder model changes', async () => {
    await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder: new CountingEmbedder('model-a') });
    const { stats } = await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder: new CountingEmbedder('model-b') });
    expect(stats.embeddedFiles).toHaveLength(6);
  });

  it('fails on a malformed file, naming file and line, and leaves the existing index intact', async () => {
    const embedder = new CountingEmbedder();
    await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    const before = fs.readFileSync(path.join(indexDir, 'manifest.json'), 'utf8');
    edit('banking/exchange-rate.md', (s) => s.replace('title: Which exchange rate do you use?', 'title: [oops'));
    await expect(buildKnowledgeIndex({ knowledgeDir, indexDir, embedder })).rejects.toThrow(
      /banking\/exchange-rate\.md:\d+: front matter is not valid YAML/,
    );
    await expect(buildKnowledgeIndex({ knowledgeDir, indexDir, embedder })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(fs.readFileSync(path.join(indexDir, 'manifest.json'), 'utf8')).toBe(before);
    expect(loadKnowledgeIndex(indexDir).passages).toHaveLength(6);
    expect(fs.readdirSync(work).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('opening the index at start-up', () => {
  it('loads a fresh index without embedding anything', async () => {
    const embedder = new CountingEmbedder();
    await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    embedder.embedded = [];
    const r = await openKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    expect(r.status).toBe('loaded');
    expect(embedder.embedded).toEqual([]);
  });

  it('builds when there is no index, and rebuilds a stale one incrementally by default', async () => {
    const embedder = new CountingEmbedder();
    const first = await openKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    expect(first.status).toBe('rebuilt');
    edit('banking/card-delivery.md', (s) => s.replace('3 to 5', '2 to 4'));
    const r = await openKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    expect(r.status).toBe('rebuilt');
    expect(r.reasons.join()).toMatch(/1 changed/);
    expect(r.stats!.embeddedFiles).toEqual(['banking/card-delivery.md']);
    expect(r.index.byId.get('fx-card-delivery')!.text).toContain('2 to 4');
  });

  it('reports a stale index and serves it, or fails, as configured', async () => {
    const embedder = new CountingEmbedder();
    await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder });
    edit('banking/card-delivery.md', (s) => s.replace('3 to 5', '2 to 4'));
    const warnings: unknown[] = [];
    const logger = { info: () => {}, warn: (o: object) => warnings.push(o) };
    const r = await openKnowledgeIndex({ knowledgeDir, indexDir, embedder, onStale: 'report', logger });
    expect(r.status).toBe('stale');
    expect(warnings).toHaveLength(1);
    expect(r.index.byId.get('fx-card-delivery')!.text).toContain('3 to 5');
    await expect(openKnowledgeIndex({ knowledgeDir, indexDir, embedder, onStale: 'fail' })).rejects.toBeInstanceOf(ConfigError);
  });

  it('treats an index built with another embedder as stale', async () => {
    await buildKnowledgeIndex({ knowledgeDir, indexDir, embedder: new CountingEmbedder('model-a') });
    const r = await openKnowledgeIndex({ knowledgeDir, indexDir, embedder: new CountingEmbedder('model-b'), onStale: 'report' });
    expect(r.status).toBe('rebuilt');
    expect(r.reasons.join()).toMatch(/embedder changed/);
  });
});
