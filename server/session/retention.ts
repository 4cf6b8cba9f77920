/** Retention: periodically deletes conversations not updated for `retentionDays` (data minimisation). */
import type { Logger } from '../observability/logger.ts';
import type { SessionStore } from './types.ts';

const DAY_MS = 86_400_000;

/** Options for `startRetentionJob`. */
export interface RetentionJobOptions {
  store: SessionStore;
  /** Sessions idle longer than this are deleted. 0 disables the job (keep forever). */
  retentionDays: number;
  now?: () => number;
  /** How often to sweep. Default hourly. */
  intervalMs?: number;
  logger?: Logger;
}

/** A running retention job. */
export interface RetentionJob {
  /** Runs one sweep now; returns how many sessions were deleted. */
  sweep(): Promise<number>;
  stop(): void;
}

/** Starts the retention job: one sweep right away, then every `intervalMs`. The timer never keeps the process alive. */
export function startRetentionJob(options: RetentionJobOptions): RetentionJob {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 3_600_000;
  const enabled = options.retentionDays > 0;
  const sweep = async (): Promise<number> => {
    if (!enabled) return 0;
    const removed = await options.store.deleteOlderThan(now() - options.retentionDays * DAY_MS);
    if (removed > 0) options.logger?.info({ removed, retentionDays: options.retentionDays }, 'retention: deleted old sessions');
    return removed;
  };
  const safeSweep = (): void => {
    sweep().catch((err: unknown) => options.logger?.error({ err }, 'retention sweep failed'));
  };
  let timer: NodeJS.Timeout | undefined;
  if (enabled) {
    safeSweep();
    timer = setInterval(safeSweep, intervalMs);
    timer.unref();
  }
  return {
    sweep,
    stop: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
