/**
 * The network a candidate trains: the probe on the backbone's features, the variables the optimizer
 * updates (the backbone's too in `finetune` mode), the weights checkpoints save, and the optimizer.
 */
import type { LayersModel, Optimizer, Variable } from '@tensorflow/tfjs';
import type { CandidateRun } from './candidate-run.js';
import { createOptimizer } from './optimizer-state.js';
import { buildProbe } from './probe.js';
import type { TrainingNetwork, WeightHandle } from './train-loop-types.js';

export interface CandidateNetwork {
  network: TrainingNetwork;
  optimizer: Optimizer;
  /** The backbone's trainable weights the optimizer updates (none in `frozen` mode). */
  backboneTrainable: readonly WeightHandle[];
}

/** Builds the probe and the optimizer (both held by `run` from then on). */
export function buildCandidateNetwork(
  run: CandidateRun,
  featureShape: number[],
  numClasses: number,
  backboneModel: LayersModel | undefined,
): CandidateNetwork {
  const { tf, resolved } = run;
  const probe = buildProbe(tf, {
    featureShape,
    widths: resolved.probe.widths,
    numClasses,
    seed: resolved.training.seed,
    trainable: resolved.probe.trainable,
  });
  run.held.probe = probe;
  const finetune = resolved.mode === 'finetune' && backboneModel !== undefined;
  const backboneWeights = finetune && backboneModel ? backboneModel.weights : [];
  const backboneTrainable = finetune && backboneModel ? backboneModel.trainableWeights : [];
  const trainable = [...backboneTrainable, ...probe.model.trainableWeights].map((w) => w.read() as Variable);
  const saved: WeightHandle[] = [...backboneWeights, ...probe.model.weights];
  const optimizer = createOptimizer(tf, resolved.training);
  run.held.optimizer = optimizer;
  return {
    network: { ...(finetune ? { backbone: backboneModel } : {}), probe, trainable, saved },
    optimizer,
    backboneTrainable,
  };
}
