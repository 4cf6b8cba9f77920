/**
 * `npm run bench:advisor`: portfolio-suggestion latency (p50/p99) over HTTP on a warm server and in process, against a
 * baseline measured in the same run (GET /healthz on the same server: the cost of an HTTP round trip by itself); the
 * cold cost of building the advisor (CMA load + 10 score portfolios + frontier); and the suggestions for scores 1, 5
 * and 10. Prints a summary and writes bench/results/advisor.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PortfolioAdvisor, loadCmaFile } from '../models/portfolio/advisor/suggest.ts';
import { createApp } from '../server/app.ts';
import { PROJECT_ROOT, loadConfig } from '../server/config/index.ts';
import { createPortfolioAdviceRouter } from '../server/http/portfolio-advice-router.ts';
import { RuleEntityExtractor } from '../server/nlu/entities/index.ts';
import { KeywordIntentClassifier } from '../server/nlu/keyword-intent-classifier.ts';
import { StagedNluPipeline } from '../server/nlu/pipeline.ts';
import { createSilentLogger } from '../server/observability/logger.ts';
import { MemorySessionStore } from '../server/session/memory-session-store.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const COLD = Number(process.env.BENCH_COLD ?? 5);

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function stats(values: number[]): { p50: number; p99: number; mean: number; n: number } {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { p50: r(quantile(s, 0.5)), p99: r(quantile(s, 0.99)), mean: r(s.reduce((a, b) => a + b, 0) / s.length), n: s.length };
}

const ANSWERS = {
  goal: 'retirement', horizon_years: 25, income_stability: 'stable', liquidity_needs: 'unlikely', emergency_fund: 'yes',
  experience: 'funds', drawdown_reaction: 'hold', loss_tolerance: '20',
};

async function main(): Promise<void> {
  const config = loadConfig(process.env, { session: { store: 'memory', retentionDays: 0 }, limits: { httpPerIpPerMinute: 1e9, suggestPerIpPerMinute: 1e9 }, log: { level: 'silent' } });
  const cmaPath = config.portfolio.cmaPath;

  // Cold: CMA load + optimisation of the ten score portfolios + frontier samples.
  const cold: number[] = [];
  let advisor!: PortfolioAdvisor;
  for (let i = 0; i < COLD; i++) {
    const t0 = performance.now();
    advisor = new PortfolioAdvisor(loadCmaFile(cmaPath)).warm();
    cold.push(performance.now() - t0);
  }

  // In process, warm.
  const inProcess: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    advisor.suggest({ riskScore: 1 + (i % 10), amount: 10_000 + i, horizonYears: 1 + (i % 40) });
    inProcess.push(performance.now() - t0);
  }

  const app = createApp({
    config,
    logger: createSilentLogger(),
    sessionStore: new MemorySessionStore(),
    nlu: new StagedNluPipeline({ classifier: new KeywordIntentClassifier(), entityExtractors: [new RuleEntityExtractor()] }),
    skills: [],
    routers: [createPortfolioAdviceRouter({ advisor })],
  });
  const { url } = await app.start(0, '127.0.0.1');
  const post = async (body: unknown): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${url}/api/v1/portfolio/suggest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`suggest returned ${res.status}`);
    return performance.now() - t0;
  };
  const healthz = async (): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    return performance.now() - t0;
  };
  // Warm-up (JIT, keep-alive connection), then interleave so both see the same machine load.
  for (let i = 0; i < 200; i++) {
    await healthz();
    await post({ riskScore: 5 });
  }
  const base: number[] = [];
  const byScore: number[] = [];
  const byAnswers: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    base.push(await healthz());
    byScore.push(await post({ riskScore: 1 + (i % 10), amount: 20_000, horizonYears: 15 }));
    byAnswers.push(await post({ answers: ANSWERS, amount: 20_000, holdings: [{ ticker: 'VTI', value: 12_000 }, { ticker: 'cash', value: 8000 }] }));
  }
  await app.close();

  const pick = (score: number) => {
    const s = advisor.suggest({ riskScore: score, amount: 10_000, horizonYears: 10 });
    return {
      riskScore: score,
      expectedReturn: Number(s.expectedReturn.toFixed(4)),
      volatility: Number(s.volatility.toFixed(4)),
      groups: Object.fromEntries(Object.entries(s.groups).map(([k, v]) => [k, Number(v.toFixed(4))])),
      allocation: s.allocation.map((a) => `${a.ticker} ${(100 * a.weight).toFixed(1)}%`).join(', '),
      outcomes10k10y: s.outcomes,
    };
  };
  const f = advisor.cma.file;
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    requests: REQUESTS,
    baselineHealthzMs: stats(base),
    suggestByScoreMs: stats(byScore),
    suggestByAnswersWithHoldingsMs: stats(byAnswers),
    ratioP50ByScoreVsHealthz: Number((stats(byScore).p50 / stats(base).p50).toFixed(2)),
    ratioP99ByScoreVsHealthz: Number((stats(byScore).p99 / stats(base).p99).toFixed(2)),
    inProcessSuggestMs: stats(inProcess),
    coldBuildMs: stats(cold),
    cma: {
      modelVersion: advisor.modelVersion,
      window: f.provenance.window,
      diagnostics: f.diagnostics,
      universe: f.assets.filter((a) => a.inUniverse).map((a) => `${a.ticker} E[r] ${(100 * a.expectedReturn).toFixed(2)}% vol ${(100 * a.volatility).toFixed(2)}%`),
    },
    scores: [1, 5, 10].map(pick),
  };
  const out = path.join(PROJECT_ROOT, 'bench', 'results', 'advisor.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:advisor failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
