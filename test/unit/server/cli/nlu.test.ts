// `npx moneta nlu parse` through the real CLI entry and the real model (CONTRACTS §3: one JSON object per line, in order).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../../..');

async function moneta(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'bin/moneta.mjs'), ...args], {
      env: { ...process.env, MONETA_NLU_CLASSIFIER: 'transformer' },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('moneta nlu parse', () => {
  it('parses one message to one JSON object', async () => {
    const r = await moneta('nlu', 'parse', 'how do I change my PIN?');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.text).toBe('how do I change my PIN?');
    expect(out.intent.name).toBe('change_pin');
    expect(out.intent_ranking.length).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('parses --file line by line, in input order, blank lines included', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-nlu-cli-'));
    const file = path.join(dir, 'in.txt');
    const lines = ['hello', 'what is compound interest?', '', 'talk to a human please', '🙂'];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const r = await moneta('nlu', 'parse', '--file', file);
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.text)).toEqual(lines);
    expect(out.map((o) => o.intent.name)).toEqual(['greet', 'financial_education', 'out_of_scope', 'human_handoff', 'out_of_scope']);
  }, 60_000);

  it('fails with a clear message and non-zero exit for a missing file or no input', async () => {
    const missing = await moneta('nlu', 'parse', '--file', '/nonexistent/x.txt');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/does not exist/);
    const none = await moneta('nlu', 'parse');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/Give either a message or --file/);
  }, 60_000);
});
