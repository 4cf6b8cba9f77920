/**
 * Fencing tokens for the cross-process session lock: the lock runs each turn with its token in scope, and a store
 * that supports fencing refuses a write carrying an older token than one it has already accepted for that session —
 * so a process that stalled past its lease (a long GC pause) cannot write after a newer holder has. AsyncLocalStorage
 * carries the token from the lock to the store without threading it through the dialogue code.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<number>();

/** Runs `fn` with `token` as the current fencing token (the lock calls this around a turn). */
export function runWithFence<T>(token: number, fn: () => T): T {
  return storage.run(token, fn);
}

/** The fencing token of the turn running now, or undefined outside a fenced lock (in-process lock, tests). */
export function currentFence(): number | undefined {
  return storage.getStore();
}
