/** `npx moneta kb build|search` (CONTRACTS §4) through the real CLI entry, on a copy of the fixture knowledge base. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteSessionStore } from '../../server/session/sqlite-session-store.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/knowledge');
let work: string;
let env: NodeJS.ProcessEnv;

async function moneta(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'bin/moneta.mjs'), ...args], { env, cwd: work });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-kb-cli-'));
  fs.cpSync(FIXTURE, path.join(work, 'knowledge'), { recursive: true });
  env = {
    ...process.env,
    MONETA_KNOWLEDGE_DIR: path.join(work, 'knowledge'),
    MONETA_KNOWLEDGE_INDEX_DIR: path.join(work, 'index'),
    MONETA_KNOWLEDGE_EMBEDDER: 'hashed',
    MONETA_DATA_DIR: path.join(work, 'data'),
    MONETA_DEBUG: '',
  };
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

// Each call starts the CLI (tsx + the command tree): seconds apiece on a busy 2-core machine, hence the timeout.
describe('moneta kb', { timeout: 120_000 }, () => {
  it('builds, then rebuilds incrementally, then searches with the contract shape', async () => {
    const first = await moneta('kb', 'build');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ passages: 6, reusedFiles: 0 });
    expect(first.stderr).toMatch(/Indexed 6 passages/);

    fs.appendFileSync(path.join(work, 'knowledge/banking/lost-card.md'), '\nYou can also call us any time.\n');
    const second = await moneta('kb', 'build');
    expect(JSON.parse(second.stdout)).toMatchObject({ embeddedFiles: ['banking/lost-card.md'], reusedFiles: 5 });

    const one = await moneta('kb', 'search', 'my card was stolen', '--k', '2');
    expect(one.code).toBe(0);
    const hits = JSON.parse(one.stdout) as Array<Record<string, unknown>>;
    expect(hits).toHaveLength(2);
    expect(Object.keys(hits[0]!).sort()).toEqual(['id', 'score', 'text', 'title']);
    expect(hits[0]!.id).toBe('fx-lost-card');

    const queries = path.join(work, 'queries.txt');
    fs.writeFileSync(queries, 'why do bond prices fall\n\nweekend exchange rate\n');
    const many = await moneta('kb', 'search', '--file', queries, '--k', '1');
    expect(many.code).toBe(0);
    const lines = many.stdout.trim().split('\n').map((l) => JSON.parse(l) as Array<{ id: string }>);
    expect(lines.map((l) => l.map((h) => h.id))).toEqual([['fx-bond-prices'], [], ['fx-exchange-rate']]);
  });

  it('fails on a malformed file, naming file and line, without a stack trace, and keeps the old index', async () => {
    // The index from the first test is current; build only if this test runs alone.
    if (!fs.existsSync(path.join(work, 'index/manifest.json'))) await moneta('kb', 'build');
    const manifest = fs.readFileSync(path.join(work, 'index/manifest.json'), 'utf8');
    const bad = path.join(work, 'knowledge/investing/broken.md');
    fs.writeFileSync(bad, '---\nid: broken\ntitle: [unclosed\ntopic: investing\nlast_reviewed: 2026-01-01\n---\nSome text that is long enough to be a passage body.\n');
    try {
      const r = await moneta('kb', 'build');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/investing\/broken\.md:\d+: front matter is not valid YAML/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(fs.readFileSync(path.join(work, 'index/manifest.json'), 'utf8')).toBe(manifest);
    } finally {
      fs.rmSync(bad);
    }
  });

  it('rejects bad arguments with a clear message and a non-zero exit', async () => {
    const badK = await moneta('kb', 'search', 'card', '--k', 'lots');
    expect(badK.code).not.toBe(0);
    expect(badK.stderr).toMatch(/--k must be a whole number/);
  });

  it('reports content gaps from the configured SQLite session store: thumbs-down by passage, refused and clarified questions', async () => {
    const dataDir = path.join(work, 'data');
    const store = new SqliteSessionStore({ file: path.join(dataDir, 'sessions.sqlite') });
    await store.create('s1', 1, 'anon:test');
    await store.append(
      's1',
      [
        { type: 'user_uttered', at: 1, text: 'why do bond prices fall' },
        { type: 'knowledge', at: 1, outcome: 'answered', answerId: 'a1', passages: ['fx-bond-prices'], score: 0.8 },
        { type: 'feedback', at: 2, answerId: 'a1', passageId: 'fx-bond-prices', helpful: false },
        { type: 'user_uttered', at: 3, text: 'Can I  pay with crypto?' },
        { type: 'fallback', at: 3, reason: 'knowledge_not_found' },
        { type: 'knowledge', at: 3, outcome: 'refused', passages: ['fx-exchange-rate'], score: 0.2 },
        { type: 'user_uttered', at: 4, text: 'bonds or credit score' },
        { type: 'knowledge', at: 4, outcome: 'clarified', passages: ['fx-bond-prices', 'fx-credit-score'], score: 0.6 },
      ],
      4,
    );
    await store.close();
    const r = await moneta('kb', 'report');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ conversations: 1, answers: 1, feedback: { helpful: 0, unhelpful: 1 } });
    expect(report.mostUnhelpful).toEqual([{ passage: 'fx-bond-prices', title: 'Why bond prices fall when interest rates rise', unhelpful: 1, helpful: 0 }]);
    expect(report.refused).toEqual([{ question: 'can i pay with crypto?', count: 1, offered: ['fx-exchange-rate'] }]);
    expect(report.clarified).toEqual([{ question: 'bonds or credit score', count: 1, offered: ['fx-bond-prices', 'fx-credit-score'] }]);
  });
});
