/**
 * The credit-risk service behind the API, the chat skill and the batch CLI: loads every model folder under
 * `config.credit.modelsDir`, validates requests (naming every bad field), assesses applicants with reasons, adds the
 * disclaimer and assumptions, and writes each assessment to the audit log.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CreditModel, type ModelAssessment } from '../../../models/credit/lib/credit-model.ts';
import { datasetFor } from '../../../models/credit/lib/datasets/index.ts';
import type { Applicant, ModelSchema } from '../../../models/credit/lib/schema.ts';
import { loadTf, type TfBackendPreference } from '../../../models/credit/lib/tf-runtime.ts';
import { ModelNotReadyError, NotFoundError, ValidationError, type FieldIssue } from '../../errors.ts';
import type { CreditAuditEntry, CreditAuditLog } from './audit-log.ts';

/** `GET /api/v1/credit/models` element. */
export interface CreditModelSummary {
  name: string;
  version: string;
  description: string;
  metrics: Record<string, unknown>;
}

/** `POST /api/v1/credit/assess` response (CONTRACTS §5 fields first, then extras). */
export interface CreditAssessmentResult extends Omit<ModelAssessment, 'reasons'> {
  reasons: ModelAssessment['reasons'];
  disclaimer: string;
  /** Assumptions behind this estimate a reader should know (units, conversions). */
  assumptions: string[];
}

/** Options for `CreditService.load`. */
export interface CreditServiceOptions {
  modelsDir: string;
  auditLog?: CreditAuditLog;
  /** TensorFlow.js backend for batch scoring (`config.credit.tfBackend`). */
  tfBackend?: TfBackendPreference;
  clock?: () => number;
}

const DISCLAIMERS: Record<string, string> = {
  german:
    'This is an estimate, not a credit decision. It comes from a statistical model of 800 loans made by a German bank decades ago (amounts in Deutsche Mark); it does not know your full situation, and no lender is bound by it.',
  taiwan:
    'This is an estimate, not a credit decision. It comes from a statistical model of 24,000 credit-card clients of a Taiwanese bank in 2005; it does not know your full situation, and no lender is bound by it.',
};
const GENERIC_DISCLAIMER = 'This is an estimate from a statistical model, not a credit decision; no lender is bound by it.';

/** Where an assessment request came from, for the audit log. */
export type AssessmentSource = 'api' | 'chat' | 'cli';

/** Checks that the artifacts were trained for the code's schema (same features, types, values and encodings). */
function checkSchemaMatchesCode(model: CreditModel): void {
  const code = datasetFor(model.name)?.schema;
  if (!code) return;
  const shape = (s: ModelSchema): string =>
    JSON.stringify({
      features: s.features.map((f) => ({ name: f.name, type: f.type, encoding: f.encoding, options: f.type === 'categorical' ? f.options.map((o) => o.value) : [f.min, f.max] })),
      derived: s.derived,
    });
  if (shape(model.schema) !== shape(code)) {
    throw new ModelNotReadyError(`The ${model.name} model in ${model.dir} was trained for a different feature schema than this code; run npm run train:credit.`);
  }
}

/** Loaded credit models plus the audit log. */
export class CreditService {
  private constructor(
    private readonly models: Map<string, CreditModel>,
    private readonly options: CreditServiceOptions,
  ) {}

  /** Loads every model folder (a subfolder with `version.json`) in `modelsDir`; fails if there is none. */
  static async load(options: CreditServiceOptions): Promise<CreditService> {
    let entries: string[];
    try {
      entries = await fs.readdir(options.modelsDir);
    } catch (error) {
      throw new ModelNotReadyError(`Credit models folder ${options.modelsDir} is missing (MONETA_CREDIT_MODELS_DIR); run npm run train:credit.`, { cause: error });
    }
    const models = new Map<string, CreditModel>();
    for (const entry of entries.sort()) {
      const dir = path.join(options.modelsDir, entry);
      try {
        await fs.access(path.join(dir, 'version.json'));
      } catch {
        continue;
      }
      let model: CreditModel;
      try {
        model = await CreditModel.load(dir);
      } catch (error) {
        throw new ModelNotReadyError(`Credit model ${entry} could not be loaded: ${(error as Error).message}. Rebuild it with \`npm run train:credit\`.`, { cause: error });
      }
      checkSchemaMatchesCode(model);
      models.set(model.name, model);
    }
    if (models.size === 0) throw new ModelNotReadyError(`No credit models in ${options.modelsDir}; run npm run train:credit.`);
    return new CreditService(models, options);
  }

  /** Model names, in order. */
  get modelNames(): string[] {
    return [...this.models.keys()];
  }

  /** The model by name; NotFoundError otherwise. */
  model(name: string): CreditModel {
    const model = this.models.get(name);
    if (!model) throw new NotFoundError(`Unknown credit model "${name}"; available: ${this.modelNames.join(', ')}.`);
    return model;
  }

