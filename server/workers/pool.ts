/**
 * The process's one worker pool (Piscina) for CPU-heavy work: the portfolio optimiser today, batch scoring or model
 * inference tomorrow. Built once by the composition root (server/bootstrap.ts), closed by `MonetaApp.close()`. The
 * per-task time budget is enforced here and only here: a task over budget is aborted, its worker thread terminated (so
 * a runaway job cannot keep a core busy) and replaced, and the caller gets a 503 `timeout` error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { MonetaError, PayloadTooLargeError, type ErrorCode } from '../errors.ts';
import type { TaskKind, TaskMessage, TaskReply, WorkerTasks } from './tasks.ts';

/** Options for `createWorkerPool` (the `config.workers` slice). */
export interface WorkerPoolOptions {
  /** Worker threads (default: one fewer than the cores, at least 1). */
  threads?: number;
  /** Default time budget per task, in milliseconds. */
  taskTimeoutMs: number;
  /** Tasks waiting for a thread beyond this are refused at once (503 `overloaded`). */
  maxQueue: number;
  /** Heap limit per worker (MB); a task needing more fails with 413 instead of taking the process down. */
  maxMemoryMb: number;
  /**
   * Start every thread at once and never let one idle out (the inference pool: its threads hold loaded models, which
   * a replacement thread would have to load again while a customer waits). Default false.
   */
  keepAlive?: boolean;
}

/** Per-call options for `WorkerPool.run`. */
export interface RunOptions {
  /** Overrides the pool's default budget for this task (ms). */
  budgetMs?: number;
  /** Buffers moved (not copied) to the worker; they are unusable in the caller afterwards. */
  transferList?: ArrayBuffer[];
}

/** A typed front to Piscina: `run(kind, input)` resolves with that task's output or rejects with a MonetaError. */
export interface WorkerPool {
  run<K extends TaskKind>(kind: K, input: WorkerTasks[K]['input'], options?: RunOptions): Promise<WorkerTasks[K]['output']>;
  /** Resolves once a thread is up with the task modules loaded (no time budget); bootstrap waits for it before /healthz turns OK. */
  warmUp(): Promise<void>;
  /** Threads currently alive and tasks waiting (for metrics and tests). */
  stats(): { threads: number; queued: number; completed: number };
  /** Aborts queued tasks and terminates the threads. Idempotent. */
  close(): Promise<void>;
}

/**
 * The worker entry to load: the precompiled `worker.mjs` next to the bundle when this module runs from dist/ (`npm
 * start`), else the tsx bootstrap beside this file (tsx, vitest, `npm run dev`).
 */
export function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return path.join(path.dirname(here), 'worker-entry.mjs');
  for (const dir of [path.dirname(here), path.dirname(path.dirname(here))]) {
    const built = path.join(dir, 'worker.mjs');
    if (fs.existsSync(built)) return built;
  }
  throw new MonetaError('config_invalid', 'The precompiled worker (dist/worker.mjs) is missing; run `npm run build:server`.');
}

