/** KeyedLock: strict order per key, concurrency across keys, errors do not block the queue, idle tracking. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../../server/session/session-lock.ts';

describe('KeyedLock', () => {
  it('runs tasks for one key one at a time, in call order, even with random delays', async () => {
    const lock = new KeyedLock();
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
    const lock = new KeyedLock();
    let running = 0;
    let maxRunning = 0;
    await Promise.all(
      ['a', 'b', 'c'].map((k) =>
        lock.run(k, async () => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await sleep(20);
          running -= 1;
        }),
      ),
    );
    expect(maxRunning).toBe(3);
  });

  it('keeps going after a task fails, and reports the failure to its caller only', async () => {
    const lock = new KeyedLock();
    const failed = lock.run('a', async () => {
      throw new Error('nope');
    });
    const next = lock.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('nope');
    await expect(next).resolves.toBe('ok');
  });

  it('reports idleness, with a timeout', async () => {
    const lock = new KeyedLock();
    expect(await lock.idle()).toBe(true);
    void lock.run('a', () => sleep(200));
    expect(lock.pending).toBe(1);
    expect(await lock.idle(20)).toBe(false);
    expect(await lock.idle()).toBe(true);
    expect(lock.pending).toBe(0);
  });
});
