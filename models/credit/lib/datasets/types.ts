/** What a credit data set contributes: its model schema, a parser for its original file format and reason wording. */
import type { Applicant, ModelSchema } from '../schema.ts';

/** One parsed record of a data set file. */
export interface ParsedRecord {
  applicant: Applicant;
  /** 1 = default / bad credit, 0 = repaid / good; absent when the file has no label column. */
  label?: 0 | 1;
  /** Attributes not used by the model but needed for the fairness report (sex, age band…). */
  protectedAttributes: Record<string, string | number>;
}

/** A record, or why the row could not be read. */
export type ParseOutcome = { ok: true; record: ParsedRecord } | { ok: false; error: string };

/** A data set's reader for its original file format. */
export interface RecordReader {
  /** Reads one data line (already split from the file; the line without its newline). */
  parseLine(line: string): ParseOutcome;
}

/** A credit data set as the training, serving and batch code see it. */
export interface CreditDataset {
  name: string;
  schema: ModelSchema;
  /** Training file path relative to the data-sets directory. */
  trainingFile: string;
  /**
   * A reader for the original file format. `headerLine` is the file's first line: it lets readers detect a header
   * (returns `skipFirst: true`) and column order.
   */
  createReader(headerLine: string): { reader: RecordReader; skipFirst: boolean };
  /** Plain-language text for one reason group: what about the applicant moved the estimate. */
  describeReason(group: string, applicant: Applicant, reference: Applicant, effect: 'increases_risk' | 'decreases_risk'): string;
  /** Protected groups for the fairness report: attribute → group label of a record. */
  protectedGroups(record: ParsedRecord): Record<string, string>;
}
