/**
 * A trained credit model loaded from its folder (`models/credit/<name>/`): validates applicants against the schema,
 * returns the calibrated probability of default (typed-array evaluator for single applicants, TensorFlow.js for
 * batches), the risk band and up to four plain-language reasons from Integrated Gradients attributions.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { applyPlatt, type PlattCalibration } from './calibration.ts';
import { datasetFor, type CreditDataset } from './datasets/index.ts';
import { ensembleLogit, type EnsembleNetwork } from './dense-network.ts';
import { integratedGradients, type Attribution } from './explain.ts';
import { loadLayersModel, readNetwork, type ModelJson } from './network-io.ts';
import { encodeInto, encodeMatrix, type Preprocessing } from './preprocessing.ts';
import type { Applicant, ModelSchema, ValidationResult } from './schema.ts';
import { validateApplicant } from './schema.ts';
import type { TfModule } from './tf-runtime.ts';

/** Files whose bytes define a model's behaviour; their SHA-256 digests make up its version. */
export const VERSIONED_FILES = ['model.json', 'weights.bin', 'preprocessing.json', 'schema.json', 'calibration.json', 'explanation.json', 'policy.json'] as const;

/** A probability range with a name and what it means. */
export interface RiskBand {
  name: 'low' | 'medium' | 'high';
  /** Inclusive lower and exclusive upper bound on the probability of default. */
  from: number;
  to: number;
  description: string;
}

/** The cut-off and bands saved with a model (`policy.json`). */
export interface DecisionPolicy {
  threshold: number;
  /** How the cut-off was chosen (e.g. the German cost matrix). */
  thresholdRule: string;
  bands: RiskBand[];
}

/** `explanation.json`: the attribution method's settings and reference applicant. */
export interface ExplanationSettings {
  method: 'integrated-gradients';
  steps: number;
  /** The reference applicant: the most common category and the median number of each input in the training data. */
  reference: Applicant;
  referenceProbability: number;
  /** Contributions smaller than this (probability points) are not given as reasons. */
  minContribution: number;
}

/** `version.json`. */
export interface ModelVersionInfo {
  name: string;
  semver: string;
  /** `semver+` the first 12 hex digits of the content hash. */
  version: string;
  contentHash: string;
  files: Record<string, string>;
}

/** A reason code (CONTRACTS §5). */
export interface Reason {
  feature: string;
  effect: 'increases_risk' | 'decreases_risk';
  text: string;
  /** Change in probability of default (points, signed) attributed to this input group. */
  contribution: number;
}

/** One group's attribution, for the full breakdown. */
export interface GroupAttribution {
  feature: string;
  label: string;
  contribution: number;
}

/** Everything an assessment returns, before the server adds its disclaimer and audit record. */
export interface ModelAssessment {
  model: string;
  modelVersion: string;
  probabilityOfDefault: number;
  riskBand: RiskBand['name'];
  riskBandExplanation: string;
  bands: RiskBand[];
  threshold: number;
  reasons: Reason[];
  explanation: {
    method: string;
    referenceProbability: number;
    reference: Applicant;
    completenessGap: number;
    attributions: GroupAttribution[];
  };
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}

/** SHA-256 over the versioned files' digests, in a fixed order. */
export function contentHash(fileDigests: Record<string, string>): string {
  const h = createHash('sha256');
  for (const name of VERSIONED_FILES) h.update(`${name}:${fileDigests[name] ?? ''}\n`);
  return h.digest('hex');
}

/** A loaded credit model. */
export class CreditModel {
  private layersModel: Promise<import('@tensorflow/tfjs').LayersModel> | undefined;
  private readonly scratch: Float32Array;

  private constructor(
    readonly dir: string,
    readonly dataset: CreditDataset,
    readonly schema: ModelSchema,
    readonly preprocessing: Preprocessing,
    readonly network: EnsembleNetwork,
    readonly calibration: PlattCalibration,
    readonly explanation: ExplanationSettings,
    readonly policy: DecisionPolicy,
    readonly versionInfo: ModelVersionInfo,
    readonly metrics: Record<string, unknown>,
    private readonly modelJson: ModelJson,
    private readonly weights: Uint8Array,
  ) {
    this.scratch = new Float32Array(preprocessing.columns.length);
  }

  /** Model name ("german"). */
  get name(): string {
    return this.schema.model;
  }

  /** Version string (semver + content hash). */
  get version(): string {
    return this.versionInfo.version;
  }

