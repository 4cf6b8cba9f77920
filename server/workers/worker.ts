/**
 * The worker side of the pool: Piscina calls the default export with one TaskMessage per task. Runs inside a worker
 * thread only (under tsx through worker-entry.mjs, precompiled as dist/worker.mjs by `npm run build:server`).
 */
import { isMonetaError } from '../errors.ts';
import { forwardTask, loadModelTask } from './model-tasks.ts';
import { runOptimizeTask } from './portfolio-optimize-task.ts';
import type { TaskKind, TaskMessage, TaskReply, WorkerTasks } from './tasks.ts';

type Handlers = { [K in TaskKind]: (input: WorkerTasks[K]['input']) => WorkerTasks[K]['output'] | Promise<WorkerTasks[K]['output']> };

const handlers: Handlers = {
  'pool.ping': () => 'pong',
  'portfolio.optimize': runOptimizeTask,
  'model.load': loadModelTask,
  'model.forward': forwardTask,
};

/** Runs one task; MonetaErrors come back as data, anything else is thrown (the main thread answers 500 and logs it). */
export default async function runTask(message: TaskMessage): Promise<TaskReply> {
  const handler = handlers[message.kind] as (input: unknown) => unknown;
  if (!handler) throw new Error(`unknown worker task ${String(message.kind)}`);
  try {
    return { ok: true, value: (await handler(message.input)) as WorkerTasks[TaskKind]['output'] };
  } catch (error) {
    if (isMonetaError(error) && error.code !== 'internal') {
      return { ok: false, error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
    }
    throw error;
  }
}
