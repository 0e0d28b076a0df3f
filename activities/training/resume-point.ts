/**
 * Where a candidate's training resumes: its latest complete checkpoint, if it was written for the same
 * training setup. Snapshots past that point are removed (they are rewritten identically); without a
 * checkpoint every snapshot is.
 */
import { readLatestCheckpoint, type Checkpoint } from './checkpoint.js';
import type { CandidateRun } from './candidate-run.js';
import { CheckpointMismatchError } from './errors.js';

/** @throws CheckpointMismatchError when the latest checkpoint is another setup's (`fingerprint`). */
export async function resolveResumePoint(
  run: CandidateRun,
  fingerprint: string,
): Promise<Checkpoint | undefined> {
  const { store, keys, log, resolved } = run;
  const checkpoint = await readLatestCheckpoint(store, keys.checkpointsPrefix, log);
  if (checkpoint && checkpoint.state.fingerprint !== fingerprint) {
    throw new CheckpointMismatchError(
      `candidate ${resolved.candidateId} has a checkpoint (${checkpoint.key}) from a different training setup; ` +
        'use a new sweepId, or delete the candidate’s checkpoints to start over',
      checkpoint.key,
    );
  }
  if (!checkpoint) {
    await store.deletePrefix(keys.snapshotsPrefix);
    return undefined;
  }
  // Snapshots past the checkpoint belong to the interrupted epoch; they are rewritten identically.
  for await (const info of store.list(keys.snapshotsPrefix)) {
    const step = Number(/(\d+)\.safetensors$/.exec(info.key)?.[1] ?? Number.NaN);
    if (step > checkpoint.state.step) await store.deletePrefix(info.key);
  }
  return checkpoint;
}
