/** Builds the portfolio advisor from the config (its CMA file), failing fast with a fix-it message when the file is bad. */
import { PortfolioAdvisor, loadCmaFile } from '../../../models/portfolio/advisor/suggest.ts';
import { isPortfolioError } from '../../../models/portfolio/errors.ts';
import type { MonetaConfig } from '../../config/index.ts';
import { ConfigError } from '../../errors.ts';

/** The advisor plus a promise that resolves once every score portfolio and the frontier are precomputed. */
export interface PortfolioAdvisorService {
  advisor: PortfolioAdvisor;
  /** Resolves after `warm()` ran (on the next macrotask, so start-up can continue first). */
  ready: Promise<void>;
}

/**
 * Loads `config.portfolio.cmaPath` (MONETA_PORTFOLIO_CMA) and builds the advisor. A missing or invalid file is a
 * ConfigError saying how to fix it; the optimisation for the ten scores runs shortly after, in `ready`.
 */
export function createPortfolioAdvisorService(config: Pick<MonetaConfig, 'portfolio'>): PortfolioAdvisorService {
  let advisor: PortfolioAdvisor;
  try {
    advisor = new PortfolioAdvisor(loadCmaFile(config.portfolio.cmaPath));
  } catch (e) {
    const why = isPortfolioError(e) || e instanceof Error ? e.message : String(e);
    throw new ConfigError(`MONETA_PORTFOLIO_CMA (portfolio.cmaPath): ${why}`, { cause: e });
  }
  const ready = new Promise<void>((resolve, reject) => {
    setImmediate(() => {
      try {
        advisor.warm();
        resolve();
      } catch (e) {
        reject(new ConfigError(`The capital-market assumptions in ${config.portfolio.cmaPath} do not give a valid portfolio: ${(e as Error).message}`, { cause: e }));
      }
    });
  });
  return { advisor, ready };
}
