// `npx moneta credit score` through the real CLI entry and the real models (CONTRACTS §5): one probability per data
// row in input order, an empty line plus a stderr error naming the line for a malformed row, label columns ignored.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/config/index.ts';
import { CreditModel } from '../../../../models/credit/lib/credit-model.ts';
import { registerCreditCommand } from '../../../../server/cli/credit.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/credit');
const config = loadConfig(process.env);
let dataDir: string;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-credit-cli-'));
});

async function moneta(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'bin/moneta.mjs'), ...args], {
      env: { ...process.env, MONETA_DATA_DIR: dataDir, MONETA_CREDIT_MODELS_DIR: config.credit.modelsDir },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The typed-array model's probabilities for the readable rows of a fixture (null for malformed rows). */
async function expected(model: string, file: string): Promise<Array<number | null>> {
  const m = await CreditModel.load(path.join(config.credit.modelsDir, model));
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const { reader, skipFirst } = m.dataset.createReader(lines[0]!);
  return lines.slice(skipFirst ? 1 : 0).map((line) => {
    const parsed = reader.parseLine(line);
    return parsed.ok ? m.probability(parsed.record.applicant) : null;
  });
}

describe('moneta credit score', () => {
  it('scores german.data-format lines in order; malformed lines give an empty line and an error naming the line', async () => {
    const file = path.join(FIXTURES, 'german-sample.data');
    const r = await moneta('credit', 'score', '--model', 'german', '--input', file);
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n');
    expect(out.pop()).toBe(''); // trailing newline
    expect(out).toHaveLength(7);
    const want = await expected('german', file);
    out.forEach((line, i) => {
      if (want[i] === null) expect(line).toBe('');
      else expect(Number(line)).toBeCloseTo(want[i]!, 6);
    });
    expect(out[3]).toBe('');
    expect(out[5]).toBe('');
    expect(r.stderr).toMatch(/line 4: expected 20 attributes/);
    expect(r.stderr).toMatch(/line 6: .*unknown code "A19"/);
    // Line 3 has no class column and is scored like the others.
    expect(Number(out[2])).toBeGreaterThan(0);
    // The risky first applicant scores above the safe second one.
    expect(Number(out[0])).toBeGreaterThan(Number(out[1]));
    // Every scored row is in the audit log, without raw values.
    const db = new Database(path.join(dataDir, 'credit-audit.sqlite'), { readonly: true });
    const rows = db.prepare("SELECT source, model FROM credit_assessments WHERE model = 'german'").all();
    db.close();
    expect(rows).toHaveLength(5);
  }, 90_000);

  it('scores taiwan train.csv-format rows (header skipped, label ignored) with errors for malformed rows', async () => {
    const file = path.join(FIXTURES, 'taiwan-sample.csv');
    const r = await moneta('credit', 'score', '--model', 'taiwan', '--input', file);
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n');
    out.pop();
    expect(out).toHaveLength(6);
    const want = await expected('taiwan', file);
    out.forEach((line, i) => {
      if (want[i] === null) expect(line).toBe('');
      else expect(Number(line)).toBeCloseTo(want[i]!, 6);
    });
    expect(out[3]).toBe('');
    expect(out[5]).toBe('');
    expect(r.stderr).toMatch(/line 5: AGE: "thirty" is not a number/);
    expect(r.stderr).toMatch(/line 7: expected 25 columns, found 4/);
  }, 90_000);

  it('fails clearly for an unknown model or a missing file (in-process: the same command registration)', async () => {
    const program = new Command('moneta').exitOverride();
    const warnings: string[] = [];
    registerCreditCommand(program, { loadConfig: () => config, printJson: () => {}, warn: (m) => warnings.push(m) });
    const score = (...args: string[]) => program.parseAsync(['node', 'moneta', 'credit', 'score', ...args]);
    await expect(score('--model', 'martian', '--input', path.join(FIXTURES, 'german-sample.data'))).rejects.toThrow(/--model must be german or taiwan/);
    await expect(score('--model', 'german', '--input', path.join(FIXTURES, 'nope.data'))).rejects.toThrow(/not a readable file/);
  });
});
