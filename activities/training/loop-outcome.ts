/**
 * What a training-loop call returns once its epochs are done: the full-training summary (with
 * `training.stopping`), the test set scored on the best (or last) epoch's weights, and the run's record.
 */
import { readCheckpointAt } from './checkpoint.js';
import { evaluate } from './evaluate.js';
import type { LoopContext } from './loop-context.js';
import { restoreWeights } from './restore-weights.js';
import { stoppingStateNow, type RunState } from './run-state.js';
import type { TrainLoopOutcome } from './train-loop-types.js';
import type { FullTrainingSummary, TestSummary } from './types.js';

/** Where and why a `training.stopping` run stopped; undefined without it. */
function fullTrainingSummaryOf(loop: LoopContext, state: RunState): FullTrainingSummary | undefined {
  const { stopping, epochs } = loop.input.training;
  const finalState = stoppingStateNow(loop, state);
  if (!stopping || !finalState) return undefined;
  const best = state.history[finalState.bestEpoch - 1];
  return {
    patience: stopping.patience,
    minDelta: stopping.minDelta,
    maxEpochs: epochs,
    epochsRun: state.history.length,
    bestEpoch: finalState.bestEpoch,
    stoppedBy: finalState.reason ?? 'max-epochs',
    best: {
      valAccuracy: best?.valAccuracy ?? null,
      valLoss: best?.valLoss ?? null,
      trainLoss: best?.trainLoss ?? Number.NaN,
    },
    finalAccuracy: best?.valAccuracy ?? null,
  };
}

/** Scores the test set, if any, on the best epoch's weights (full training) or the last epoch's. */
async function scoreTestSet(
  loop: LoopContext,
  state: RunState,
  fullTraining: FullTrainingSummary | undefined,
): Promise<TestSummary | undefined> {
  const { test, tf, store, keys, network } = loop;
  if (!test || test.indices.length === 0) return undefined;
  const lastEpoch = state.history.at(-1)?.epoch ?? 0;
  const scoredEpoch = fullTraining && fullTraining.bestEpoch > 0 ? fullTraining.bestEpoch : lastEpoch;
  if (scoredEpoch !== lastEpoch) {
    const best = await readCheckpointAt(store, keys.checkpoint(scoredEpoch));
    restoreWeights(tf, network.saved, best.variables, best.key);
  }
  const metrics = await evaluate(tf, test, loop.input.training.batchSize, loop.forward);
  const summary: TestSummary = {
    accuracy: metrics.accuracy ?? Number.NaN,
    loss: metrics.loss ?? Number.NaN,
    samples: test.indices.length,
    epoch: scoredEpoch,
  };
  loop.log?.info('test set scored', { epoch: scoredEpoch, accuracy: summary.accuracy });
  return summary;
}

/** The call's outcome; `started` is the clock reading (ms) when the call began. */
export async function loopOutcome(
  loop: LoopContext,
  state: RunState,
  started: number,
): Promise<TrainLoopOutcome> {
  const fullTraining = fullTrainingSummaryOf(loop, state);
  const test = await scoreTestSet(loop, state, fullTraining);
  if (fullTraining && test && Number.isFinite(test.accuracy)) fullTraining.finalAccuracy = test.accuracy;
  const resumedFromStep = loop.resume?.state.step ?? 0;
  return {
    history: state.history,
    evaluations: state.evaluations,
    ...(fullTraining ? { fullTraining } : {}),
    ...(test ? { test } : {}),
    compute: {
      trainSamples: state.trainSamples,
      evalSamples: state.evaluations.length * loop.validation.indices.length + (test?.samples ?? 0),
    },
    snapshots: state.snapshots,
    checkpointKeys: state.checkpointKeys,
    resumedFromEpoch: resumedFromStep / loop.stepsPerEpoch,
    resumedFromStep,
    stepsPerEpoch: loop.stepsPerEpoch,
    totalSteps: loop.totalSteps,
    trainSeconds: (loop.clock.now() - started) / 1000,
  };
}
