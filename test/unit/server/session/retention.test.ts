/** Retention deletes sessions idle longer than the configured days, on start and on each sweep. */
import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../../../server/session/memory-session-store.ts';
import { startRetentionJob } from '../../../../server/session/retention.ts';

const DAY = 86_400_000;

describe('startRetentionJob', () => {
  it('deletes only sessions older than retentionDays', async () => {
    const store = new MemorySessionStore();
    let now = 100 * DAY;
    await store.create('old', now - 31 * DAY, 'anon:t');
    await store.create('recent', now - 29 * DAY, 'anon:t');
    const job = startRetentionJob({ store, retentionDays: 30, now: () => now });
    expect(await job.sweep()).toBe(0); // the start-up sweep already removed "old"
    expect(await store.get('old')).toBeUndefined();
    expect(await store.get('recent')).toBeDefined();
    now += 2 * DAY;
    expect(await job.sweep()).toBe(1);
    expect(await store.get('recent')).toBeUndefined();
    job.stop();
  });

  it('keeps everything when retentionDays is 0', async () => {
    const store = new MemorySessionStore();
    await store.create('ancient', 0, 'anon:t');
    const job = startRetentionJob({ store, retentionDays: 0, now: () => 1e15 });
    expect(await job.sweep()).toBe(0);
    expect(await store.get('ancient')).toBeDefined();
    job.stop();
  });
});
