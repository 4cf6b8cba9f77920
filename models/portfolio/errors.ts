/** The optimiser library's own error type (models/ never imports server/): a stable code plus a user-presentable message. */

/** Why a portfolio computation could not produce a result. */
export type PortfolioErrorCode =
  /** The input data or an option is malformed (NaN, too few rows, unknown column, bad bound…). */
  | 'invalid_input'
  /** The problem has no solution (target return above the maximum, bounds that cannot sum to 1…). */
  | 'infeasible'
  /** A matrix that must be invertible or positive definite is not (singular covariance…). */
  | 'singular'
  /** The numerical method did not converge (should not happen on sane inputs). */
  | 'not_converged';

/** Every failure of the portfolio library is a PortfolioError; the CLI and HTTP router map `code` to their own errors. */
export class PortfolioError extends Error {
  /** Stable machine-readable reason. */
  readonly code: PortfolioErrorCode;
  /** The option or column the problem is about, when there is one. */
  readonly field: string | undefined;

  constructor(code: PortfolioErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PortfolioError';
    this.code = code;
    this.field = options.field;
  }
}

/** Type guard for PortfolioError. */
export const isPortfolioError = (e: unknown): e is PortfolioError => e instanceof PortfolioError;
