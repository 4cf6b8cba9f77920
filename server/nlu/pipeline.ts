/**
 * The NLU stage as the dialogue sees it: trigger parser (`/intent`) → intent classifier → entity extractors → extra
 * stages (e.g. an out-of-scope detector or a confidence recalibration), each a small replaceable part.
 */
import { timeStage, type StageInstrumentation } from '../observability/stage.ts';
import { parseTrigger } from './trigger-parser.ts';
import type { Entity, EntityExtractor, IntentClassifier, NluPipeline, ParseResult } from './types.ts';

/**
 * A post-classification step: gets the parse so far and returns it (possibly changed). Insert one through
 * `NluPipelineOptions.stages`; stages run in order and also see trigger parses (`result.trigger === true`), which
 * they should normally pass through unchanged.
 */
export interface NluStage {
  readonly name: string;
  process(result: ParseResult): Promise<ParseResult> | ParseResult;
  dispose?(): Promise<void>;
}

/** Options for the `StagedNluPipeline` constructor. */
export interface NluPipelineOptions {
  classifier: IntentClassifier;
  /** Entity extractors, run on every non-trigger message; their entities are merged and sorted by position. */
  entityExtractors?: EntityExtractor[];
  /** Stages after classification and entity extraction, in order. */
  stages?: NluStage[];
  /** Timing and metrics (`stage="nlu"`). */
  instrumentation?: StageInstrumentation;
}

/** The default NluPipeline: batches classifier calls, keeps the full ranking best first. */
export class StagedNluPipeline implements NluPipeline {
  readonly classifier: IntentClassifier;
  private readonly extractors: EntityExtractor[];
  private readonly stages: NluStage[];
  private readonly instrumentation: StageInstrumentation;

  constructor(options: NluPipelineOptions) {
    this.classifier = options.classifier;
    this.extractors = options.entityExtractors ?? [];
    this.stages = options.stages ?? [];
    this.instrumentation = options.instrumentation ?? {};
  }

  /** Parses one message. */
  async parse(text: string): Promise<ParseResult> {
    const [result] = await this.parseBatch([text]);
    return result!;
  }

  /** Parses many messages with one classifier call (the transformer classifier batches on the GPU/CPU). */
  parseBatch(texts: string[]): Promise<ParseResult[]> {
    return timeStage('nlu', this.instrumentation, () => this.parseBatchUntimed(texts));
  }

  private async parseBatchUntimed(texts: string[]): Promise<ParseResult[]> {
    const results: Array<ParseResult | undefined> = texts.map((t) => parseTrigger(t));
    const pending = texts.map((t, i) => ({ t, i })).filter(({ i }) => results[i] === undefined);
    if (pending.length > 0) {
      const rankings = await this.classifier.classify(pending.map((p) => p.t));
      pending.forEach(({ t, i }, k) => {
        const ranking = rankings[k] ?? [];
        const intent = ranking[0] ?? { name: 'out_of_scope', confidence: 0 };
        results[i] = { text: t, intent, intent_ranking: ranking, entities: this.extractEntities(t), classifier: this.classifier.name };
      });
    }
    const out: ParseResult[] = [];
    for (let result of results as ParseResult[]) {
      for (const stage of this.stages) result = await stage.process(result);
      out.push(result);
    }
    return out;
  }

  private extractEntities(text: string): Entity[] {
    if (this.extractors.length === 0) return [];
    const all = this.extractors.flatMap((e) => e.extract(text));
    return this.extractors.length > 1 ? all.sort((a, b) => a.start - b.start) : all;
  }

  /** Releases the classifier's and stages' resources (models). */
  async dispose(): Promise<void> {
    await this.classifier.dispose?.();
    for (const stage of this.stages) await stage.dispose?.();
  }
}
