/**
 * What stays fixed through one call of the training loop: its options, the step schedule derived from
 * them, and the forward passes the step, the snapshots and the evaluations share.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { stepsForEpochs } from './epoch-steps.js';
import type { TrainLoopOptions } from './train-loop-types.js';

/** Forward passes through the network. */
export interface Forward {
  /** Probe input for a batch: backbone features (finetune) or the batch itself (frozen). */
  probeInput(x: Tensor): Tensor;
  /** Logits of the probe's head in inference mode. */
  logits(x: Tensor): Tensor;
  /** Labels as one-hot rows over the candidate's classes. */
  oneHot(labels: Int32Array): Tensor;
}

export interface LoopContext extends TrainLoopOptions {
  stepsPerEpoch: number;
  /** Steps of the whole window: a fractional window ends inside its last epoch. */
  totalSteps: number;
  /** The (1-based) epoch the window ends in. */
  lastEpoch: number;
  forward: Forward;
}

export function loopContextOf(options: TrainLoopOptions): LoopContext {
  const { tf, network, numClasses } = options;
  const { epochs, batchSize } = options.input.training;
  const stepsPerEpoch = Math.ceil(options.split.train.length / batchSize);
  // A fractional window ends inside its last epoch, after round(epochs × stepsPerEpoch) steps.
  const totalSteps = stepsForEpochs(epochs, stepsPerEpoch);
  const { backbone, probe } = network;
  const probeInput = (x: Tensor): Tensor =>
    backbone ? (backbone.apply(x, { training: false }) as Tensor) : x;
  const forward: Forward = {
    probeInput,
    logits: (x) => probe.model.apply(probeInput(x), { training: false }) as Tensor,
    oneHot: (labels) => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses),
  };
  return {
    ...options,
    stepsPerEpoch,
    totalSteps,
    lastEpoch: Math.ceil(totalSteps / stepsPerEpoch),
    forward,
  };
}
