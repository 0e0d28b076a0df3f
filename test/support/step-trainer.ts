/**
 * A stand-in for candidate training that trains no weights but keeps exact step books: it continues from
 * its own per-step checkpoint to round(epochs × stepsPerEpoch) steps, records every step it "trains", and
 * writes a result.json whose validation curve is `accuracy(candidateId, step)`. With it the halving
 * orchestration (rung sizes, continuation from checkpoints, cancel and resume) is checked without TF.js
 * time; the real training loop's exact continuation is tested on its own (run-candidate-training.test.ts).
 */
import { encodeSnapshot } from '../../activities/capacitance/snapshot.js';
import type { RunTraining } from '../../activities/sweep/training-activities.js';
import { ArtifactNotFoundError } from '../../activities/store/errors.js';
import { sweepKeys } from '../../activities/store/keys.js';
import { stepsForEpochs } from '../../activities/training/epoch-steps.js';
import { TrainingCancelledError } from '../../activities/training/errors.js';
import type { CandidateResult, EvaluationPoint } from '../../activities/training/types.js';

export interface StepTrainerOptions {
  stepsPerEpoch: number;
  /** Validation accuracy in [0, 1] after `step` steps. */
  accuracy: (candidateId: string, step: number) => number;
  /** Validation samples (the binomial uncertainty of early-accuracy). @default 0: no uncertainty */
  valSamples?: number;
  /** Milliseconds per simulated step (so a test can cancel mid-rung). @default 0 */
  stepMs?: number;
  /** Samples per step. @default 10 */
  batchSize?: number;
}

const SHAPES: [number, number][] = [
  [4, 3],
  [3, 3],
  [3, 2],
  [2, 2],
];

interface StepCheckpoint {
  step: number;
  evaluations: EvaluationPoint[];
}

export type StepTrainer = RunTraining & {
  /** Every step trained, per candidate, in order. */
  trained: Map<string, number[]>;
  /** Each call: candidate, the step it continued from, the step it stopped at. */
  calls: { candidateId: string; from: number; to: number }[];
};

export function createStepTrainer(options: StepTrainerOptions): StepTrainer {
  const spe = options.stepsPerEpoch;
  const batchSize = options.batchSize ?? 10;
  const run = (async (input, deps) => {
    const keys = sweepKeys(input.sweepId).candidate(input.candidateId);
    const checkpointKey = `${keys.checkpointsPrefix}step-trainer.json`;
    let checkpoint: StepCheckpoint = { step: 0, evaluations: [] };
    try {
      checkpoint = JSON.parse(Buffer.from(await deps.store.get(checkpointKey)).toString('utf8'));
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) throw error;
    }
    const epochs = input.training?.epochs ?? 1;
    const target = stepsForEpochs(epochs, spe);
    const from = checkpoint.step;
    run.calls.push({ candidateId: input.candidateId, from, to: target });
    if (from === 0) {
      await deps.store.put(
        keys.snapshot(0),
        encodeSnapshot({
          kernels: SHAPES.map(([inDim, outDim], l) => ({
            inDim: inDim!,
            outDim: outDim!,
            values: Float32Array.from({ length: inDim! * outDim! }, (_, i) => 0.5 + ((i + l) % 3) / 10),
          })),
          metadata: { sweepId: input.sweepId, candidateId: input.candidateId, epoch: 0, step: 0 },
        }),
      );
    }
    const trained = run.trained.get(input.candidateId) ?? [];
    run.trained.set(input.candidateId, trained);
    for (let step = from + 1; step <= target; step++) {
      if (deps.signal?.aborted)
        throw new TrainingCancelledError(input.candidateId, step - 1, checkpointKey, {
          cause: deps.signal.reason,
        });
      if (options.stepMs) await new Promise((resolve) => setTimeout(resolve, options.stepMs));
      trained.push(step);
      // A checkpoint after every step: a cancelled call loses nothing, so any repeat is the orchestration's.
      checkpoint = { ...checkpoint, step };
      await deps.store.put(checkpointKey, JSON.stringify(checkpoint));
      deps.onProgress?.({ epoch: Math.ceil(step / spe), step, totalSteps: target, loss: 1 });
    }
    if (!checkpoint.evaluations.some((e) => e.step === target)) {
      checkpoint.evaluations.push({
        step: target,
        epoch: target / spe,
        trainLoss: 1,
        trainLossSum: target,
        trainSamples: target * batchSize,
        valLoss: 1,
        valAccuracy: options.accuracy(input.candidateId, target),
      });
      checkpoint.evaluations.sort((a, b) => a.step - b.step);
      await deps.store.put(checkpointKey, JSON.stringify(checkpoint));
    }
    const result: CandidateResult = {
      version: 2,
      sweepId: input.sweepId,
      candidateId: input.candidateId,
      mode: input.mode ?? 'finetune',
      backend: 'none',
      model: {
        uri: input.model.uri,
        format: 'layers-model',
        featureLayer: 'none',
        weightsHash: '0',
        inputShape: [1, 1, 1],
        featureDim: 4,
      },
      dataset: {
        numClasses: 2,
        trainSamples: spe * batchSize,
        valSamples: options.valSamples ?? 0,
        testSamples: 0,
      },
      parameters: { backbone: 0, backboneTrainable: 0, probe: 0 },
      probe: {
        widths: [3, 3],
        trainable: true,
        kernelShapes: [
          [4, 3],
          [3, 3],
          [3, 2],
        ],
      },
      training: {
        epochs,
        stepsPerEpoch: spe,
        totalSteps: Math.max(target, checkpoint.step),
        batchSize,
        optimizer: 'adam',
        learningRate: 0.001,
        snapshotEvery: 1,
        evaluationsPerEpoch: 1,
        seed: 0,
      },
      snapshots: { prefix: keys.snapshotsPrefix, steps: [0], betaEff: [null] },
      epochs: [],
      evaluations: checkpoint.evaluations,
      compute: { trainSamples: checkpoint.step * batchSize, evalSamples: 0 },
      checkpointKeys: [checkpointKey],
      resumedFromEpoch: from / spe,
      resumedFromStep: from,
      timing: {
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        featureSeconds: 0,
        trainSeconds: 0,
      },
    };
    await deps.store.put(keys.result, JSON.stringify(result));
    return result;
  }) as StepTrainer;
  run.trained = new Map();
  run.calls = [];
  return run;
}
