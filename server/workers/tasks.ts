/**
 * The typed tasks the worker pool runs: one entry per kind, its input and its output. Type-only on the main thread
 * (the implementations load inside the workers, server/workers/worker.ts), so heavy modules stay off the event loop.
 * Adding a task: its input/output here, its handler in worker.ts, then `pool.run('<kind>', input)`.
 */
import type { OptimizeResult } from '../../models/portfolio/index.ts';
import type { ErrorCode, FieldIssue } from '../errors.ts';
import type { ModelSpec, PlainTensor } from './model-session.ts';
import type { OptimizeTaskInput } from './portfolio-optimize-task.ts';

/** Every task kind with its input and output (both must survive structured cloning). */
export interface WorkerTasks {
  /** Answers at once: used to start a thread and load the task modules before the first timed task. */
  'pool.ping': { input: null; output: 'pong' };
  /** POST /api/v1/portfolio/optimize: parse the prices, check the size caps, run the optimiser. */
  'portfolio.optimize': { input: OptimizeTaskInput; output: OptimizeResult };
  /** Inference pool: load a model folder in the thread (server/workers/model-tasks.ts). */
  'model.load': { input: ModelSpec; output: null };
  /** Inference pool: one forward pass (tokenised on the caller's thread). */
  'model.forward': { input: { model: ModelSpec; inputs: Record<string, PlainTensor> }; output: Record<string, PlainTensor | undefined> };
}

/** A task name. */
export type TaskKind = keyof WorkerTasks;

/** What the main thread posts to a worker. */
export type TaskMessage = { [K in TaskKind]: { kind: K; input: WorkerTasks[K]['input'] } }[TaskKind];

/**
 * What a worker answers. Expected failures (bad input, infeasible problems) travel as data, since an Error's class and
 * fields do not survive the thread boundary; the main thread turns them back into MonetaErrors.
 */
export type TaskReply<K extends TaskKind = TaskKind> =
  | { ok: true; value: WorkerTasks[K]['output'] }
  | { ok: false; error: { code: ErrorCode; message: string; details?: FieldIssue[] } };
