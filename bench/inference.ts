/**
 * `npm run bench:inference`: knowledge turns through the whole server (NLU, retrieval, reranker, answer model, store)
 * with model inference in the event-loop thread (`MONETA_INFERENCE_OFFLOAD=off`, the default) and in the inference
 * pool (`on`), one turn at a time and eight at once. Reports turns per second (median of 4 alternating blocks) and
 * p50/p95/p99/max per setting; the in-thread server is the baseline of the same run. Writes bench/results/inference.json.
 *
 * The questions are the held-out ones (test half, old blind set): what customers ask, not small talk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../server/app.ts';
import { buildDefaultDeps } from '../server/bootstrap.ts';
import { PROJECT_ROOT } from '../server/config/index.ts';
import { createSilentLogger } from '../server/observability/logger.ts';
import { loadQuestions } from './kb-questions.ts';
import { benchConfig, quantile } from './support/in-process.ts';

const TURNS = Number(process.env.BENCH_TURNS ?? 1200);
const CONCURRENCY = [1, 8];

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const questions = loadQuestions(path.join(PROJECT_ROOT, 'knowledge'))
    .filter((q) => q.split !== 'dev')
    .map((q) => q.question);
  // Both servers are up at once and measured in alternating blocks, so the host's drift (10–40% over minutes here)
  // hits both settings alike.
  const servers = await Promise.all(
    (['off', 'on'] as const).map(async (offload) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-bench-inference-'));
      const config = benchConfig(dataDir, { inference: { offload } });
      const logger = createSilentLogger();
      const deps = await buildDefaultDeps(config, logger);
      await deps.ready;
      return { offload, dataDir, app: createApp({ config, logger, ...deps }) };
    }),
  );
  let sessionSeq = 0;
  const block = async (app: (typeof servers)[number]['app'], concurrency: number, n: number, latencies: number[]): Promise<number> => {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        let session = `bench-${sessionSeq++}`;
        let turns = 0;
        while (next < n) {
          const i = next++;
          // Sessions of 20 turns, one caller each (a customer waits for the reply before asking again).
          if (++turns > 20) [session, turns] = [`bench-${sessionSeq++}`, 1];
          const s = performance.now();
          const out = await app.chat.handleMessage({ channel: 'bench', sessionId: session, owner: 'bench', message: questions[i % questions.length]!, missingMessage: 'reject' });
          if (out.error) throw out.error;
          latencies.push(performance.now() - s);
        }
      }),
    );
    return n / ((performance.now() - t0) / 1000);
  };
  for (const s of servers) await block(s.app, 1, 200, []); // warm-up, not counted
  const ROUNDS = 4;
  const samples = new Map<string, { latencies: number[]; throughput: number[] }>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const concurrency of CONCURRENCY) {
      for (const s of r % 2 === 0 ? servers : [...servers].reverse()) {
        const key = `${s.offload}|${concurrency}`;
        const entry = samples.get(key) ?? { latencies: [], throughput: [] };
        entry.throughput.push(await block(s.app, concurrency, Math.round(TURNS / ROUNDS), entry.latencies));
        samples.set(key, entry);
      }
    }
    process.stderr.write(`round ${r + 1}/${ROUNDS} done\n`);
  }
  for (const s of servers) {
    await s.app.close();
    fs.rmSync(s.dataDir, { recursive: true, force: true });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results: Record<string, Record<string, { turnsPerSecond: number; p50: number; p95: number; p99: number; max: number }>> = { off: {}, on: {} };
  for (const [key, { latencies, throughput }] of samples) {
    const [offload, concurrency] = key.split('|') as [string, string];
    latencies.sort((a, b) => a - b);
    results[offload]![`concurrency ${concurrency}`] = { turnsPerSecond: round(median(throughput), 1), p50: round(quantile(latencies, 0.5)), p95: round(quantile(latencies, 0.95)), p99: round(quantile(latencies, 0.99)), max: round(latencies.at(-1)!) };
  }
  const rows = [['setting', 'turns/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms']];
  for (const [offload, byConcurrency] of Object.entries(results)) {
    for (const [k, r] of Object.entries(byConcurrency)) rows.push([`inference ${offload === 'on' ? 'offloaded' : 'in-thread'}, ${k}`, `${r.turnsPerSecond}`, `${r.p50}`, `${r.p95}`, `${r.p99}`, `${r.max}`]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  process.stdout.write(`\n${rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n')}\n\n`);
  const ratio = (k: string): number => round(results.on![k]!.turnsPerSecond / results.off![k]!.turnsPerSecond, 2);
  const out = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, turns: TURNS, results, throughputRatioOffloadedVsInThread: Object.fromEntries(CONCURRENCY.map((c) => [`concurrency ${c}`, ratio(`concurrency ${c}`)])) };
  process.stdout.write(`throughput offloaded / in-thread: ${JSON.stringify(out.throughputRatioOffloadedVsInThread)}\n`);
  const file = path.join(PROJECT_ROOT, 'bench', 'results', 'inference.json');
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(PROJECT_ROOT, file)}\n`);
}

await main();
process.exit(0);
