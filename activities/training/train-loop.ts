/**
 * The training loop of one candidate: a manual optimizer step per batch (so snapshots, shuffling and
 * resume are exact), a probe snapshot at step 0, every `snapshotEvery` steps and at each evaluation point,
 * validation `evaluationsPerEpoch` times per epoch (the last at its end) and a checkpoint after each epoch.
 * With `training.stopping` the run ends at a validation plateau and the test set is scored on the best
 * epoch's weights. Resuming from a checkpoint reproduces the snapshots and evaluations of an
 * uninterrupted run byte for byte (same backend): shuffling depends only on (seed, epoch), weights and
 * optimizer state are restored exactly, and the stopping state is a fold over the restored history.
 *
 * The units: loop-context.ts (schedule, forward passes), run-state.ts (the state and the resume point),
 * train-epoch.ts (an epoch's batches), train-step.ts (one step), probe-snapshot.ts, evaluate.ts,
 * epoch-checkpoint.ts and loop-outcome.ts.
 */
import { loopContextOf } from './loop-context.js';
import { writeInitialSnapshot } from './probe-snapshot.js';
import { loopOutcome } from './loop-outcome.js';
import { resumeRunState, stoppingStateNow } from './run-state.js';
import { trainEpoch } from './train-epoch.js';
import type { TrainLoopOptions, TrainLoopOutcome } from './train-loop-types.js';

export { evaluationSteps } from './evaluation-steps.js';
export type {
  CandidateKeys,
  EvaluationSet,
  TrainingNetwork,
  TrainLoopOptions,
  TrainLoopOutcome,
  WeightHandle,
} from './train-loop-types.js';

/** Trains from scratch or from `options.resume` to the end of the window (or a validation plateau). */
export async function runTrainingLoop(options: TrainLoopOptions): Promise<TrainLoopOutcome> {
  const started = options.clock.now();
  const loop = loopContextOf(options);
  const state = await resumeRunState(loop);
  if (state.step === 0) await writeInitialSnapshot(loop, state);
  for (let epoch = state.startEpoch; epoch <= loop.lastEpoch && state.step < loop.totalSteps; epoch++) {
    if (stoppingStateNow(loop, state)?.phase === 'stopped') break;
    await trainEpoch(loop, state, epoch);
  }
  return await loopOutcome(loop, state, started);
}
