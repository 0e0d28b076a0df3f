/**
 * The probe: the NCP unit (Dense + ReLU layers `ncp_0 … ncp_{L-1}`, seeded Glorot-uniform kernels, zero
 * biases) followed by the classifier head `ncp_L` (Dense to the target classes; it outputs logits, the
 * softmax is applied in the loss). Layer `ncp_l` is snapshot tensor `ncp.{l}.kernel`. A multi-dimensional
 * feature map is flattened first (`ncp_flatten`, no weights).
 */
import type { LayersModel, Tensor, layers as tfLayers } from '@tensorflow/tfjs';
import type { DenseKernel } from '../capacitance/network.js';
import { InvalidTrainingInputError } from './errors.js';
import { RNG_PURPOSE, deriveSeed } from './rng.js';
import type { Tf } from '../tf/tf-namespace.js';

type Layer = tfLayers.Layer;

export interface ProbeOptions {
  /** Feature shape without the batch dimension. */
  featureShape: readonly number[];
  /** Hidden widths of the NCP unit (≥ 2, so NCP + head has ≥ 3 weight layers). */
  widths: readonly number[];
  numClasses: number;
  /** Seed of the kernels' initialisation (layer l uses a seed derived from (seed, l)). */
  seed: number;
  /** Whether the NCP layers train (the head always does). */
  trainable: boolean;
}

export interface Probe {
  model: LayersModel;
  /** The weight layers in order: NCP layers, then the head. */
  denseLayers: Layer[];
  /** Kernel shapes [in, out] in order. */
  kernelShapes: [number, number][];
}

/** Layer name of probe weight layer `l` (the head is l = widths.length). */
export const probeLayerName = (l: number): string => `ncp_${l}`;

/** Builds the probe. @throws InvalidTrainingInputError for fewer than 3 weight layers. */
export function buildProbe(tf: Tf, options: ProbeOptions): Probe {
  const { featureShape, widths, numClasses, seed, trainable } = options;
  if (widths.length < 2) {
    throw new InvalidTrainingInputError(
      `probe.widths: the probed network needs at least 3 weight layers (NCP unit + head); got ${widths.length + 1}`,
      'probe.widths',
    );
  }
  const featureDim = featureShape.reduce((a, b) => a * b, 1);
  const layers: Layer[] = [];
  if (featureShape.length !== 1)
    layers.push(tf.layers.flatten({ inputShape: [...featureShape], name: 'ncp_flatten' }));
  const units = [...widths, numClasses];
  const denseLayers = units.map((n, l) => {
    const isHead = l === widths.length;
    return tf.layers.dense({
      units: n,
      activation: isHead ? 'linear' : 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, RNG_PURPOSE.probeInit, l) }),
      biasInitializer: 'zeros',
      name: probeLayerName(l),
      trainable: isHead || trainable,
      ...(l === 0 && featureShape.length === 1 ? { inputShape: [featureDim] } : {}),
    });
  });
  layers.push(...denseLayers);
  const model = tf.sequential({ layers, name: 'ncp_probe' });
  const kernelShapes = units.map((n, l): [number, number] => [
    l === 0 ? featureDim : (units[l - 1] as number),
    n,
  ]);
  return { model, denseLayers, kernelShapes };
}

/** The tf.Variable behind a layer weight (LayerVariable.read() returns it, not a copy). */
export const variableOf = (weight: { read(): Tensor }): Tensor => weight.read();

/** Reads the probe's kernels and biases (copies: some backends hand out their backing arrays). */
export async function readProbeWeights(
  probe: Probe,
): Promise<{ kernels: DenseKernel[]; biases: Float32Array[] }> {
  const kernels: DenseKernel[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l < probe.denseLayers.length; l++) {
    const layer = probe.denseLayers[l] as Layer;
    const [kernel, bias] = layer.weights;
    const [inDim, outDim] = probe.kernelShapes[l] as [number, number];
    if (!kernel || !bias) throw new Error(`probe layer ${layer.name} has no kernel/bias`);
    kernels.push({
      inDim,
      outDim,
      values: ((await variableOf(kernel).data()) as Float32Array).slice(),
      name: `ncp.${l}.kernel`,
    });
    biases.push(((await variableOf(bias).data()) as Float32Array).slice());
  }
  return { kernels, biases };
}
