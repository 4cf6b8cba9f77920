/**
 * `npm run bench:scale`: one Moneta process against two behind HAProxy, on PostgreSQL + Redis (production mode), with
 * a realistic load: N customers, each sending a few messages with a human-like 3–8 s pause between them — mostly real
 * customer questions from knowledge/eval/*.jsonl, some credit questionnaires and chit-chat — over Socket.IO through the
 * balancer, real models. For each configuration and load level: messages per second, turn p50/p99 (message sent →
 * first reply), lost (no reply within 15 s) and duplicated (a message stored twice) messages, memory per process.
 * Finds the largest load level with p99 ≤ 300 ms on one process, then runs the same levels on two processes.
 *
 * CPU accounting on a 2-core machine: the load generator is a separate process pinned with `taskset` to CPU 1; the
 * single Moneta is pinned to CPU 0; the two Monetas to CPU 0 and CPU 1 (so in that configuration the second shares its
 * core with the generator). PostgreSQL, Redis and HAProxy are not pinned. The generator's and every server's CPU
 * seconds are reported, so the shares are visible. Writes bench/results/scale.json.
 *
 * Env: BENCH_LEVELS (sessions per level, comma-separated; default 50,100,200,350,500), BENCH_MESSAGES (per
 * session, default 5), BENCH_PAUSE_MS (min,max; default 3000,8000).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { PROJECT_ROOT } from '../server/config/index.ts';
import { startHaproxy, startPostgres, startRedis, type HaproxyServer, type PostgresServer, type RedisServer } from '../test/support/engines.ts';
import { buildServerOnce, prepareKnowledgeIndex, removeServerBuild, startMonetaProcess, type MonetaProcess } from '../test/support/moneta-process.ts';

const LEVELS = (process.env.BENCH_LEVELS ?? '50,100,200,350,500').split(',').map(Number);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5);
const [PAUSE_MIN, PAUSE_MAX] = (process.env.BENCH_PAUSE_MS ?? '3000,8000').split(',').map(Number) as [number, number];
const REPLY_TIMEOUT_MS = 15_000;
const P99_TARGET_MS = 300;

// ---------------------------------------------------------------------------------------------------------------
// Load generator (runs as its own process: `node --import tsx bench/scale.ts --load <url> <sessions> <seed>`)
// ---------------------------------------------------------------------------------------------------------------

interface LoadResult {
  sessions: number;
  sent: number;
  replied: number;
  lost: number;
  errors: number;
  /** Customers who never got a session (connect or handshake failed within 30 s); their messages count as errors. */
  connectFailures: number;
  /** Error replies by code. */
  errorCodes: Record<string, number>;
  latenciesMs: number[];
  seconds: number;
  sessionIds: Array<{ id: string; sent: string[] }>;
  cpuSeconds: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadQuestions(): string[] {
  const dir = path.join(PROJECT_ROOT, 'knowledge', 'eval');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { question: string }).question));
}

const CREDIT_FORM = ['how risky am I as a borrower?', 'a used car', '2,500 euros', 'two years', '2', 'I have no checking account', 'over 500', '7 years or more'];
const CHIT_CHAT = ['hi', 'what can you do?', 'are you a bot?', 'thanks!', 'ok great'];

/** One customer's messages: 70% knowledge questions, 15% a credit questionnaire, 15% chit-chat around questions. */
function script(rand: () => number, questions: readonly string[]): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const r = rand();
  if (r < 0.15) return CREDIT_FORM.slice(0, MESSAGES);
  if (r < 0.3) return Array.from({ length: MESSAGES }, (_, i) => (i % 2 === 0 ? pick(CHIT_CHAT) : pick(questions)));
  return Array.from({ length: MESSAGES }, () => pick(questions));
}