  /**
   * Loads a model folder and checks its files against `version.json` (a modified artifact fails loudly instead of
   * scoring under a stale version).
   */
  static async load(dir: string): Promise<CreditModel> {
    const versionInfo = await readJson<ModelVersionInfo>(path.join(dir, 'version.json'));
    const digests: Record<string, string> = {};
    const bytes: Record<string, Buffer> = {};
    for (const name of VERSIONED_FILES) {
      bytes[name] = await fs.readFile(path.join(dir, name));
      digests[name] = createHash('sha256').update(bytes[name]!).digest('hex');
      if (versionInfo.files[name] !== digests[name]) {
        throw new Error(`${path.join(dir, name)} does not match version.json (modified after training?); retrain with npm run train:credit`);
      }
    }
    if (contentHash(digests) !== versionInfo.contentHash) throw new Error(`${dir}: content hash mismatch in version.json`);
    const text = (name: (typeof VERSIONED_FILES)[number]): unknown => JSON.parse(bytes[name]!.toString('utf8'));
    const schema = text('schema.json') as ModelSchema;
    const dataset = datasetFor(schema.model);
    if (!dataset) throw new Error(`no data-set definition for model "${schema.model}"`);
    const modelJson = text('model.json') as ModelJson;
    const weights = new Uint8Array(bytes['weights.bin']!);
    const network = readNetwork(modelJson, weights);
    const preprocessing = text('preprocessing.json') as Preprocessing;
    if (network.inputs !== preprocessing.columns.length) {
      throw new Error(`${dir}: the network expects ${network.inputs} inputs but preprocessing produces ${preprocessing.columns.length}`);
    }
    let metrics: Record<string, unknown> = {};
    try {
      metrics = await readJson<Record<string, unknown>>(path.join(dir, 'metrics.json'));
    } catch {
      // metrics.json is documentation; a model without it still scores.
    }
    return new CreditModel(
      dir,
      dataset,
      schema,
      preprocessing,
      network,
      text('calibration.json') as PlattCalibration,
      text('explanation.json') as ExplanationSettings,
      text('policy.json') as DecisionPolicy,
      versionInfo,
      metrics,
      modelJson,
      weights,
    );
  }

  /** Validates API / chat input against the schema (every bad field named). */
  validate(input: unknown): ValidationResult {
    return validateApplicant(this.schema, input);
  }

  /** Calibrated probability of default for one validated applicant (typed-array path, no allocation). */
  probability(applicant: Applicant): number {
    encodeInto(this.preprocessing, applicant, this.scratch);
    return applyPlatt(this.calibration, ensembleLogit(this.network, this.scratch));
  }

  /** Probabilities for many applicants with TensorFlow.js (one batched predict per chunk). */
  async probabilitiesWithTf(tf: TfModule, applicants: readonly Applicant[], chunk = 4096): Promise<Float64Array> {
    this.layersModel ??= loadLayersModel(tf, this.modelJson, this.weights);
    const model = await this.layersModel;
    const width = this.preprocessing.columns.length;
    const out = new Float64Array(applicants.length);
    for (let start = 0; start < applicants.length; start += chunk) {
      const part = applicants.slice(start, start + chunk);
      const x = encodeMatrix(this.preprocessing, part);
      const logits = tf.tidy(() => (model.predict(tf.tensor2d(x, [part.length, width])) as import('@tensorflow/tfjs').Tensor).dataSync());
      for (let i = 0; i < part.length; i++) out[start + i] = applyPlatt(this.calibration, logits[i]!);
    }
    return out;
  }

  /** The band a probability falls in. */
  bandFor(probability: number): RiskBand {
    return this.policy.bands.find((b) => probability >= b.from && probability < b.to) ?? this.policy.bands[this.policy.bands.length - 1]!;
  }

  /** Integrated Gradients attributions per input feature. */
  attribute(applicant: Applicant, steps = this.explanation.steps): Attribution {
    return integratedGradients(this.preprocessing, this.network, this.calibration, applicant, this.explanation.reference, steps);
  }

  /** Attributions summed per reason group, largest magnitude first. */
  groupAttributions(attribution: Attribution): GroupAttribution[] {
    return this.schema.groups
      .map((g) => ({ feature: g.name, label: g.label, contribution: g.features.reduce((s, f) => s + (attribution.byFeature[f] ?? 0), 0) }))
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  }

  /** Up to `max` principal reasons: the largest contributions (either direction) above the minimum, in plain words. */
  reasons(applicant: Applicant, groups: GroupAttribution[], max = 4): Reason[] {
    return groups
      .filter((g) => Math.abs(g.contribution) >= this.explanation.minContribution)
      .slice(0, max)
      .map((g) => {
        const effect = g.contribution > 0 ? 'increases_risk' : 'decreases_risk';
        return { feature: g.feature, effect, text: this.dataset.describeReason(g.feature, applicant, this.explanation.reference, effect), contribution: g.contribution };
      });
  }

  /** Full assessment of one validated applicant. */
  assess(applicant: Applicant, maxReasons = 4): ModelAssessment {
    const attribution = this.attribute(applicant);
    const probability = this.probability(applicant);
    const band = this.bandFor(probability);
    const groups = this.groupAttributions(attribution);
    return {
      model: this.name,
      modelVersion: this.version,
      probabilityOfDefault: probability,
      riskBand: band.name,
      riskBandExplanation: band.description,
      bands: this.policy.bands,
      threshold: this.policy.threshold,
      reasons: this.reasons(applicant, groups, maxReasons),
      explanation: {
        method: 'integrated-gradients',
        referenceProbability: attribution.referenceProbability,
        reference: this.explanation.reference,
        completenessGap: attribution.completenessGap,
        attributions: groups,
      },
    };
  }

  /** Frees the TensorFlow.js model, if one was loaded. */
  async dispose(): Promise<void> {
    if (this.layersModel) (await this.layersModel).dispose();
    this.layersModel = undefined;
  }
}
