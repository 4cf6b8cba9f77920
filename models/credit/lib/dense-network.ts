/**
 * A small ensemble of dense ReLU networks evaluated directly from its weights with typed arrays: the single-applicant
 * path (microseconds, no tensor allocation) and the gradient the Integrated Gradients explanation needs. The same
 * weights are saved as a TensorFlow.js LayersModel (`model.json` + `weights.bin`) for batch scoring; a test checks
 * both give the same outputs.
 */

/** One dense layer: y = act(x·W + b), W row-major [inputs][units] (the TensorFlow.js kernel layout). */
export interface DenseLayer {
  inputs: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array;
  activation: 'relu' | 'linear';
}

/** One member network: hidden ReLU layers, then a single linear output unit (a logit). */
export interface MemberNetwork {
  layers: DenseLayer[];
}

/** The ensemble's logit is the mean of its members' logits. */
export interface EnsembleNetwork {
  inputs: number;
  members: MemberNetwork[];
}

/** Scratch buffers so repeated evaluation allocates nothing. */
class Scratch {
  readonly pre: Float64Array[][];
  readonly act: Float64Array[][];
  /** Two ping-pong buffers for backpropagated gradients, each as wide as the widest layer. */
  readonly up: Float64Array;
  readonly down: Float64Array;
  readonly dz: Float64Array;
  constructor(net: EnsembleNetwork) {
    this.pre = net.members.map((m) => m.layers.map((l) => new Float64Array(l.units)));
    this.act = net.members.map((m) => m.layers.map((l) => new Float64Array(l.units)));
    const widest = Math.max(net.inputs, ...net.members.flatMap((m) => m.layers.map((l) => l.units)));
    this.up = new Float64Array(widest);
    this.down = new Float64Array(widest);
    this.dz = new Float64Array(widest);
  }
}

const scratchCache = new WeakMap<EnsembleNetwork, Scratch>();

function scratchFor(net: EnsembleNetwork): Scratch {
  let s = scratchCache.get(net);
  if (!s) scratchCache.set(net, (s = new Scratch(net)));
  return s;
}

function forwardMember(member: MemberNetwork, x: ArrayLike<number>, pre: Float64Array[], act: Float64Array[]): number {
  let input: ArrayLike<number> = x;
  for (let l = 0; l < member.layers.length; l++) {
    const layer = member.layers[l]!;
    const z = pre[l]!;
    const a = act[l]!;
    const { inputs, units, kernel, bias } = layer;
    for (let u = 0; u < units; u++) z[u] = bias[u]!;
    for (let i = 0; i < inputs; i++) {
      const xi = input[i]!;
      if (xi === 0) continue; // one-hot inputs are mostly zero
      const row = i * units;
      for (let u = 0; u < units; u++) z[u] = z[u]! + xi * kernel[row + u]!;
    }
    if (layer.activation === 'relu') for (let u = 0; u < units; u++) a[u] = z[u]! > 0 ? z[u]! : 0;
    else for (let u = 0; u < units; u++) a[u] = z[u]!;
    input = a;
  }
  return act[member.layers.length - 1]![0]!;
}

/** The ensemble logit (mean of member logits) for one encoded input vector. */
export function ensembleLogit(net: EnsembleNetwork, x: ArrayLike<number>): number {
  const s = scratchFor(net);
  let sum = 0;
  for (let k = 0; k < net.members.length; k++) sum += forwardMember(net.members[k]!, x, s.pre[k]!, s.act[k]!);
  return sum / net.members.length;
}

/**
 * The ensemble logit and its gradient with respect to the input (written into `gradOut`), by backpropagation through
 * each member (ReLU derivative taken as 0 at 0).
 */
export function ensembleLogitWithGradient(net: EnsembleNetwork, x: ArrayLike<number>, gradOut: Float64Array): number {
  const s = scratchFor(net);
  gradOut.fill(0, 0, net.inputs);
  let sum = 0;
  const scale = 1 / net.members.length;
  for (let k = 0; k < net.members.length; k++) {
    const member = net.members[k]!;
    const pre = s.pre[k]!;
    sum += forwardMember(member, x, pre, s.act[k]!);
    // Backward: start from d(logit)/d(output) = 1/K.
    let upstream = s.up;
    let downstream = s.down;
    upstream[0] = scale;
    for (let l = member.layers.length - 1; l >= 0; l--) {
      const layer = member.layers[l]!;
      const { inputs, units, kernel } = layer;
      const dz = s.dz;
      const z = pre[l]!;
      for (let u = 0; u < units; u++) dz[u] = layer.activation === 'relu' && !(z[u]! > 0) ? 0 : upstream[u]!;
      for (let i = 0; i < inputs; i++) {
        const row = i * units;
        let g = 0;
        for (let u = 0; u < units; u++) g += kernel[row + u]! * dz[u]!;
        downstream[i] = g;
      }
      const swap = upstream;
      upstream = downstream;
      downstream = swap;
    }
    for (let i = 0; i < net.inputs; i++) gradOut[i] = gradOut[i]! + upstream[i]!;
  }
  return sum / net.members.length;
}

/** Number of trainable parameters (for the model card). */
export function parameterCount(net: EnsembleNetwork): number {
  return net.members.reduce((n, m) => n + m.layers.reduce((a, l) => a + l.kernel.length + l.bias.length, 0), 0);
}
