/** Contract suite every SessionLock implementation must pass (in-process KeyedLock and the Redis lock alike). */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionLock } from '../../server/session/session-lock.ts';

/**
 * Registers the SessionLock contract tests.
 * @param name implementation name shown in the test report
 * @param makeLock creates a fresh lock (a fresh key space) for each test
 */
export function describeSessionLock(name: string, makeLock: () => SessionLock | Promise<SessionLock>): void {
  describe(`SessionLock contract: ${name}`, () => {
    let lock: SessionLock;
    beforeEach(async () => {
      lock = await makeLock();
    });
    afterEach(async () => {
      await lock.idle(5000);
      await lock.close?.();
    });

    it('runs tasks for one key one at a time, in call order, even with random delays', async () => {
      const order: number[] = [];
      let running = 0;
      let maxRunning = 0;
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          lock.run('a', async () => {
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            await sleep((i * 7) % 5);
            order.push(i);
            running -= 1;
          }),
        ),
      );
      expect(order).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(maxRunning).toBe(1);
    });

    it('runs different keys concurrently', async () => {
      let running = 0;
      let maxRunning = 0;
      await Promise.all(
        ['a', 'b', 'c'].map((k) =>
          lock.run(k, async () => {
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            await sleep(50);
            running -= 1;
          }),
        ),
      );
      expect(maxRunning).toBe(3);
    });

    it('keeps going after a task fails, and reports the failure to its caller only', async () => {
      const failed = lock.run('a', async () => {
        throw new Error('nope');
      });
      const next = lock.run('a', async () => 'ok');
      await expect(failed).rejects.toThrow('nope');
      await expect(next).resolves.toBe('ok');
    });

    it('returns the value of synchronous tasks too', async () => {
      await expect(lock.run('a', () => 42)).resolves.toBe(42);
    });

    it('reports idleness, with a timeout', async () => {
      expect(await lock.idle()).toBe(true);
      const task = lock.run('a', () => sleep(300));
      expect(lock.pending).toBe(1);
      expect(await lock.idle(20)).toBe(false);
      expect(await lock.idle()).toBe(true);
      expect(lock.pending).toBe(0);
      await task;
    });
  });
}
