/**
 * Uniform timing, metrics and error wrapping for pipeline stages (ARCHITECTURE principle 8: public `run()`, protected
 * `_run()`), so every stage reports the same histogram and no stage leaks a raw low-level error.
 */
import { performance } from 'node:perf_hooks';
import { MonetaError, isMonetaError } from '../errors.ts';
import type { Logger } from './logger.ts';
import type { MonetaMetrics, StageName } from './metrics.ts';

/** What a stage needs to report itself; both parts are optional so stages also run bare in unit tests. */
export interface StageInstrumentation {
  metrics?: MonetaMetrics | undefined;
  logger?: Logger | undefined;
}

/**
 * Runs `fn` as stage `stage`: observes its duration in `moneta_stage_duration_seconds{stage}` (also on failure) and
 * wraps any non-Moneta error as `MonetaError('internal', …, { cause })` so callers handle one error tree.
 * Errors are counted once, at the boundary that answers the user, not here.
 */
export async function timeStage<T>(
  stage: StageName,
  instrumentation: StageInstrumentation,
  fn: () => Promise<T> | T,
): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } catch (error) {
    instrumentation.logger?.debug({ stage, err: error }, 'stage failed');
    if (isMonetaError(error)) throw error;
    throw new MonetaError('internal', `The ${stage} stage failed.`, { cause: error });
  } finally {
    instrumentation.metrics?.stageDuration.observe({ stage }, (performance.now() - start) / 1000);
  }
}

/**
 * Base class for a stage: subclasses implement `_run`; callers use `run`, which adds timing, metrics and error wrapping.
 * @example class MyRetriever extends InstrumentedStage<string, Doc[]> { protected _run(q: string) { … } }
 */
export abstract class InstrumentedStage<I, O> {
  /**
   * @param stageName label used in metrics and logs
   * @param instrumentation metrics registry and logger (optional)
   */
  constructor(
    readonly stageName: StageName,
    protected readonly instrumentation: StageInstrumentation = {},
  ) {}

  /** Runs the stage with timing, metrics and error wrapping. */
  run(input: I): Promise<O> {
    return timeStage(this.stageName, this.instrumentation, () => this._run(input));
  }

  /** The stage's actual work. */
  protected abstract _run(input: I): Promise<O> | O;
}