/** Builds the pool; one thread starts at once, the others on demand. */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const threads = options.threads ?? Math.max(1, os.availableParallelism() - 1);
  const piscina = new Piscina({
    filename: workerEntry(),
    // One thread kept warm: starting one costs ~0.3–3 s under tsx (much less precompiled), paid at boot, not by a request.
    minThreads: options.keepAlive ? threads : Math.min(1, threads),
    maxThreads: threads,
    maxQueue: options.maxQueue,
    // Idle threads exit after a minute; a new one costs ~0.3 s under tsx, ~50 ms precompiled.
    idleTimeout: options.keepAlive ? Number.POSITIVE_INFINITY : 60_000,
    resourceLimits: { maxOldGenerationSizeMb: options.maxMemoryMb },
  });
  let closed: Promise<void> | undefined;
  const gate = new FifoGate(threads, options.maxQueue);

  const run = async <K extends TaskKind>(kind: K, input: WorkerTasks[K]['input'], runOptions: RunOptions = {}): Promise<WorkerTasks[K]['output']> => {
    if (closed) throw new MonetaError('model_not_ready', 'Moneta is shutting down. Please try again in a moment.');
    const budgetMs = runOptions.budgetMs ?? options.taskTimeoutMs;
    // The budget counts from the request, waiting included: a task that waited too long is dropped, never run late.
    const signal = AbortSignal.timeout(budgetMs);
    let reply: TaskReply<K>;
    try {
      await gate.enter(signal);
      try {
        reply = (await piscina.run({ kind, input } as TaskMessage, { signal, ...(runOptions.transferList ? { transferList: runOptions.transferList } : {}) })) as TaskReply<K>;
      } finally {
        gate.leave();
      }
    } catch (error) {
      throw mapPoolError(error, budgetMs, options.maxMemoryMb);
    }
    if (reply.ok) return reply.value;
    throw new MonetaError(reply.error.code, reply.error.message, reply.error.details ? { details: reply.error.details } : {});
  };

  return {
    run,
    warmUp: async () => {
      try {
        await piscina.run({ kind: 'pool.ping', input: null } satisfies TaskMessage);
      } catch (error) {
        throw new MonetaError('model_not_ready', `The worker pool could not start: ${(error as Error).message}`, { cause: error });
      }
    },
    stats: () => ({ threads: piscina.threads.length, queued: gate.waiting + piscina.queueSize, completed: piscina.completed }),
    close: () => (closed ??= (gate.close(), piscina.destroy().then(() => undefined))),
  };
}

/**
 * First come, first served in front of Piscina: at most one task per thread is handed to Piscina, the rest wait here in
 * arrival order. Piscina's own queue does not keep that order when it is never empty (piscinajs/piscina#1031: tasks
 * are re-queued at the back): with 8 callers on one thread, one task in a few thousand waited 2–4 s instead of ~8 ms
 * (measured here with a 0.6 ms task). With this gate Piscina's queue stays empty.
 */
class FifoGate {
  private running = 0;
  private readonly queue: Array<{ go: () => void; fail: (error: Error) => void }> = [];

  constructor(
    private readonly capacity: number,
    private readonly maxWaiting: number,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves when the caller may hand its task to Piscina; rejects when the queue is full or `signal` aborts. */
  enter(signal: AbortSignal): Promise<void> {
    if (this.running < this.capacity) {
      this.running += 1;
      return Promise.resolve();
    }
    // Piscina's message for a full queue, so mapPoolError answers 503 `overloaded` as before.
    if (this.queue.length >= this.maxWaiting) return Promise.reject(new Error('Task queue is at limit'));
    return new Promise<void>((resolve, reject) => {
      const entry = {
        go: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (error: Error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        // Named like Piscina's own, so mapPoolError answers 503 `timeout` for a task that waited out its budget.
        reject(Object.assign(new Error('The task waited longer than its budget'), { name: 'AbortError' }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  /** A task finished: the longest-waiting caller goes next (its slot is handed over, not freed). */
  leave(): void {
    const next = this.queue.shift();
    if (next) next.go();
    else this.running -= 1;
  }

  /** Shutting down: every waiting caller gets the shutdown error. */
  close(): void {
    for (const entry of this.queue.splice(0)) entry.fail(new MonetaError('model_not_ready', 'Moneta is shutting down. Please try again in a moment.'));
  }
}

/** Piscina's failures → what the client sees: over budget (503), queue full (503), out of memory (413), else 500. */
function mapPoolError(error: unknown, budgetMs: number, maxMemoryMb: number): MonetaError {
  if (error instanceof MonetaError) return error;
  const e = error as { name?: string; code?: string; message?: string };
  const seconds = Math.round(budgetMs / 100) / 10;
  if (e?.name === 'AbortError') {
    return new MonetaError('timeout' satisfies ErrorCode, `The request took longer than its ${seconds} s budget and was stopped. Try fewer assets or rows, or a faster objective.`, { cause: error });
  }
  if (e?.message === 'Task queue is at limit') {
    return new MonetaError('overloaded', 'The server is busy with other heavy requests. Please try again in a moment.', { cause: error });
  }
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new PayloadTooLargeError(`The request needs more than the ${maxMemoryMb} MB of memory allowed for one computation. Send fewer assets or rows.`, { cause: error });
  }
  return new MonetaError('internal', 'The computation failed.', { cause: error });
}
