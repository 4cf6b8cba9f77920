/**
 * `npm run bench:chat`: server-side turn latency (p50/p99), 200 concurrent Socket.IO sessions × 20 messages over
 * loopback (lost / reordered / errors, messages per second, round trips), cold start to healthy, widget size —
 * each against a baseline measured in the same run (an echo server on the same Express + Socket.IO stack).
 * Prints a table and writes bench/results/chat.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { io as connect, type Socket } from 'socket.io-client';
import { createApp } from '../server/app.ts';
import { buildDefaultDeps, inferenceOffloaded } from '../server/bootstrap.ts';
import { PROJECT_ROOT, loadConfig } from '../server/config/index.ts';
import type { BotMessage, ClientToServerEvents, ServerToClientEvents } from '../server/contracts/chat-protocol.ts';
import { createSilentLogger } from '../server/observability/logger.ts';
import { ConversationSkill } from '../server/skills/conversation/conversation-skill.ts';
import { creditPlaceholder, knowledgePlaceholder, portfolioPlaceholder } from '../test/fixtures/platform/stand-in-skills.ts';
import { loadBlind2, loadQuestions } from './kb-questions.ts';
import { freePort } from './support/free-port.ts';
import { benchConfig, quantile } from './support/in-process.ts';

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 200);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20);
const LATENCY_TURNS = Number(process.env.BENCH_TURNS ?? 4000);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 3);

/** A conversation whose consecutive replies differ, so a reordering shows up as a mismatch. */
const SCRIPT = [
  'hello',
  'what can you do?',
  'are you a bot?',
  'thanks',
  'qwzx plorb',
  'blorp zizz',
  'I lost my card',
  'what is the weather tomorrow',
  'hi there',
  'how should I invest 10k?',
  'can I get a loan?',
  'cancel',
  'what is compound interest',
  'bye',
  '/capabilities',
  'yes',
  'nope',
  'my card still has not arrived',
  'thank you so much',
  'goodbye',
];

function summary(values: number[]): { p50: number; p99: number; mean: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean: values.reduce((a, b) => a + b, 0) / values.length, n: values.length };
}

const round = (x: number, d = 3): number => Number(x.toFixed(d));

