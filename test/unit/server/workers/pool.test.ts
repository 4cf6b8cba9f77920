/**
 * The worker pool serves tasks first come, first served. Piscina's own queue does not when it is never empty
 * (piscinajs/piscina#1031): with 8 callers keeping one thread busy with 0.6 ms tasks, one task in a few thousand
 * waited 2–4 s while later ones ran (data/… micro-benchmark in docs/knowledge.md). Real worker threads, the pool's
 * own `pool.ping` task.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerPool, type WorkerPool } from '../../../../server/workers/pool.ts';

describe('worker pool order and limits', () => {
  let pool: WorkerPool | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it('finishes tasks in the order they were asked for, however many wait', async () => {
    pool = createWorkerPool({ threads: 1, taskTimeoutMs: 20_000, maxQueue: 1000, maxMemoryMb: 256, keepAlive: true });
    await pool.warmUp();
    const finished: number[] = [];
    await Promise.all(Array.from({ length: 400 }, (_, i) => pool!.run('pool.ping', null).then(() => finished.push(i))));
    expect(finished).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });

  it('refuses at once with "overloaded" when the queue is full', async () => {
    pool = createWorkerPool({ threads: 1, taskTimeoutMs: 20_000, maxQueue: 2, maxMemoryMb: 256, keepAlive: true });
    await pool.warmUp();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => pool!.run('pool.ping', null)));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as { code?: string });
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3); // one running + two waiting
    expect(refused.map((e) => e.code)).toEqual(['overloaded', 'overloaded', 'overloaded']);
  });

  it('drops a task that waited out its budget with a clear "timeout", and serves the rest', async () => {
    pool = createWorkerPool({ threads: 1, taskTimeoutMs: 20_000, maxQueue: 1000, maxMemoryMb: 256, keepAlive: true });
    await pool.warmUp();
    const ahead = Array.from({ length: 300 }, () => pool!.run('pool.ping', null));
    const late = pool.run('pool.ping', null, { budgetMs: 1 });
    await expect(late).rejects.toMatchObject({ code: 'timeout' });
    await expect(Promise.all(ahead)).resolves.toHaveLength(300);
    expect(pool.stats().queued).toBe(0);
  });
});
