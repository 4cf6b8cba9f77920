/** Public API of Moneta's portfolio-optimiser library (PyPortfolioOpt 1.5 parity; no server imports). */
export * from './errors.ts';
export * from './frame.ts';
export * from './linalg.ts';
export * from './qp.ts';
export * from './returns.ts';
export * from './risk-models.ts';
export * from './efficient-frontier.ts';
export * from './cla.ts';
export * from './linkage.ts';
export * from './hrp.ts';
export * from './black-litterman.ts';
export * from './discrete-allocation.ts';
export * from './optimize.ts';