async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms`);
}

interface Started {
  url: string;
  child: ChildProcess;
  coldStartMs: number;
  stop(): Promise<void>;
}

/** Spawns a server process and measures spawn → /healthz 200. */
async function spawnServer(kind: 'moneta' | 'echo', dataDir: string): Promise<Started> {
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    MONETA_DATA_DIR: dataDir,
    MONETA_LOG_LEVEL: 'warn',
    MONETA_RATE_LIMIT_SESSION_PER_MIN: '1000000',
    MONETA_RATE_LIMIT_IP_PER_MIN: '1000000',
  };
  const args = kind === 'moneta' ? [path.join(PROJECT_ROOT, 'bin', 'moneta.mjs'), 'serve'] : ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'chat-echo-server.ts')];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child);
  const coldStartMs = performance.now() - t0;
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, child, coldStartMs, stop };
}

/**
 * Phase 1: server-side turn latency, in process, sequential, SQLite store. `full` uses every skill bootstrap wires today
 * (feature skills such as knowledge retrieval included); `platform` swaps the feature skills for the platform's own
 * (conversation + stand-ins from test/fixtures), so the platform's own cost is visible; both use the configured NLU.
 */
async function measureTurnLatency(
  dataDir: string,
  variant: 'full' | 'platform',
  offload?: 'on' | 'off',
): Promise<{ moneta: ReturnType<typeof summary>; baseline: ReturnType<typeof summary>; byMessage: Record<string, { p50: number; p99: number }>; byKind: Record<string, { p50: number; p99: number; n: number; loopP50: number; loopP99: number }> }> {
  const config = benchConfig(dataDir, offload ? { inference: { offload } } : {});
  const logger = createSilentLogger();
  const deps = await buildDefaultDeps(config, logger);
  await deps.ready;
  if (variant === 'platform') {
    const labels = JSON.parse(fs.readFileSync(path.join(config.datasetsDir, 'banking77', 'categories.json'), 'utf8')) as string[];
    deps.skills = [new ConversationSkill(), creditPlaceholder(), portfolioPlaceholder(), knowledgePlaceholder(labels)];
    delete deps.rescueSkill; // the knowledge rescue is a feature skill too
  }
  const app = createApp({ config, logger, ...deps });
  const times: number[] = [];
  const byMessage = new Map<string, number[]>();
  // The full variant serves a bank's traffic: mostly knowledge questions (held-out and blind), plus forms and small talk.
  const script = variant === 'full' ? realisticMix(config.knowledge.dir) : SCRIPT.map((text) => ({ text, kind: 'script' }));
  const byKind = new Map<string, number[]>();
  // How long each turn held the event loop (active, not waiting for the inference pool): what other conversations wait for.
  const loopByKind = new Map<string, number[]>();
  // Baseline: the same ChatCore path (lock, checks, rate limits, metrics) with a message-less "open" on a session
  // that already has a reply, i.e. everything except NLU, policy, skills and the store write.
  const baseline: number[] = [];
  const warm = 200;
  let session = 0;
  for (let i = 0; i < LATENCY_TURNS + warm; i += 1) {
    const turn = script[i % script.length]!;
    if (i % SESSION_TURNS === 0) session += 1;
    const sessionId = `bench-${session}`;
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const outcome = await app.chat.handleMessage({ channel: 'bench', sessionId, owner: 'bench', message: turn.text, missingMessage: 'reject' });
    const t1 = performance.now();
    const loopMs = performance.eventLoopUtilization(elu0).active;
    if (outcome.error) throw outcome.error;
    const b0 = performance.now();
    await app.chat.handleMessage({ channel: 'bench', sessionId, owner: 'bench', message: undefined, missingMessage: 'greet' });
    const b1 = performance.now();
    if (i >= warm) {
      times.push(t1 - t0);
      if (variant === 'platform') byMessage.set(turn.text, [...(byMessage.get(turn.text) ?? []), t1 - t0]);
      byKind.set(turn.kind, [...(byKind.get(turn.kind) ?? []), t1 - t0]);
      loopByKind.set(turn.kind, [...(loopByKind.get(turn.kind) ?? []), loopMs]);
      baseline.push(b1 - b0);
    }
  }
  await app.close();
  const perMessage = Object.fromEntries([...byMessage].map(([k, v]) => {
    const s = summary(v);
    return [k, { p50: round(s.p50), p99: round(s.p99) }];
  }));
  const perKind = Object.fromEntries([...byKind].map(([k, v]) => {
    const s = summary(v);
    const loop = summary(loopByKind.get(k) ?? []);
    return [k, { p50: round(s.p50), p99: round(s.p99), n: s.n, loopP50: round(loop.p50), loopP99: round(loop.p99) }];
  }));
  return { moneta: summary(times), baseline: summary(baseline), byMessage: perMessage, byKind: perKind };
}

/** Turns per session in the latency phase (the script's length for the platform variant). */
const SESSION_TURNS = SCRIPT.length;

/**
 * A realistic mix of turns, in sessions of {@link SESSION_TURNS}: 65% knowledge questions (the test half and both
 * blind sets, none of them tuned on), plus a questionnaire started and cancelled, and small talk.
 */
function realisticMix(knowledgeDir: string): Array<{ text: string; kind: string }> {
  const questions = [...loadQuestions(knowledgeDir).filter((q) => q.split !== 'dev'), ...loadBlind2(knowledgeDir)].map((q) => q.question);
  const others = [
    { text: 'hello', kind: 'chit-chat' },
    { text: 'how risky am I as a borrower?', kind: 'form' },
    { text: '5000', kind: 'form' },
    { text: 'cancel', kind: 'form' },
    { text: 'thanks!', kind: 'chit-chat' },
    { text: 'are you a bot?', kind: 'chit-chat' },
    { text: 'bye', kind: 'chit-chat' },
  ];
  const out: Array<{ text: string; kind: string }> = [];
  let q = 0;
  for (let s = 0; s < 40; s += 1) {
    // 13 knowledge questions and 7 other turns per 20-turn session (65%), the form's turns in order.
    const session = [others[0]!, ...Array.from({ length: 6 }, () => ({ text: questions[q++ % questions.length]!, kind: 'knowledge' })), others[1]!, others[2]!, others[3]!];
    session.push(...Array.from({ length: 7 }, () => ({ text: questions[q++ % questions.length]!, kind: 'knowledge' })), others[4]!, others[5]!, others[6]!);
    out.push(...session);
  }
  return out;
}

interface LoadResult {
  sessions: number;
  messagesPerSession: number;
  messages: number;
  events: number;
  lost: number;
  reordered: number;
  errors: number;
  seconds: number;
  messagesPerSecond: number;
  roundTripMs: ReturnType<typeof summary>;
}

/** The events one fresh session gets for SCRIPT, per message (reference run over REST, one message at a time). */
async function referenceReplies(url: string, script: string[]): Promise<BotMessage[][]> {
  const sender = `reference-${Date.now()}`;
  const out: BotMessage[][] = [];
  for (const message of script) {
    const res = await fetch(`${url}/webhooks/rest/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender, message }) });
    const elements = (await res.json()) as Array<{ text?: string; buttons?: Array<{ title: string; payload: string }>; custom?: unknown }>;
    out.push(
      elements.map((e): BotMessage => {
        if (e.custom) return { custom: e.custom } as BotMessage;
        return e.buttons ? { text: e.text!, quick_replies: e.buttons.map((b) => ({ content_type: 'text', ...b })) } : { text: e.text! };
      }),
    );
  }
  return out;
}

