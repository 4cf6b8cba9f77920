/**
 * Trains an ensemble of small MLPs with TensorFlow.js, all members at once as batched tensors (one member per inner
 * cross-validation fold: member k learns on the other folds and is early-stopped on fold k). Class-weighted binary
 * cross-entropy, L2 weight decay, dropout, Adam; every random draw comes from the seeded generator, so a run is
 * reproducible on a given backend. The held-out logits of each member form the calibration set.
 */
import type { DenseLayer, EnsembleNetwork, MemberNetwork } from './dense-network.ts';
import { ensembleLogit } from './dense-network.ts';
import { mulberry32, normalSampler, shuffleInPlace, stratifiedFolds } from './random.ts';
import type { TfModule } from './tf-runtime.ts';

/** Architecture and regularisation of one ensemble (chosen by cross-validation in the training script). */
export interface MlpHyperParams {
  /** Units per hidden ReLU layer, e.g. [16] or [32, 16]. */
  hidden: number[];
  /** Dropout rate after each hidden layer. */
  dropout: number;
  /** L2 penalty on kernels, added to the mean (class-weighted) loss. */
  l2: number;
  learningRate: number;
  /** Rows per step; 0 = the whole training set each step (small data sets). */
  batchSize: number;
  maxEpochs: number;
  /** Stop a member after this many epochs without a better validation loss. */
  patience: number;
  /** Ensemble members = inner folds. */
  members: number;
}

/** Training data: a row-major matrix, 0/1 labels (1 = default) and which rows to learn from. */
export interface TrainingData {
  x: Float32Array;
  width: number;
  labels: ArrayLike<number>;
  rows: readonly number[];
}

/** A trained ensemble, its members' held-out logits (aligned with `rows`) and each member's best epoch. */
export interface TrainedEnsemble {
  network: EnsembleNetwork;
  heldOutLogits: Float64Array;
  bestEpochs: number[];
}

interface LayerVars {
  kernel: import('@tensorflow/tfjs').Variable;
  bias: import('@tensorflow/tfjs').Variable;
}