  /** Summaries for `GET /api/v1/credit/models`. */
  listModels(): CreditModelSummary[] {
    return [...this.models.values()].map((m) => ({
      name: m.name,
      version: m.version,
      description: m.schema.description,
      metrics: (m.metrics.summary as Record<string, unknown> | undefined) ?? {},
    }));
  }

  /** The questionnaire for `GET /api/v1/credit/models/:name/schema`. */
  publicSchema(name: string): Record<string, unknown> {
    const m = this.model(name);
    return {
      model: m.name,
      version: m.version,
      description: m.schema.description,
      ...(m.schema.currency ? { currency: m.schema.currency } : {}),
      features: m.schema.features.map((f) => ({
        name: f.name,
        label: f.label,
        question: f.question,
        why: f.why,
        type: f.type,
        source: f.source,
        ...(f.type === 'categorical'
          ? { values: f.options.map((o) => ({ value: o.value, label: o.label, ...(o.code ? { code: o.code } : {}) })) }
          : { min: f.min, max: f.max, integer: f.integer, ...(f.unit ? { unit: f.unit } : {}) }),
        encoding: f.encoding,
      })),
      derived: m.schema.derived.map(({ name: n, description }) => ({ name: n, description })),
      excluded: m.schema.excluded,
      riskBands: m.policy.bands,
      threshold: m.policy.threshold,
      thresholdRule: m.policy.thresholdRule,
    };
  }

  /** The disclaimer shown with every assessment of a model. */
  disclaimer(name: string): string {
    return DISCLAIMERS[name] ?? GENERIC_DISCLAIMER;
  }

  /**
   * Validates `{ model, features }` and assesses the applicant. ValidationError (400) names each bad field, features
   * as `features.<name>`.
   */
  assess(body: unknown, source: AssessmentSource, extraAssumptions: string[] = []): CreditAssessmentResult {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ValidationError('Invalid credit assessment request', [{ field: 'body', message: 'must be a JSON object { model, features }' }]);
    }
    const { model: name, features } = body as { model?: unknown; features?: unknown };
    const issues: FieldIssue[] = [];
    let model: CreditModel | undefined;
    if (typeof name !== 'string' || name === '') issues.push({ field: 'model', message: `is required (one of: ${this.modelNames.join(', ')})` });
    else if (!this.models.has(name)) issues.push({ field: 'model', message: `must be one of: ${this.modelNames.join(', ')}` });
    else model = this.models.get(name);
    if (features === undefined || features === null) issues.push({ field: 'features', message: 'is required (an object of feature values)' });
    if (model && features !== undefined && features !== null) {
      const checked = model.validate(features);
      if (!checked.ok) issues.push(...checked.issues.map((i) => ({ field: i.field === 'features' ? 'features' : `features.${i.field}`, message: i.message })));
      else if (issues.length === 0) return this.assessApplicant(model, checked.applicant, source, extraAssumptions);
    }
    throw new ValidationError('Invalid credit assessment request', issues);
  }

  /** Assesses an already validated applicant and records it. */
  assessApplicant(model: CreditModel, applicant: Applicant, source: AssessmentSource, extraAssumptions: string[] = []): CreditAssessmentResult {
    const assessment = model.assess(applicant);
    const result: CreditAssessmentResult = {
      ...assessment,
      disclaimer: this.disclaimer(model.name),
      assumptions: [...(model.schema.currency ? [model.schema.currency.note] : []), ...extraAssumptions],
    };
    this.audit([
      {
        at: this.now(),
        model: model.name,
        modelVersion: model.version,
        inputHash: this.options.auditLog?.inputHash(applicant) ?? '',
        probabilityOfDefault: result.probabilityOfDefault,
        riskBand: result.riskBand,
        reasons: result.reasons,
        source,
      },
    ]);
    return result;
  }

  /** Batch scoring with TensorFlow.js (one probability per applicant, same order); records each in the audit log. */
  async scoreBatch(name: string, applicants: readonly Applicant[], source: AssessmentSource = 'cli'): Promise<Float64Array> {
    const model = this.model(name);
    const tf = await loadTf(this.options.tfBackend ?? 'auto');
    const probabilities = await model.probabilitiesWithTf(tf, applicants);
    const at = this.now();
    const log = this.options.auditLog;
    if (log) {
      this.audit(
        applicants.map((a, i) => ({
          at,
          model: model.name,
          modelVersion: model.version,
          inputHash: log.inputHash(a),
          probabilityOfDefault: probabilities[i]!,
          riskBand: model.bandFor(probabilities[i]!).name,
          reasons: [],
          source,
        })),
      );
    }
    return probabilities;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private audit(entries: CreditAuditEntry[]): void {
    const log = this.options.auditLog;
    if (!log) return;
    if (entries.length === 1) log.record(entries[0]!);
    else log.recordMany(entries);
  }

  /** Frees TensorFlow.js models and closes the audit log. */
  async dispose(): Promise<void> {
    for (const m of this.models.values()) await m.dispose();
    await this.options.auditLog?.close();
  }
}
