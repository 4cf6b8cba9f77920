/** The credit data sets known to Moneta, by model name. */
import { germanCredit } from './german-credit.ts';
import { taiwanDefault } from './taiwan-default.ts';
import type { CreditDataset } from './types.ts';

export type { CreditDataset, ParsedRecord, ParseOutcome, RecordReader } from './types.ts';
export { germanCredit, taiwanDefault };

/** Every data set with a model definition. */
export const CREDIT_DATASETS: Readonly<Record<string, CreditDataset>> = { german: germanCredit, taiwan: taiwanDefault };

/** The data set behind a model name, or undefined. */
export function datasetFor(model: string): CreditDataset | undefined {
  return Object.hasOwn(CREDIT_DATASETS, model) ? CREDIT_DATASETS[model] : undefined;
}
