/**
 * Batch statistics for activity-dependent interaction models (docs/design.md §1, `gradient-coupled`:
 * P[(i→j),(j→k)] = |E_batch[a_i · σ'(z_j) · δ_k]|). For each probe weight layer l, over the first
 * `samples` rows of a batch, with the probe's current weights:
 * - `stats.{l}.input`  [S, in_l]  activations entering layer l (a; layer 0: the features),
 * - `stats.{l}.dact`   [S, out_l] ReLU derivative σ'(z) at layer l's pre-activation (hidden layers only),
 * - `stats.{l}.delta`  [S, out_l] per-sample back-propagated error ∂ℓ_s/∂z at layer l (ℓ_s: that sample's
 *   softmax cross-entropy, not divided by the batch size).
 * The exact gradient-coupled arc weight for (i→j) in layer l and (j→k) in layer l+1 is then
 * |mean_s input_l[s,i] · dact_l[s,j] · delta_{l+1}[s,k]|.
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { TensorInput } from '../formats/safetensors.js';
import { variableOf, type Probe } from './probe.js';
import type { Tf } from '../tf/tf-namespace.js';

/** Rows of a batch the statistics are computed on. @default 32 */
export const DEFAULT_STATS_SAMPLES = 32;

/**
 * Computes the statistics for `features` (the probe's input batch) and `labels`.
 * @returns F32 tensors by name, ready for a snapshot's extra tensors.
 */
export async function computeBatchStats(
  tf: Tf,
  probe: Probe,
  features: Tensor,
  labels: Int32Array,
  numClasses: number,
  samples = DEFAULT_STATS_SAMPLES,
): Promise<Map<string, TensorInput>> {
  const n = Math.min(samples, features.shape[0] as number);
  const named: [string, Tensor][] = tf.tidy(() => {
    const featureDim = (probe.kernelShapes[0] as [number, number])[0];
    let a: Tensor = tf.slice(features, 0, n).reshape([n, featureDim]);
    const inputs: Tensor[] = [];
    const dacts: Tensor[] = [];
    const kernels: Tensor[] = [];
    let logits: Tensor | undefined;
    probe.denseLayers.forEach((layer, l) => {
      const [kernelWeight, biasWeight] = layer.weights;
      const kernel = variableOf(kernelWeight as { read(): Tensor });
      const z = tf.add(tf.matMul(a, kernel), variableOf(biasWeight as { read(): Tensor }));
      inputs.push(a);
      kernels.push(kernel);
      if (l < probe.denseLayers.length - 1) {
        dacts.push(tf.cast(tf.greater(z, 0), 'float32'));
        a = tf.relu(z);
      } else logits = z;
    });
    const onehot = tf.oneHot(tf.tensor1d(labels.subarray(0, n), 'int32'), numClasses);
    const deltas: Tensor[] = new Array<Tensor>(probe.denseLayers.length);
    let delta: Tensor = tf.sub(tf.softmax(logits as Tensor), onehot);
    for (let l = probe.denseLayers.length - 1; l >= 0; l--) {
      deltas[l] = delta;
      if (l > 0) delta = tf.mul(tf.matMul(delta, kernels[l] as Tensor, false, true), dacts[l - 1] as Tensor);
    }
    const out: [string, Tensor][] = [];
    probe.denseLayers.forEach((_, l) => {
      out.push([`stats.${l}.input`, inputs[l] as Tensor]);
      if (l < dacts.length) out.push([`stats.${l}.dact`, dacts[l] as Tensor]);
      out.push([`stats.${l}.delta`, deltas[l] as Tensor]);
    });
    return out;
  });
  const result = new Map<string, TensorInput>();
  try {
    for (const [name, t] of named)
      result.set(name, { shape: [...t.shape], data: Float32Array.from((await t.data()) as Float32Array) });
  } finally {
    tf.dispose(named.map(([, t]) => t));
  }
  return result;
}
