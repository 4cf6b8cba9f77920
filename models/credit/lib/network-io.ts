/**
 * Converts the MLP ensemble to and from the standard TensorFlow.js LayersModel files (`model.json` + `weights.bin`):
 * one functional model whose members are parallel Dense stacks averaged into the ensemble logit. The typed-array
 * evaluator reads the same files (topology for the structure, the weights manifest for the values), so both paths
 * always use identical weights.
 */
import type { DenseLayer, EnsembleNetwork } from './dense-network.ts';
import type { TfModule } from './tf-runtime.ts';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type SymbolicTensor = import('@tensorflow/tfjs').SymbolicTensor;

/** The `model.json` document as TensorFlow.js writes it. */
export interface ModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
}

const layerName = (member: number, layer: number): string => `member${member}_dense${layer}`;

/** Builds the TensorFlow.js model for an ensemble and loads its weights. */
export function toLayersModel(tf: TfModule, net: EnsembleNetwork): LayersModel {
  const input = tf.input({ shape: [net.inputs], name: 'features' });
  const outputs = net.members.map((member, k) => {
    let h: SymbolicTensor = input;
    member.layers.forEach((layer, l) => {
      h = tf.layers.dense({ units: layer.units, activation: layer.activation, name: layerName(k, l) }).apply(h) as SymbolicTensor;
    });
    return h;
  });
  const output = outputs.length === 1 ? outputs[0]! : (tf.layers.average({ name: 'ensemble_logit' }).apply(outputs) as SymbolicTensor);
  const model = tf.model({ inputs: input, outputs: output, name: 'credit_mlp_ensemble' });
  net.members.forEach((member, k) =>
    member.layers.forEach((layer, l) => {
      const kernel = tf.tensor2d(layer.kernel, [layer.inputs, layer.units]);
      const bias = tf.tensor1d(layer.bias);
      model.getLayer(layerName(k, l)).setWeights([kernel, bias]);
      kernel.dispose();
      bias.dispose();
    }),
  );
  return model;
}

/** Serialises an ensemble as TensorFlow.js would save it: the `model.json` document and the weights file bytes. */
export async function serializeNetwork(tf: TfModule, net: EnsembleNetwork): Promise<{ modelJson: ModelJson; weights: Uint8Array }> {
  const model = toLayersModel(tf, net);
  let captured: import('@tensorflow/tfjs').io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  if (!captured?.weightSpecs || !captured.weightData) throw new Error('TensorFlow.js returned no weights when saving the model');
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(captured.weightData));
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version['tfjs-layers']}`,
      convertedBy: null,
      modelTopology: captured.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: captured.weightSpecs.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype })) }],
    },
    weights,
  };
}

/** Loads the files into a TensorFlow.js LayersModel (for batch scoring on the selected backend). */
export async function loadLayersModel(tf: TfModule, modelJson: ModelJson, weights: Uint8Array): Promise<LayersModel> {
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology as object,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights) as import('@tensorflow/tfjs').io.WeightsManifestEntry[],
      weightData: buffer,
    }),
  );
}

interface DenseConfig {
  name: string;
  units: number;
  activation: string;
}

/** Reads the ensemble for the typed-array evaluator from `model.json` and the weights bytes, without TensorFlow.js. */
export function readNetwork(modelJson: ModelJson, weights: Uint8Array): EnsembleNetwork {
  const topology = modelJson.modelTopology as { model_config?: { config?: { layers?: Array<{ class_name: string; config: DenseConfig }> } }; config?: { layers?: Array<{ class_name: string; config: DenseConfig }> } };
  const layerList = topology.model_config?.config?.layers ?? topology.config?.layers;
  if (!layerList) throw new Error('model.json has no layer list');
  const dense = new Map<string, DenseConfig>();
  for (const layer of layerList) if (layer.class_name === 'Dense') dense.set(layer.config.name, layer.config);

  // Weights are float32, little-endian, concatenated in manifest order.
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  let offset = 0;
  for (const spec of modelJson.weightsManifest.flatMap((g) => g.weights)) {
    if (spec.dtype !== 'float32') throw new Error(`unsupported weight dtype ${spec.dtype} for ${spec.name}`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + i * 4, true);
    offset += count * 4;
    values.set(spec.name, { shape: spec.shape, data });
  }
  if (offset !== weights.byteLength) throw new Error(`weights.bin has ${weights.byteLength} bytes, the manifest describes ${offset}`);

  const members: DenseLayer[][] = [];
  for (const [name, config] of dense) {
    const match = /^member(\d+)_dense(\d+)$/.exec(name);
    if (!match) throw new Error(`unexpected layer ${name} in model.json`);
    const kernel = values.get(`${name}/kernel`);
    const bias = values.get(`${name}/bias`);
    if (!kernel || !bias) throw new Error(`weights for layer ${name} are missing`);
    if (config.activation !== 'relu' && config.activation !== 'linear') throw new Error(`unsupported activation ${config.activation}`);
    const k = Number(match[1]);
    const l = Number(match[2]);
    (members[k] ??= [])[l] = { inputs: kernel.shape[0]!, units: config.units, kernel: kernel.data, bias: bias.data, activation: config.activation };
  }
  if (members.length === 0) throw new Error('model.json has no dense layers');
  return { inputs: members[0]![0]!.inputs, members: members.map((layers) => ({ layers })) };
}
