/**
 * The checkpoint after an epoch (or at a fractional window's end inside one): every saved weight, the
 * optimizer's state and the run state, so a resumed run continues exactly. A full-training run keeps
 * only the checkpoints of its best and its last epoch.
 */
import { writeCheckpoint, type CheckpointState, type SavedVariable } from './checkpoint.js';
import type { EpochState } from './epoch-state.js';
import type { LoopContext } from './loop-context.js';
import { exportOptimizerState } from './optimizer-state.js';
import { stoppingStateNow, type RunState } from './run-state.js';
import type { StoppingState } from './stopping.js';
import type { WeightHandle } from './train-loop-types.js';

async function savedVariables(weights: readonly WeightHandle[]): Promise<SavedVariable[]> {
  const variables: SavedVariable[] = [];
  for (const w of weights) {
    variables.push({
      name: w.name,
      shape: [...w.read().shape],
      values: Float32Array.from((await w.read().data()) as Float32Array),
    });
  }
  return variables;
}

/** The run state a checkpoint records (its weights section is added when it is written). */
function checkpointStateOf(
  loop: LoopContext,
  state: RunState,
  current: EpochState,
  epochComplete: boolean,
  kept: string[],
): Omit<CheckpointState, 'weights'> {
  const { input } = loop;
  const { epoch } = current;
  return {
    version: 1,
    sweepId: input.sweepId,
    candidateId: input.candidateId,
    epoch: epochComplete ? epoch : epoch - 1,
    step: state.step,
    ...(epochComplete ? {} : { partialEpoch: { steps: current.steps, lossSum: current.lossSum } }),
    fingerprint: loop.fingerprint,
    rng: { seed: input.training.seed, nextEpoch: epochComplete ? epoch + 1 : epoch },
    optimizer: input.training.optimizer,
    history: state.history,
    evaluations: state.evaluations,
    keptCheckpoints: kept,
    snapshots: state.snapshots,
  };
}

/**
 * Writes the checkpoint and deletes those no longer kept; returns its key and, after a complete epoch of
 * a full-training run, the stopping state it was kept by.
 */
export async function writeEpochCheckpoint(
  loop: LoopContext,
  state: RunState,
  current: EpochState,
  epochComplete: boolean,
): Promise<{ checkpointKey: string; stopping: StoppingState | undefined }> {
  const { keys, store } = loop;
  const stopping = epochComplete ? stoppingStateNow(loop, state) : undefined;
  const variables = await savedVariables(loop.network.saved);
  const key = epochComplete
    ? keys.checkpoint(current.epoch)
    : keys.checkpointInside(current.epoch - 1, state.step);
  const kept = stopping
    ? [...new Set([keys.checkpoint(stopping.bestEpoch), key])].sort()
    : [...state.checkpointKeys, key];
  const checkpointKey = await writeCheckpoint(store, key, {
    variables,
    optimizer: await exportOptimizerState(loop.tf, loop.optimizer),
    state: checkpointStateOf(loop, state, current, epochComplete, kept),
  });
  state.lastCheckpointKey = checkpointKey;
  for (const old of state.checkpointKeys) if (!kept.includes(old)) await store.deletePrefix(old);
  state.checkpointKeys = kept;
  return { checkpointKey, stopping };
}