/** A reply as compared between runs: knowledge answers carry a fresh random `answerId` each time, which is not content. */
function canonical(m: BotMessage): string {
  return JSON.stringify(m, (key, value: unknown) => (key === 'answerId' ? '*' : value));
}

/** Phase 2: SESSIONS sockets, each pipelining MESSAGES messages; checks every reply against the expected sequence. */
async function loadTest(url: string, script: string[], expected: BotMessage[][] | undefined): Promise<LoadResult> {
  const sockets: ChatSocket[] = await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      const s: ChatSocket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
      return s;
    }),
  );
  const ids = await Promise.all(
    sockets.map((s) => new Promise<string>((resolve) => {
      s.once('session_confirm', resolve);
      s.emit('session_request', { session_id: null });
    })),
  );
  const perMessage = expected ? expected.map((e) => e.length) : script.map(() => 1);
  const totalPerSession = perMessage.reduce((a, b) => a + b, 0);
  const expectedFlat = expected ? expected.flat().map(canonical) : script.map((m) => JSON.stringify({ text: m }));
  let lost = 0;
  let reordered = 0;
  let errors = 0;
  let events = 0;
  const rtts: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    sockets.map(
      (socket, k) =>
        new Promise<void>((resolve) => {
          const got: string[] = [];
          const sentAt: number[] = [];
          let boundary = 0;
          let turn = 0;
          const finish = (): void => {
            clearTimeout(timer);
            socket.off('bot_uttered');
            events += got.length;
            if (got.length < totalPerSession) lost += totalPerSession - got.length;
            const mismatches = got.filter((g, i) => g !== expectedFlat[i]).length;
            if (mismatches > 0) {
              const sameSet = [...got].sort().join('\n') === [...expectedFlat].slice(0, got.length).sort().join('\n');
              if (sameSet) reordered += mismatches;
              else errors += mismatches;
            }
            resolve();
          };
          const timer = setTimeout(finish, 60_000);
          socket.on('bot_uttered', (m) => {
            if ('custom' in m && m.custom.type === 'error') errors += 1;
            got.push(canonical(m));
            // A message's round trip ends with the last event of its turn.
            if (got.length === boundary + perMessage[turn]!) {
              rtts.push(performance.now() - sentAt[turn]!);
              boundary = got.length;
              turn += 1;
            }
            if (got.length >= totalPerSession) finish();
          });
          for (const message of script) {
            sentAt.push(performance.now());
            socket.emit('user_uttered', { message, session_id: ids[k]!, customData: { language: 'en' } });
          }
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const s of sockets) s.disconnect();
  const messages = SESSIONS * script.length;
  return { sessions: SESSIONS, messagesPerSession: script.length, messages, events, lost, reordered, errors, seconds: round(seconds), messagesPerSecond: round(messages / seconds, 1), roundTripMs: summary(rtts) };
}

function widgetSize(): { bytes: number; gzipBytes: number } | undefined {
  const file = path.join(PROJECT_ROOT, 'web', 'dist', 'widget.js');
  if (!fs.existsSync(file)) return undefined;
  const buf = fs.readFileSync(file);
  return { bytes: buf.length, gzipBytes: zlib.gzipSync(buf, { level: 9 }).length };
}

function median(values: number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

async function main(): Promise<void> {
  const defaultConfig = loadConfig(process.env);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moneta-bench-'));
  const script = SCRIPT.slice(0, MESSAGES).concat(Array.from({ length: Math.max(0, MESSAGES - SCRIPT.length) }, (_, i) => SCRIPT[i % SCRIPT.length]!));
  try {
    process.stderr.write(`turn latency: ${LATENCY_TURNS} sequential turns in process (platform skills)…\n`);
    const latency = await measureTurnLatency(path.join(tmp, 'latency-platform'), 'platform');
    process.stderr.write(`turn latency: ${LATENCY_TURNS} sequential turns in process (all skills, realistic mix: 65% knowledge questions)…\n`);
    const full = await measureTurnLatency(path.join(tmp, 'latency-full'), 'full');
    process.stderr.write(`turn latency: the same with model inference in the inference pool (MONETA_INFERENCE_OFFLOAD=on)…\n`);
    const offloaded = await measureTurnLatency(path.join(tmp, 'latency-offloaded'), 'full', 'on');

    process.stderr.write(`cold starts (${COLD_STARTS} each)…\n`);
    const coldMoneta: number[] = [];
    const coldEcho: number[] = [];
    for (let i = 0; i < COLD_STARTS; i += 1) {
      const m = await spawnServer('moneta', path.join(tmp, `cold-${i}`));
      coldMoneta.push(m.coldStartMs);
      await m.stop();
      const e = await spawnServer('echo', tmp);
      coldEcho.push(e.coldStartMs);
      await e.stop();
    }

    process.stderr.write(`load: ${SESSIONS} sessions × ${script.length} messages against the echo baseline…\n`);
    const echo = await spawnServer('echo', tmp);
    const echoLoad = await loadTest(echo.url, script, undefined);
    await echo.stop();

    process.stderr.write(`load: ${SESSIONS} sessions × ${script.length} messages against Moneta (SQLite store)…\n`);
    const moneta = await spawnServer('moneta', path.join(tmp, 'load'));
    const expected = await referenceReplies(moneta.url, script);
    const monetaLoad = await loadTest(moneta.url, script, expected);
    await moneta.stop();

    const widget = widgetSize();
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
      // What the default config serves (MONETA_NLU_CLASSIFIER / MONETA_INTENT_ENSEMBLE can change it).
      classifier: `${defaultConfig.nlu.classifier}${defaultConfig.nlu.classifier === 'transformer' ? `+ensemble:${defaultConfig.nlu.ensemble}` : ''}`,
      turnLatencyMs: {
        moneta: { p50: round(latency.moneta.p50), p99: round(latency.moneta.p99), mean: round(latency.moneta.mean), n: latency.moneta.n },
        baselineCorePath: { p50: round(latency.baseline.p50), p99: round(latency.baseline.p99), mean: round(latency.baseline.mean), n: latency.baseline.n },
        ratioP50: round(latency.moneta.p50 / latency.baseline.p50, 1),
        ratioP99: round(latency.moneta.p99 / latency.baseline.p99, 1),
        goal: { p50: 2, p99: 10 },
        meetsGoal: latency.moneta.p50 <= 2 && latency.moneta.p99 <= 10,
        byMessage: latency.byMessage,
        // The realistic mix (65% knowledge questions from the test half and the blind sets, a questionnaire, small talk).
        allSkills: { p50: round(full.moneta.p50), p99: round(full.moneta.p99), mean: round(full.moneta.mean), n: full.moneta.n, byKind: full.byKind },
        knowledgeTurns: full.byKind.knowledge,
        // What the default config does, and the other choice measured in the same run.
        inferenceOffloaded: inferenceOffloaded(defaultConfig),
        knowledgeTurnsInferenceOffloaded: offloaded.byKind.knowledge,
      },
      load: {
        moneta: { ...monetaLoad, roundTripMs: { p50: round(monetaLoad.roundTripMs.p50), p99: round(monetaLoad.roundTripMs.p99) } },
        echoBaseline: { ...echoLoad, roundTripMs: { p50: round(echoLoad.roundTripMs.p50), p99: round(echoLoad.roundTripMs.p99) } },
        throughputRatio: round(monetaLoad.messagesPerSecond / echoLoad.messagesPerSecond, 3),
        roundTripP50Ratio: round(monetaLoad.roundTripMs.p50 / echoLoad.roundTripMs.p50, 2),
        roundTripP99Ratio: round(monetaLoad.roundTripMs.p99 / echoLoad.roundTripMs.p99, 2),
        ok: monetaLoad.lost === 0 && monetaLoad.reordered === 0 && monetaLoad.errors === 0,
      },
      coldStartMs: {
        moneta: round(median(coldMoneta), 0),
        echoBaseline: round(median(coldEcho), 0),
        ratio: round(median(coldMoneta) / median(coldEcho), 2),
        runs: { moneta: coldMoneta.map((x) => round(x, 0)), echo: coldEcho.map((x) => round(x, 0)) },
      },
      widget: widget ? { ...widget, gzipKB: round(widget.gzipBytes / 1024, 1), goalKB: 80, meetsGoal: widget.gzipBytes <= 80 * 1024 } : 'web/dist/widget.js not built (npm run build:web)',
    };

    const rows: Array<[string, string, string, string]> = [
      ['metric', 'moneta', 'baseline', 'ratio'],
      ['turn latency p50 (ms, platform skills)', `${result.turnLatencyMs.moneta.p50}`, `${result.turnLatencyMs.baselineCorePath.p50}`, `${result.turnLatencyMs.ratioP50}×`],
      ['turn latency p99 (ms, platform skills)', `${result.turnLatencyMs.moneta.p99}`, `${result.turnLatencyMs.baselineCorePath.p99}`, `${result.turnLatencyMs.ratioP99}×`],
      ['knowledge turn p50 / p99 (ms, realistic mix)', `${full.byKind.knowledge?.p50 ?? '-'} / ${full.byKind.knowledge?.p99 ?? '-'}`, '', 'goal ≤ 8 / ≤ 30'],
      ['knowledge turn: event loop held p50 / p99 (ms)', `${full.byKind.knowledge?.loopP50 ?? '-'} / ${full.byKind.knowledge?.loopP99 ?? '-'}`, '', ''],
      ['  the same, inference offloaded: turn / loop held p50 (ms)', `${offloaded.byKind.knowledge?.p50 ?? '-'} / ${offloaded.byKind.knowledge?.loopP50 ?? '-'}`, '', ''],
      ['turn latency p50 / p99 (ms, all skills, realistic mix)', `${round(full.moneta.p50)} / ${round(full.moneta.p99)}`, `${round(full.baseline.p50)} / ${round(full.baseline.p99)}`, `${round(full.moneta.p50 / full.baseline.p50, 1)}× / ${round(full.moneta.p99 / full.baseline.p99, 1)}×`],
      [`load: messages/s (${SESSIONS}×${script.length})`, `${monetaLoad.messagesPerSecond}`, `${echoLoad.messagesPerSecond}`, `${result.load.throughputRatio}×`],
      ['load: round trip p50 (ms)', `${result.load.moneta.roundTripMs.p50}`, `${result.load.echoBaseline.roundTripMs.p50}`, `${result.load.roundTripP50Ratio}×`],
      ['load: round trip p99 (ms)', `${result.load.moneta.roundTripMs.p99}`, `${result.load.echoBaseline.roundTripMs.p99}`, `${result.load.roundTripP99Ratio}×`],
      ['load: lost / reordered / errors', `${monetaLoad.lost} / ${monetaLoad.reordered} / ${monetaLoad.errors}`, `${echoLoad.lost} / ${echoLoad.reordered} / ${echoLoad.errors}`, ''],
      ['cold start to healthy (ms, median)', `${result.coldStartMs.moneta}`, `${result.coldStartMs.echoBaseline}`, `${result.coldStartMs.ratio}×`],
      ['widget.js gzip (KB)', widget ? `${round(widget.gzipBytes / 1024, 1)}` : 'not built', 'goal 80', ''],
    ];
    const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
    const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
    process.stdout.write(`\n${line(rows[0]!)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.slice(1).map(line).join('\n')}\n\n`);
    process.stdout.write(`baselines: turn latency = the same ChatCore path without NLU/policy/skills/store write; load and cold start = an echo server on the same Express 5 + Socket.IO 4 stack.\n`);

    const out = path.join(PROJECT_ROOT, 'bench', 'results', 'chat.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`wrote ${path.relative(PROJECT_ROOT, out)}\n`);
    if (!result.load.ok) process.exitCode = 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