async function runLoad(url: string, sessions: number, seed: number): Promise<LoadResult> {
  const rand = mulberry32(seed);
  const questions = loadQuestions();
  const latenciesMs: number[] = [];
  let sent = 0;
  let replied = 0;
  let lost = 0;
  let errors = 0;
  let connectFailures = 0;
  const errorCodes: Record<string, number> = {};
  const sessionIds: LoadResult['sessionIds'] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const customer = async (index: number): Promise<void> => {
    const messages = script(rand, questions);
    const pauses = messages.map(() => PAUSE_MIN + rand() * (PAUSE_MAX - PAUSE_MIN));
    // Arrivals spread over one pause window, as customers do not all open the chat in the same second.
    await new Promise((r) => setTimeout(r, (index / sessions) * PAUSE_MAX));
    const socket: Socket = io(url, { transports: ['polling', 'websocket'], withCredentials: true, reconnection: true, forceNew: true, timeout: 20_000 });
    let waiting: ((m: Record<string, any>) => void) | undefined;
    // Every event of the current turn (an error is a text event followed by its { custom: { type: 'error' } } twin).
    let turnEvents: Array<Record<string, any>> = [];
    socket.on('bot_uttered', (m: Record<string, any>) => {
      turnEvents.push(m);
      const w = waiting;
      waiting = undefined;
      w?.(m);
    });
    const settleTurn = (): void => {
      const error = turnEvents.find((e) => e.custom?.type === 'error');
      if (error) {
        errors += 1;
        const code = String(error.custom.code);
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      } else if (turnEvents.length > 0) replied += 1;
      turnEvents = [];
    };
    let reference: string | undefined;
    const id = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no session_confirm')), 30_000);
      socket.once('session_confirm', (sid: string) => {
        clearTimeout(timer);
        reference = sid;
        resolve(sid);
      });
      // A reconnect (the server was too busy to answer pings) resumes the same conversation, as the widget does.
      socket.on('connect', () => socket.emit('session_request', { session_id: reference ?? null }));
    }).catch(() => undefined);
    if (!id) {
      connectFailures += 1;
      errors += messages.length;
      socket.disconnect();
      return;
    }
    // session_confirm carries the reference `<id>.<secret>` (the credential, CONTRACTS §8); the store knows the id.
    const record = { id: id.split('.')[0]!, sent: [] as string[] };
    sessionIds.push(record);
    for (const [i, message] of messages.entries()) {
      const reply = new Promise<Record<string, any> | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          resolve(undefined);
        }, REPLY_TIMEOUT_MS);
        waiting = (m) => {
          clearTimeout(timer);
          resolve(m);
        };
      });
      turnEvents = [];
      const at = performance.now();
      socket.emit('user_uttered', { message, session_id: id });
      sent += 1;
      record.sent.push(message);
      const m = await reply;
      if (!m) lost += 1;
      else latenciesMs.push(performance.now() - at);
      // The customer reads for 3–8 s; by then every event of this turn has arrived and can be classified.
      await new Promise((r) => setTimeout(r, i < messages.length - 1 ? pauses[i] : 1000));
      if (m) settleTurn();
    }
    socket.disconnect();
  };
  await Promise.all(Array.from({ length: sessions }, (_, i) => customer(i)));
  const cpu = process.cpuUsage(cpu0);
  return { sessions, sent, replied, lost, errors, connectFailures, errorCodes, latenciesMs, seconds: (performance.now() - t0) / 1000, sessionIds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

// ---------------------------------------------------------------------------------------------------------------
// Orchestrator
// ---------------------------------------------------------------------------------------------------------------

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function rssMb(pid: number): number {
  try {
    const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function cpuSecondsOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (100 Hz)
  } catch {
    return 0;
  }
}

function runGenerator(url: string, sessions: number, seed: number, cpus: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', cpus, process.execPath, '--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'scale.ts'), '--load', url, String(sessions), String(seed)], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // 'close', not 'exit': 'exit' can fire before the last of a large stdout has been read (it cut an 800-session result).
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}`));
      // A throw here would escape the promise and skip orchestrate()'s clean-up (servers left running): reject instead.
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch (error) {
        reject(new Error('load generator printed an unreadable result', { cause: error }));
      }
    });
  });
}

interface LevelResult {
  sessions: number;
  messages: number;
  msgPerSecond: number;
  turnMs: { p50: number; p99: number; max: number };
  lost: number;
  duplicated: number;
  errors: number;
  connectFailures: number;
  errorCodes: Record<string, number>;
  memoryMb: Array<{ process: string; peakRss: number }>;
  cpuSeconds: { generator: number; servers: Array<{ process: string; seconds: number }> };
  /** Server CPU per message (all processes): robust to a shared machine, unlike latency. */
  serverCpuMsPerMessage: number;
  meetsTarget: boolean;
}

async function measureLevel(label: string, balancer: HaproxyServer, servers: MonetaProcess[], db: pg.Pool, sessions: number, seed: number): Promise<LevelResult> {
  const peak = new Map(servers.map((s) => [s.name, rssMb(s.child.pid!)]));
  const sampler = setInterval(() => {
    for (const s of servers) peak.set(s.name, Math.max(peak.get(s.name) ?? 0, rssMb(s.child.pid!)));
  }, 500);
  const cpuBefore = servers.map((s) => cpuSecondsOf(s.child.pid!));
  const load = await runGenerator(balancer.url, sessions, seed, '1');
  clearInterval(sampler);
  const cpuAfter = servers.map((s) => cpuSecondsOf(s.child.pid!));
  // Duplicated: a message stored more than once; lost also counts messages acknowledged by a reply but not stored.
  let duplicated = 0;
  let missingInStore = 0;
  for (const { id, sent } of load.sessionIds) {
    const { rows } = await db.query<{ data: string }>('SELECT data FROM events WHERE session_id = $1 ORDER BY seq', [id]);
    const stored = rows.map((r) => JSON.parse(r.data) as { type: string; text?: string }).filter((e) => e.type === 'user_uttered').map((e) => e.text!);
    if (stored.length > sent.length) duplicated += stored.length - sent.length;
    for (let i = 0; i < stored.length - 1; i += 1) if (stored[i] === stored[i + 1] && sent[i] !== sent[i + 1]) duplicated += 1;
    if (stored.length < sent.length) missingInStore += sent.length - stored.length;
  }
  const sorted = [...load.latenciesMs].sort((x, y) => x - y);
  const result: LevelResult = {
    sessions,
    messages: load.sent,
    msgPerSecond: Math.round((load.sent / load.seconds) * 10) / 10,
    turnMs: { p50: Math.round(percentile(sorted, 50) * 10) / 10, p99: Math.round(percentile(sorted, 99) * 10) / 10, max: Math.round((sorted.at(-1) ?? Number.NaN) * 10) / 10 },
    lost: load.lost + Math.max(0, missingInStore - load.lost - load.errors),
    duplicated,
    errors: load.errors,
    connectFailures: load.connectFailures,
    errorCodes: load.errorCodes,
    memoryMb: servers.map((s) => ({ process: s.name, peakRss: Math.round(peak.get(s.name) ?? 0) })),
    cpuSeconds: { generator: Math.round(load.cpuSeconds * 10) / 10, servers: servers.map((s, i) => ({ process: s.name, seconds: Math.round((cpuAfter[i]! - cpuBefore[i]!) * 10) / 10 })) },
    serverCpuMsPerMessage: 0,
    meetsTarget: false,
  };
  result.serverCpuMsPerMessage = Math.round((result.cpuSeconds.servers.reduce((t, c) => t + c.seconds, 0) * 1000 / Math.max(1, load.sent)) * 10) / 10;
  result.meetsTarget = result.turnMs.p99 <= P99_TARGET_MS && result.lost === 0 && result.duplicated === 0 && result.errors === 0;
  process.stderr.write(`${label} ${sessions} sessions: ${result.msgPerSecond} msg/s, p50 ${result.turnMs.p50} ms, p99 ${result.turnMs.p99} ms, lost ${result.lost}, dup ${result.duplicated}, errors ${result.errors} (${load.connectFailures} customers could not connect; ${JSON.stringify(load.errorCodes)}), rss ${result.memoryMb.map((m) => `${m.process} ${m.peakRss} MB`).join(', ')}, cpu gen ${result.cpuSeconds.generator}s servers ${result.cpuSeconds.servers.map((c) => `${c.process} ${c.seconds}s`).join(', ')}\n`);
  return result;
}

async function orchestrate(): Promise<void> {
  const entry = buildServerOnce();
  const index = prepareKnowledgeIndex(entry);
  let postgres: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  let db: pg.Pool | undefined;
  const report: Record<string, unknown> = {
    command: 'npm run bench:scale',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100), node: process.version },
    load: { messagesPerSession: MESSAGES, pauseMs: [PAUSE_MIN, PAUSE_MAX], mix: '70% knowledge questions (knowledge/eval/*.jsonl), 15% credit questionnaire, 15% chit-chat + questions', transport: 'Socket.IO (polling → websocket) through HAProxy 2.6', replyTimeoutMs: REPLY_TIMEOUT_MS },
    pinning: 'load generator: taskset -c 1 (own process); 1 process: Moneta on CPU 0; 2 processes: Moneta A on CPU 0, B on CPU 1 (sharing with the generator); PostgreSQL, Redis, HAProxy unpinned',
  };
  const configurations: Record<string, LevelResult[]> = {};
  try {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    db = new pg.Pool({ connectionString: postgres.url, max: 4 });
    const env = {
      MONETA_DATABASE_URL: postgres.url,
      MONETA_REDIS_URL: redis.url,
      MONETA_RATE_LIMIT_IP_PER_MIN: '10000000',
      MONETA_RATE_LIMIT_HTTP_PER_MIN: '10000000',
      MONETA_LOG_LEVEL: 'error',
    };
    for (const [label, cpus] of [
      ['1 process', ['0']],
      ['2 processes', ['0', '1']],
    ] as const) {
      const servers: MonetaProcess[] = [];
      let balancer: HaproxyServer | undefined;
      try {
        for (const [i, cpu] of cpus.entries()) servers.push(await startMonetaProcess({ entry, name: String.fromCharCode(65 + i), env, knowledgeIndex: index.dir, cpus: cpu }));
        balancer = await startHaproxy(servers.map((s) => `127.0.0.1:${s.port}`));
        // Warm-up: models' first inferences, connection pools.
        await runGenerator(balancer.url, 10, 999, '1');
        const results: LevelResult[] = [];
        for (const [i, sessions] of LEVELS.entries()) {
          const r = await measureLevel(label, balancer, servers, db, sessions, 1000 + i);
          results.push(r);
          // Overloaded (messages lost or a quarter failing): higher levels only take longer and say nothing new.
          if (r.lost > 0 || r.errors > r.messages / 4) break;
        }
        configurations[label] = results;
      } finally {
        await balancer?.stop();
        for (const s of servers) await s.stop();
      }
    }
  } finally {
    await db?.end();
    await redis?.stop();
    await postgres?.stop();
    index.cleanup();
    removeServerBuild();
  }
  const largest = (rs: LevelResult[] | undefined) => rs?.filter((r) => r.meetsTarget).reduce((m, r) => Math.max(m, r.sessions), 0) ?? 0;
  const one = largest(configurations['1 process']);
  const two = largest(configurations['2 processes']);
  Object.assign(report, {
    configurations,
    summary: {
      largestSessionsWithinTarget: { '1 process': one, '2 processes': two, target: `p99 ≤ ${P99_TARGET_MS} ms, 0 lost, 0 duplicated, 0 errors` },
      twoOverOne: one > 0 ? Math.round((two / one) * 100) / 100 : null,
      loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
  });
  const out = path.join(PROJECT_ROOT, 'bench', 'results', 'scale.json');
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`largest load within target: 1 process ${one} sessions, 2 processes ${two} sessions; written to ${path.relative(PROJECT_ROOT, out)}\n`);
}

if (process.argv[2] === '--load') {
  const [url, sessions, seed] = process.argv.slice(3);
  const result = await runLoad(url!, Number(sessions), Number(seed));
  // Exit only once the write has drained: a 200 KB result to a pipe is written asynchronously, and exiting at once cut it.
  process.stdout.write(JSON.stringify(result), () => process.exit(0));
} else {
  if (!fs.existsSync('/usr/bin/taskset')) execFileSync('which', ['taskset']);
  await orchestrate();
}
