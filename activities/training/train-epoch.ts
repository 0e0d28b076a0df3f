/**
 * One epoch of the loop: its batches in the (seed, epoch) order from where the run stands, a snapshot
 * and possibly a validation point after a step, and at the epoch's (or the window's) end a validation, a
 * checkpoint and a progress report.
 */
import { setImmediate } from 'node:timers/promises';
import { writeEpochCheckpoint } from './epoch-checkpoint.js';
import { recordEvaluation, recordStepLoss, startEpochState, type EpochState } from './epoch-state.js';
import { NonFiniteLossError, TrainingCancelledError, TrainingInterruptedError } from './errors.js';
import { evaluate } from './evaluate.js';
import type { Batch } from './feed.js';
import type { LoopContext } from './loop-context.js';
import { writeOutcomes } from './outcome-bitmap.js';
import { writeProbeSnapshot } from './probe-snapshot.js';
import { epochOrder } from './rng.js';
import type { RunState } from './run-state.js';
import { trainStep } from './train-step.js';
import type { EpochSummary, TrainingProgress } from './types.js';

/** Evaluates validation at the current step and stores its per-sample outcomes (before any checkpoint, so a resumed run finds them). */
async function validate(loop: LoopContext, state: RunState) {
  const metrics = await evaluate(loop.tf, loop.validation, loop.input.training.batchSize, loop.forward);
  if (metrics.hits.length > 0) await writeOutcomes(loop.store, loop.keys.outcomes(state.step), metrics.hits);
  return metrics;
}

/** Trains epoch `epoch` from where `state` stands up to its end (or the window's), then checkpoints. */
export async function trainEpoch(loop: LoopContext, state: RunState, epoch: number): Promise<void> {
  const current = startEpochState(loop, state, epoch);
  const { seed, batchSize } = loop.input.training;
  const order = epochOrder(loop.split.train, seed, epoch).slice(current.steps * batchSize);
  for await (const batch of loop.feed.batches(order, batchSize)) {
    try {
      await trainOnBatch(loop, state, current, batch);
      if (state.step >= current.stopStep) break;
    } finally {
      batch.x.dispose();
    }
  }
  await finishEpoch(loop, state, current);
}

/** One step on `batch`, then its snapshot, validation point and progress report where they are due. */
async function trainOnBatch(loop: LoopContext, state: RunState, current: EpochState, batch: Batch) {
  // One macrotask turn per batch: with in-memory batches and the cpu/wasm backends every await
  // above is a microtask, which would starve the event loop and hold back cancellation and
  // heartbeat delivery until the whole run ends.
  await setImmediate();
  if (loop.signal?.aborted)
    throw new TrainingCancelledError(loop.input.candidateId, state.step, state.lastCheckpointKey, {
      cause: loop.signal.reason,
    });
  const loss = await trainStep(loop, batch);
  state.step++;
  current.steps++;
  if (!Number.isFinite(loss))
    throw new NonFiniteLossError(loop.input.candidateId, current.epoch, state.step, loss);
  recordStepLoss(state, current, loss, batch.indices.length);
  const { step } = state;
  const progress: TrainingProgress = { epoch: current.epoch, step, totalSteps: loop.totalSteps, loss };
  const epochEnd = current.steps === loop.stepsPerEpoch;
  if (step % loop.input.training.snapshotEvery === 0 || epochEnd || current.evalAt.has(step)) {
    const { key, betaEff } = await writeProbeSnapshot(loop, state, step, batch);
    progress.snapshotKey = key;
    if (betaEff !== null) progress.betaEff = betaEff;
  }
  // Inside the epoch here; the epoch's (or the window's) end is evaluated after the batches.
  if (current.evalAt.has(step) && step !== current.stopStep) {
    const metrics = await validate(loop, state);
    recordEvaluation(loop, state, current, metrics);
    if (metrics.accuracy !== null) progress.valAccuracy = metrics.accuracy;
    if (metrics.loss !== null) progress.valLoss = metrics.loss;
  }
  loop.onProgress?.(progress);
}

/** The epoch's (or the window's) end: validation, summary, checkpoint, log and progress report. */
async function finishEpoch(loop: LoopContext, state: RunState, current: EpochState): Promise<void> {
  const { epoch } = current;
  const { step } = state;
  const evaluation = await validate(loop, state);
  recordEvaluation(loop, state, current, evaluation);
  // False when a fractional window ends inside this epoch: that checkpoint records where in the epoch.
  const epochComplete = step === epoch * loop.stepsPerEpoch;
  const summary: EpochSummary = {
    epoch,
    trainLoss: current.steps > 0 ? current.lossSum / current.steps : Number.NaN,
    valLoss: evaluation.loss,
    valAccuracy: evaluation.accuracy,
    step,
    seconds: (loop.clock.now() - current.started) / 1000,
  };
  if (epochComplete) state.history.push(summary);
  const { checkpointKey, stopping } = await writeEpochCheckpoint(loop, state, current, epochComplete);
  loop.log?.info(epochComplete ? 'epoch done' : 'window done inside an epoch', {
    epoch,
    step,
    trainLoss: summary.trainLoss,
    valAccuracy: summary.valAccuracy,
    checkpoint: checkpointKey,
    ...(stopping ? { bestEpoch: stopping.bestEpoch, stopping: stopping.phase } : {}),
  });
  loop.onProgress?.({
    epoch,
    step,
    totalSteps: loop.totalSteps,
    loss: current.lastLoss,
    ...(evaluation.accuracy === null ? {} : { valAccuracy: evaluation.accuracy }),
    ...(evaluation.loss === null ? {} : { valLoss: evaluation.loss }),
    checkpointKey,
  });
  if (loop.drain?.aborted && step < loop.totalSteps)
    throw new TrainingInterruptedError(loop.input.candidateId, epoch, checkpointKey);
}
