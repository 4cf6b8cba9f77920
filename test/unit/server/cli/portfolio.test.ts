// `moneta portfolio optimize`: flags parsed in-process by commander, plus one real process for the error exit code.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerPortfolioCommand } from '../../../../server/cli/portfolio.ts';
import type { CliContext } from '../../../../server/cli/main.ts';

const pricesPath = fileURLToPath(new URL('../../../fixtures/portfolio/synthetic-prices.csv', import.meta.url));
const marketPath = fileURLToPath(new URL('../../../fixtures/portfolio/synthetic-market.csv', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ref: any = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/portfolio/reference.json', import.meta.url)), 'utf8'));

async function run(args: string[]): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const printed: unknown[] = [];
  const ctx = { loadConfig: () => ({}), printJson: (v: unknown) => printed.push(v), warn: () => {} } as unknown as CliContext;
  const program = new Command('moneta').exitOverride();
  registerPortfolioCommand(program, ctx);
  await program.parseAsync(['node', 'moneta', 'portfolio', 'optimize', ...args]);
  return printed[0];
}

describe('moneta portfolio optimize', () => {
  it('every CONTRACTS §6 flag is accepted and applied', async () => {
    const out = await run([
      '--prices', pricesPath, '--returns', 'capm', '--compounding', 'true', '--market-prices', marketPath,
      '--risk', 'exp', '--risk-span', '60', '--objective', 'min-volatility', '--risk-free', '0.02', '--gamma', '0',
      '--bounds', '0,1', '--frequency', '252', '--total-value', '10000',
    ]);
    ref.columns.forEach((c: string, i: number) => expect(out.expectedReturns[c]).toBeCloseTo(ref.mu.capm_market[i], 10));
    expect(out.riskModel).toBe('exp');
    expect(Object.values(out.weights as Record<string, number>).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(out.allocation.leftover).toBeGreaterThanOrEqual(0);
    const sr = await run(['--prices', pricesPath, '--objective', 'efficient-risk', '--target', String(ref.opt.efficient_risk.target)]);
    ref.columns.forEach((c: string, i: number) => expect(Math.abs(sr.weights[c] - ref.opt.efficient_risk.w[i])).toBeLessThan(1e-6));
    const ema = await run(['--prices', pricesPath, '--returns', 'ema', '--span', '100', '--compounding', 'false', '--objective', 'max-quadratic-utility', '--risk-aversion', '3']);
    ref.columns.forEach((c: string, i: number) => expect(ema.expectedReturns[c]).toBeCloseTo(ref.mu.ema_span100_arith[i], 10));
    const semi = await run(['--prices', pricesPath, '--risk', 'semicovariance', '--benchmark', '0', '--objective', 'hrp', '--linkage', 'ward']);
    expect(Object.keys(semi.weights)).toEqual(ref.columns);
  });

  it('a bad request exits non-zero with a clear message on stderr (real process)', () => {
    const res = spawnSync(process.execPath, ['bin/moneta.mjs', 'portfolio', 'optimize', '--prices', pricesPath, '--objective', 'efficient-return', '--target', '9'], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('../../../../', import.meta.url)),
      timeout: 90_000,
    });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/error: target return 9 must be lower than the maximum possible return/);
    expect(res.stdout).toBe('');
  }, 90_000);
});
