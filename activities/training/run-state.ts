/**
 * The small mutable state of one training-loop call: the step reached, the history, evaluations and
 * snapshots recorded so far and the checkpoints kept. A call starts from scratch or from the checkpoint it
 * resumes, whose recorded state this restores exactly (weights and optimizer included).
 */
import type { CheckpointState } from './checkpoint.js';
import { CheckpointMismatchError } from './errors.js';
import type { LoopContext } from './loop-context.js';
import { importOptimizerState } from './optimizer-state.js';
import { restoreWeights } from './restore-weights.js';
import { stoppingStateOf, type StoppingState } from './stopping.js';
import type { EpochSummary, EvaluationPoint } from './types.js';

/** The snapshots written so far, as results and checkpoints record them. */
export interface SnapshotRecord {
  steps: number[];
  betaEff: (number | null)[];
  /** Checksums recorded at write; unknown (absent) when resumed from a checkpoint without them. */
  sha256?: string[];
}

export interface RunState {
  /** Global optimizer steps done. */
  step: number;
  /** The first (1-based) epoch this call trains. */
  startEpoch: number;
  /** Where inside `startEpoch` the resumed checkpoint lies (the end of a fractional window). */
  partial?: NonNullable<CheckpointState['partialEpoch']>;
  history: EpochSummary[];
  evaluations: EvaluationPoint[];
  snapshots: SnapshotRecord;
  checkpointKeys: string[];
  lastCheckpointKey?: string;
  /** Sum of every step's training loss since step 0 (carried across a resume). */
  trainLossSum: number;
  /** Training samples since step 0 (carried across a resume). */
  trainSamples: number;
}

/**
 * The state to start from: empty, or the resumed checkpoint's, with the network's weights and the
 * optimizer's state restored from it.
 * @throws CheckpointMismatchError when the checkpoint's step does not match its epoch position.
 */
export async function resumeRunState(loop: LoopContext): Promise<RunState> {
  const { resume, keys, stepsPerEpoch } = loop;
  const recorded = resume?.state;
  const history = [...(recorded?.history ?? [])];
  const evaluations = [...(recorded?.evaluations ?? [])];
  const steps = [...(recorded?.snapshots.steps ?? [])];
  // Checksums recorded at write, checked at read (scoring); a checkpoint without them leaves them unknown.
  const resumedSha = recorded?.snapshots.sha256;
  const sha256 = resume && resumedSha?.length !== steps.length ? undefined : [...(resumedSha ?? [])];
  const state: RunState = {
    step: recorded?.step ?? 0,
    startEpoch: (recorded?.epoch ?? 0) + 1,
    ...(recorded?.partialEpoch ? { partial: recorded.partialEpoch } : {}),
    history,
    evaluations,
    snapshots: { steps, betaEff: [...(recorded?.snapshots.betaEff ?? [])], ...(sha256 ? { sha256 } : {}) },
    checkpointKeys: recorded?.keptCheckpoints
      ? [...recorded.keptCheckpoints]
      : history.map((h) => keys.checkpoint(h.epoch)),
    ...(resume ? { lastCheckpointKey: resume.key } : {}),
    // Running totals since step 0, carried by the last evaluation point (every checkpoint is one).
    trainLossSum: evaluations.at(-1)?.trainLossSum ?? 0,
    trainSamples: evaluations.at(-1)?.trainSamples ?? 0,
  };
  // A checkpoint inside an epoch (the end of a fractional window) resumes at the next batch of that
  // epoch's order, with the epoch's running loss restored: no step is trained twice or skipped.
  const resumeOffset = state.step - (state.startEpoch - 1) * stepsPerEpoch;
  if (resumeOffset !== (state.partial?.steps ?? 0))
    throw new CheckpointMismatchError(
      `checkpoint ${resume?.key} is at step ${state.step}, ${resumeOffset} steps into epoch ${state.startEpoch}, but records ${state.partial?.steps ?? 0}`,
      resume?.key ?? '',
    );
  if (resume) {
    restoreWeights(loop.tf, loop.network.saved, resume.variables, resume.key);
    await importOptimizerState(loop.tf, loop.optimizer, resume.optimizer);
    loop.log?.info('resumed from checkpoint', {
      key: resume.key,
      epoch: resume.state.epoch,
      step: state.step,
    });
  }
  return state;
}

/** The early-stopping state after the epochs recorded so far; undefined without `training.stopping`. */
export function stoppingStateNow(loop: LoopContext, state: RunState): StoppingState | undefined {
  const { stopping, epochs } = loop.input.training;
  if (!stopping) return undefined;
  return stoppingStateOf(
    state.history.map((h) => h.valAccuracy),
    stopping,
    epochs,
  );
}
