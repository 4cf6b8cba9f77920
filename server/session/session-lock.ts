/** Per-session mutual exclusion: one conversation's turns run strictly in arrival order; different sessions run concurrently. */

/**
 * Per-session mutual exclusion as ChatCore and the sessions router use it. Implementations must pass
 * test/contract/session-lock.contract.ts: `KeyedLock` (one process), `RedisSessionLock` (any number of processes).
 */
export interface SessionLock {
  /**
   * Runs `fn` once every earlier task for `key` has settled, in the order `run` was called; resolves or rejects with
   * `fn`'s outcome. Rejects without running `fn` if the lock cannot be taken (a ServiceUnavailableError).
   */
  run<T>(key: string, fn: () => Promise<T> | T): Promise<T>;
  /** Number of queued or running tasks in this process. */
  readonly pending: number;
  /** Resolves true when no task of this process is queued or running, or false after `timeoutMs`. */
  idle(timeoutMs?: number): Promise<boolean>;
  /** Releases connections and timers (after `idle`). */
  close?(): Promise<void>;
}

/**
 * A keyed FIFO lock. `run(key, fn)` queues `fn` behind earlier calls with the same key. Queuing happens synchronously
 * at call time, so the order of `run` calls is the order of execution (which is what keeps a socket's messages in order).
 */
export class KeyedLock implements SessionLock {
  private readonly tails = new Map<string, Promise<unknown>>();
  private active = 0;
  private idleWaiters: Array<() => void> = [];

  /** Runs `fn` once every earlier task for `key` has settled; resolves or rejects with `fn`'s outcome. */
  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    this.active += 1;
    const result = previous.then(
      () => fn(),
      () => fn(),
    );
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      // Forget the key once nothing else queued behind this task, so the map does not grow with every session ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
      this.active -= 1;
      if (this.active === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
    return result;
  }

  /** Number of queued or running tasks. */
  get pending(): number {
    return this.active;
  }

  /** Resolves true when no task is queued or running, or false after `timeoutMs`. */
  idle(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.idleWaiters = this.idleWaiters.filter((w) => w !== wake);
            resolve(false);
          }, timeoutMs)
        : undefined;
      this.idleWaiters.push(wake);
    });
  }
}
