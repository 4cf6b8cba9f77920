/** `npx moneta kb build|search` (CONTRACTS §4) through the real CLI entry, on a copy of the fixture knowledge base. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
});
