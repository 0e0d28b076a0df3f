/**
 * The `gradient-coupled` interaction model (docs/design.md §1): P[e, e'] for e = (i→j) in kernel l and
 * e' = (j→k) in kernel l+1 is |E_s[a_i · σ'(z_j) · δ_k]|, the batch-averaged coupling through neuron j of
 * the input activation a_i of kernel l, the ReLU derivative at j and the back-propagated error δ_k of
 * kernel l+1. It depends on activity, not on the weights, so it moves even when the probe's weights are
 * frozen (`probe.trainable: false`). Statistics come from the snapshot's `stats.{l}.input` [S, in_l],
 * `stats.{l}.dact` [S, out_l] and `stats.{l}.delta` [S, out_l] (recorded with `probe.recordBatchStats`).
 * Cost: O(S · in_l · out_l · out_{l+1}) per pair of kernels — the number of arcs times the sample count;
 * the absolute value of a batch mean does not factorise, so there is no O(weights) form.
 */
import { CapacitanceError } from './errors.js';
import type {
  ArcWeightFunction,
  InteractionModel,
  InteractionStats,
  KernelSums,
} from './interaction-model.js';
import type { DenseKernel } from './network.js';

/** A `[samples, width]` statistics tensor, checked. */
function statsMatrix(
  stats: InteractionStats | undefined,
  name: string,
  width: number,
): { rows: number; data: Float32Array } {
  const tensor = stats?.get(name);
  if (!tensor) {
    throw new CapacitanceError(
      `interaction model gradient-coupled needs the batch statistic ${name}; record it with probe.recordBatchStats: true`,
    );
  }
  const [rows, cols] = tensor.shape;
  if (
    tensor.shape.length !== 2 ||
    cols !== width ||
    rows === undefined ||
    rows < 1 ||
    tensor.data.length !== rows * width
  ) {
    throw new CapacitanceError(
      `${name} has shape [${tensor.shape.join(', ')}]; expected [samples ≥ 1, ${width}]`,
    );
  }
  return { rows, data: tensor.data };
}

/** The statistics of the pair (kernel p, kernel p+1), `firstIndex` mapping positions to stats indices. */
function pairStats(
  kernels: readonly DenseKernel[],
  stats: InteractionStats | undefined,
  p: number,
  firstIndex: number,
) {
  const a = kernels[p]!;
  const b = kernels[p + 1]!;
  const l = p + firstIndex;
  const input = statsMatrix(stats, `stats.${l}.input`, a.inDim);
  const dact = statsMatrix(stats, `stats.${l}.dact`, a.outDim);
  const delta = statsMatrix(stats, `stats.${l + 1}.delta`, b.outDim);
  if (input.rows !== dact.rows || input.rows !== delta.rows) {
    throw new CapacitanceError(
      `stats.${l}.input, stats.${l}.dact and stats.${l + 1}.delta hold different sample counts`,
    );
  }
  return { a, b, samples: input.rows, input: input.data, dact: dact.data, delta: delta.data };
}

function gradientCoupledArcWeights(
  kernels: readonly DenseKernel[],
  stats?: InteractionStats,
  firstIndex = 0,
): ArcWeightFunction {
  const pairs = kernels.slice(0, -1).map((_, p) => pairStats(kernels, stats, p, firstIndex));
  return (layer, i, j, k) => {
    const { a, b, samples, input, dact, delta } = pairs[layer]!;
    let sum = 0;
    for (let s = 0; s < samples; s++)
      sum += input[s * a.inDim + i]! * dact[s * a.outDim + j]! * delta[s * b.outDim + k]!;
    return Math.abs(sum / samples);
  };
}

function gradientCoupledClosedForm(
  kernels: readonly DenseKernel[],
  stats?: InteractionStats,
  firstIndex = 0,
): KernelSums[] {
  const n = kernels.length;
  const sOut = kernels.map((k) => new Float64Array(k.values.length));
  const sIn = kernels.map((k) => new Float64Array(k.values.length));
  for (let p = 0; p < n - 1; p++) {
    const { a, b, samples, input, dact, delta } = pairStats(kernels, stats, p, firstIndex);
    const ad = new Float64Array(samples);
    const outP = sOut[p]!;
    const inNext = sIn[p + 1]!;
    for (let i = 0; i < a.inDim; i++) {
      for (let j = 0; j < a.outDim; j++) {
        for (let s = 0; s < samples; s++) ad[s] = input[s * a.inDim + i]! * dact[s * a.outDim + j]!;
        let rowSum = 0;
        for (let k = 0; k < b.outDim; k++) {
          let t = 0;
          for (let s = 0; s < samples; s++) t += ad[s]! * delta[s * b.outDim + k]!;
          const weight = Math.abs(t / samples);
          rowSum += weight;
          inNext[j * b.outDim + k]! += weight;
        }
        outP[i * a.outDim + j]! += rowSum;
      }
    }
  }
  return kernels.map((kernel, p) => {
    let numerator = 0;
    let denominator = 0;
    let xEffNumerator = 0;
    let strength = 0;
    const out = sOut[p]!;
    const into = sIn[p]!;
    for (let e = 0; e < kernel.values.length; e++) {
      const w = Math.abs(kernel.values[e]!);
      numerator += out[e]! * into[e]!;
      denominator += into[e]!;
      xEffNumerator += out[e]! * w;
      strength += w;
    }
    return { numerator, denominator, xEffNumerator, strength };
  });
}

export const gradientCoupledModel: InteractionModel = {
  name: 'gradient-coupled',
  description:
    "P[e,e'] = |E_batch[a_i·σ'(z_j)·δ_k]| for e=(i→j), e'=(j→k) (activity-dependent; needs batch statistics)",
  requiresStats: true,
  closedForm: gradientCoupledClosedForm,
  arcWeights: gradientCoupledArcWeights,
};
