/** Prometheus metrics for one app instance: an injected registry (never the global one), so tests and benches can run several apps. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Pipeline stages with their own latency histogram (`stage` label). Feature stages may add their own names. */
export type StageName = 'nlu' | 'policy' | 'skill' | 'turn' | (string & {});

/** The metrics Moneta records. */
export interface MonetaMetrics {
  registry: Registry;
  /** Chat messages received, by channel (`socketio`, `rest`). */
  messagesTotal: Counter<'channel'>;
  /** Errors by MonetaError code (`internal` for unexpected ones). */
  errorsTotal: Counter<'code'>;
  /** Per-stage latency in seconds. */
  stageDuration: Histogram<'stage'>;
  /** "Did this help?" answers on knowledge answers, by cited passage and `helpful` (`true`/`false`). */
  knowledgeFeedbackTotal: Counter<'passage' | 'helpful'>;
  /** What the knowledge skill did with questions: `answered`, `clarified`, `refused`. */
  knowledgeOutcomesTotal: Counter<'outcome'>;
}

/** Options for `createMetrics`. */
export interface CreateMetricsOptions {
  /** Also collect Node process metrics (CPU, memory, event-loop lag). Default true. */
  collectDefault?: boolean;
  /** Metric name prefix. Default `moneta_`. */
  prefix?: string;
}

/**
 * Creates a fresh registry with Moneta's metrics.
 * Buckets span 0.1 ms … 10 s: keyword NLU turns take well under a millisecond, model inference tens of ms.
 */
export function createMetrics(options: CreateMetricsOptions = {}): MonetaMetrics {
  const prefix = options.prefix ?? 'moneta_';
  const registry = new Registry();
  if (options.collectDefault ?? true) collectDefaultMetrics({ register: registry, prefix });
  const messagesTotal = new Counter({
    name: `${prefix}messages_total`,
    help: 'Chat messages received, by channel.',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const errorsTotal = new Counter({
    name: `${prefix}errors_total`,
    help: 'Errors by error code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const stageDuration = new Histogram({
    name: `${prefix}stage_duration_seconds`,
    help: 'Latency of each pipeline stage (nlu, policy, skill) and of the whole turn.',
    labelNames: ['stage'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const knowledgeFeedbackTotal = new Counter({
    name: `${prefix}knowledge_feedback_total`,
    help: 'Thumbs up/down on knowledge answers, by cited passage.',
    labelNames: ['passage', 'helpful'] as const,
    registers: [registry],
  });
  const knowledgeOutcomesTotal = new Counter({
    name: `${prefix}knowledge_outcomes_total`,
    help: 'Knowledge questions answered, clarified or refused.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  return { registry, messagesTotal, errorsTotal, stageDuration, knowledgeFeedbackTotal, knowledgeOutcomesTotal };
}
