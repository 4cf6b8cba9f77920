/**
 * Shared by the in-process benchmarks (bench:chat's latency phase, bench:inference): the config of a server that a
 * single load generator drives (rate limits lifted, nothing swept), and the quantile of sorted samples.
 */
import { loadConfig, type MonetaConfig } from '../../server/config/index.ts';

/** The default config with `dataDir`, no rate limit a benchmark's one client would hit, no retention sweep. */
export function benchConfig(dataDir: string, overrides: { inference?: { offload: 'on' | 'off' } } = {}): MonetaConfig {
  return loadConfig({}, { dataDir, session: { retentionDays: 0 }, chat: { rateLimitPerSessionPerMinute: 1e9, rateLimitPerIpPerMinute: 1e9 }, limits: { httpPerIpPerMinute: 1e9, sessionsPerIpPerMinute: 1e9 }, ...overrides });
}

/** The `q` quantile of ascending `sorted` (nearest rank); NaN for no samples. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}