/** Trains one ensemble; `seed` fixes the inner folds, initial weights, shuffling and dropout masks. */
export async function trainMlpEnsemble(tf: TfModule, data: TrainingData, params: MlpHyperParams, seed: number): Promise<TrainedEnsemble> {
  const { width: d, rows } = data;
  const n = rows.length;
  const K = params.members;
  const uniform = mulberry32(seed);
  const normal = normalSampler(uniform);
  const labels = Float32Array.from(rows, (r) => data.labels[r]!);
  const innerFold = stratifiedFolds(labels, K, seed ^ 0x5bd1e995);

  // Class weights n/(2·n_c): both classes weigh the same in the loss (Platt scaling later restores probabilities).
  let positives = 0;
  for (const l of labels) positives += l;
  const classWeight = (l: number): number => (l === 1 ? n / (2 * positives) : n / (2 * (n - positives)));
  const trainWeight = new Float32Array(K * n);
  const validWeight = new Float64Array(K * n);
  for (let i = 0; i < n; i++) {
    const w = classWeight(labels[i]!);
    for (let k = 0; k < K; k++) {
      if (innerFold[i] === k) validWeight[k * n + i] = w;
      else trainWeight[k * n + i] = w;
    }
  }

  const xRows = new Float32Array(n * d);
  rows.forEach((r, i) => xRows.set(data.x.subarray(r * d, (r + 1) * d), i * d));
  const X = tf.tensor2d(xRows, [n, d]);
  const Y = tf.tensor1d(labels);
  const TW = tf.tensor2d(trainWeight, [K, n]);

  // He-normal initialisation for ReLU layers, Glorot-normal for the linear output (Glorot & Bengio 2010; He et al. 2015).
  const sizes = [d, ...params.hidden, 1];
  const layers: LayerVars[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l]!;
    const fanOut = sizes[l + 1]!;
    const std = l + 2 === sizes.length ? Math.sqrt(2 / (fanIn + fanOut)) : Math.sqrt(2 / fanIn);
    const init = new Float32Array(K * fanIn * fanOut);
    for (let i = 0; i < init.length; i++) init[i] = normal() * std;
    layers.push({ kernel: tf.variable(tf.tensor3d(init, [K, fanIn, fanOut])), bias: tf.variable(tf.zeros([K, 1, fanOut])) });
  }
  const optimizer = tf.train.adam(params.learningRate);

  const forward = (xb: import('@tensorflow/tfjs').Tensor2D, dropoutSeed: number | undefined): import('@tensorflow/tfjs').Tensor2D => {
    const rowsInBatch = xb.shape[0];
    let h: import('@tensorflow/tfjs').Tensor3D = tf.tile(tf.expandDims(xb, 0), [K, 1, 1]) as import('@tensorflow/tfjs').Tensor3D;
    layers.forEach((layer, l) => {
      h = tf.add(tf.matMul(h, layer.kernel as unknown as import('@tensorflow/tfjs').Tensor3D), layer.bias) as import('@tensorflow/tfjs').Tensor3D;
      if (l + 1 < layers.length) {
        h = tf.relu(h);
        if (dropoutSeed !== undefined && params.dropout > 0) {
          const keep = tf.greaterEqual(tf.randomUniform(h.shape, 0, 1, 'float32', dropoutSeed + l), params.dropout);
          h = tf.div(tf.mul(h, tf.cast(keep, 'float32')), 1 - params.dropout) as import('@tensorflow/tfjs').Tensor3D;
        }
      }
    });
    return tf.reshape(h, [K, rowsInBatch]) as import('@tensorflow/tfjs').Tensor2D;
  };

  const batchSize = params.batchSize > 0 ? Math.min(params.batchSize, n) : n;
  const order = Array.from({ length: n }, (_, i) => i);
  const best = new Float64Array(K).fill(Number.POSITIVE_INFINITY);
  const bestEpochs = new Array<number>(K).fill(0);
  const sinceBest = new Int32Array(K);
  const active = new Array<boolean>(K).fill(true);
  const snapshot: Array<{ kernel: Float32Array; bias: Float32Array }> = layers.map((l) => ({
    kernel: l.kernel.dataSync().slice() as Float32Array,
    bias: l.bias.dataSync().slice() as Float32Array,
  }));
  const logits = new Float32Array(K * n);

  try {
    for (let epoch = 0; epoch < params.maxEpochs && active.some(Boolean); epoch++) {
      if (batchSize < n) shuffleInPlace(order, uniform);
      for (let start = 0; start < n; start += batchSize) {
        const batch = order.slice(start, Math.min(n, start + batchSize));
        if (batch.length < 2) continue;
        const dropoutSeed = Math.floor(uniform() * 2 ** 30);
        tf.tidy(() => {
          const idx = tf.tensor1d(Int32Array.from(batch), 'int32');
          const xb = batchSize < n ? (tf.gather(X, idx) as import('@tensorflow/tfjs').Tensor2D) : X;
          const yb = batchSize < n ? tf.gather(Y, idx) : Y;
          const wb = batchSize < n ? tf.gather(TW, idx, 1) : TW;
          // Per-member normalisation: each member's loss is its class-weighted mean over its own training rows.
          const wsum = tf.maximum(tf.sum(wb, 1, true), 1e-6);
          optimizer.minimize(() => {
            const z = forward(xb, dropoutSeed);
            // Stable binary cross-entropy on logits: max(z,0) − z·y + log(1 + e^{−|z|}).
            const ce = tf.add(tf.sub(tf.relu(z), tf.mul(z, yb)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
            let loss = tf.sum(tf.div(tf.sum(tf.mul(ce, wb), 1, true), wsum));
            for (const layer of layers) loss = tf.add(loss, tf.mul(params.l2, tf.sum(tf.square(layer.kernel))));
            return loss as import('@tensorflow/tfjs').Scalar;
          });
        });
      }
      // Validation loss per member on its held-out inner fold (no dropout).
      for (let start = 0; start < n; start += 4096) {
        const size = Math.min(4096, n - start);
        const out = tf.tidy(() => forward(tf.slice(X, [start, 0], [size, d]) as import('@tensorflow/tfjs').Tensor2D, undefined));
        const values = out.dataSync();
        out.dispose();
        for (let k = 0; k < K; k++) logits.set(values.subarray(k * size, (k + 1) * size), k * n + start);
      }
      const improved: number[] = [];
      for (let k = 0; k < K; k++) {
        if (!active[k]) continue;
        let loss = 0;
        let weight = 0;
        for (let i = 0; i < n; i++) {
          const w = validWeight[k * n + i]!;
          if (w === 0) continue;
          const z = logits[k * n + i]!;
          loss += w * (Math.max(z, 0) - z * labels[i]! + Math.log1p(Math.exp(-Math.abs(z))));
          weight += w;
        }
        loss /= weight;
        if (loss < best[k]! - 1e-6) {
          best[k] = loss;
          bestEpochs[k] = epoch + 1;
          sinceBest[k] = 0;
          improved.push(k);
        } else if (++sinceBest[k]! > params.patience) {
          active[k] = false;
        }
      }
      if (improved.length) snapshotMembers(layers, snapshot, improved);
    }
  } finally {
    X.dispose();
    Y.dispose();
    TW.dispose();
    for (const l of layers) {
      l.kernel.dispose();
      l.bias.dispose();
    }
    optimizer.dispose();
  }

  const members: MemberNetwork[] = [];
  for (let k = 0; k < K; k++) {
    const memberLayers: DenseLayer[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const inputs = sizes[l]!;
      const units = sizes[l + 1]!;
      memberLayers.push({
        inputs,
        units,
        kernel: snapshot[l]!.kernel.slice(k * inputs * units, (k + 1) * inputs * units),
        bias: snapshot[l]!.bias.slice(k * units, (k + 1) * units),
        activation: l + 2 === sizes.length ? 'linear' : 'relu',
      });
    }
    members.push({ layers: memberLayers });
  }
  const network: EnsembleNetwork = { inputs: d, members };
  const heldOutLogits = new Float64Array(n);
  const single = members.map((m) => ({ inputs: d, members: [m] }));
  for (let i = 0; i < n; i++) heldOutLogits[i] = ensembleLogit(single[innerFold[i]!]!, xRows.subarray(i * d, (i + 1) * d));
  return { network, heldOutLogits, bestEpochs };
}

/** Copies the listed members' current weights into the snapshot (reading each variable once). */
function snapshotMembers(layers: LayerVars[], snapshot: Array<{ kernel: Float32Array; bias: Float32Array }>, members: number[]): void {
  layers.forEach((layer, l) => {
    const kernel = layer.kernel.dataSync() as Float32Array;
    const bias = layer.bias.dataSync() as Float32Array;
    const [, inputs, units] = layer.kernel.shape as [number, number, number];
    const ks = inputs * units;
    for (const k of members) {
      snapshot[l]!.kernel.set(kernel.subarray(k * ks, (k + 1) * ks), k * ks);
      snapshot[l]!.bias.set(bias.subarray(k * units, (k + 1) * units), k * units);
    }
  });
}
