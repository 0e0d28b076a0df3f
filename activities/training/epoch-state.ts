/**
 * The running totals of the epoch being trained, and the evaluation points recorded inside it: each
 * point carries the mean training loss since the previous one and the run's totals since step 0.
 */
import type { Metrics } from './evaluate.js';
import type { LoopContext } from './loop-context.js';
import type { RunState } from './run-state.js';
import { evaluationSteps } from './evaluation-steps.js';
import type { EvaluationPoint } from './types.js';

export interface EpochState {
  /** 1-based. */
  epoch: number;
  /** Clock reading when the epoch started (ms). */
  started: number;
  /** Where this call stops in this epoch: its end, or the window's end inside it. */
  stopStep: number;
  /** Global steps at which validation is evaluated. */
  evalAt: Set<number>;
  /** Sum of the losses of the epoch's steps (a resumed partial epoch's included). */
  lossSum: number;
  /** Steps of the epoch done (a resumed partial epoch's included). */
  steps: number;
  /** Loss of the last step; NaN before the first. */
  lastLoss: number;
  lossSinceEval: number;
  stepsSinceEval: number;
}

/** The state of epoch `epoch` as this call starts it (inside it when resuming a partial epoch). */
export function startEpochState(loop: LoopContext, state: RunState, epoch: number): EpochState {
  const { stepsPerEpoch, totalSteps } = loop;
  const resumedInside = epoch === state.startEpoch && state.partial ? state.partial : undefined;
  const stopStep = Math.min(epoch * stepsPerEpoch, totalSteps);
  const evalAt = new Set(evaluationSteps(epoch, stepsPerEpoch, loop.input.training.evaluationsPerEpoch));
  evalAt.add(stopStep);
  return {
    epoch,
    started: loop.clock.now(),
    stopStep,
    evalAt,
    lossSum: resumedInside?.lossSum ?? 0,
    steps: resumedInside?.steps ?? 0,
    lastLoss: Number.NaN,
    lossSinceEval: 0,
    stepsSinceEval: 0,
  };
}

/** Adds one step's loss (over `samples` samples) to the epoch's and the run's totals. */
export function recordStepLoss(state: RunState, epoch: EpochState, loss: number, samples: number): void {
  epoch.lossSum += loss;
  epoch.lastLoss = loss;
  epoch.lossSinceEval += loss;
  epoch.stepsSinceEval++;
  state.trainLossSum += loss;
  state.trainSamples += samples;
}

/** Records an evaluation point at the current step and starts the next interval's training loss. */
export function recordEvaluation(
  loop: LoopContext,
  state: RunState,
  epoch: EpochState,
  metrics: Metrics,
): EvaluationPoint {
  const point: EvaluationPoint = {
    step: state.step,
    epoch: state.step / loop.stepsPerEpoch,
    trainLoss: epoch.stepsSinceEval > 0 ? epoch.lossSinceEval / epoch.stepsSinceEval : Number.NaN,
    trainLossSum: state.trainLossSum,
    trainSamples: state.trainSamples,
    valLoss: metrics.loss,
    valAccuracy: metrics.accuracy,
  };
  epoch.lossSinceEval = 0;
  epoch.stepsSinceEval = 0;
  state.evaluations.push(point);
  return point;
}
