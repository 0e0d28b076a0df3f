/**
 * Per-epoch checkpoints: `weights.safetensors` (every model weight and the optimizer state) first, then
 * `state.json` (epoch, step, RNG state, history, the weights' SHA-256) as the commit marker. A checkpoint
 * without `state.json`, or whose weights do not match the recorded hash, does not exist for resuming.
 */
import { createHash } from 'node:crypto';
import type { ArtifactStore } from '../store/artifact-store.js';
import { ArtifactNotFoundError } from '../store/errors.js';
import { CorruptCheckpointError } from './errors.js';
import type { OptimizerTensor } from './optimizer-state.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../formats/safetensors.js';
import type { EpochSummary, EvaluationPoint, OptimizerName, TrainingLogger } from './types.js';

export const CHECKPOINT_WEIGHTS_FILE = 'weights.safetensors';
export const CHECKPOINT_STATE_FILE = 'state.json';

/** A model weight as saved. */
export interface SavedVariable {
  /** The weight's name in the model (informational; restore is by position). */
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface CheckpointState {
  version: 1;
  sweepId: string;
  candidateId: string;
  /** Epochs completed (1-based number of the last one). */
  epoch: number;
  /** Global optimizer steps completed. */
  step: number;
  /**
   * Set when the checkpoint lies inside epoch `epoch + 1` (a fractional window ended there): the steps of
   * that epoch already trained and the sum of their losses. Absent at an epoch's end.
   */
  partialEpoch?: { steps: number; lossSum: number };
  /** Hash of the training setup; a checkpoint resumes only a run with the same one. */
  fingerprint: string;
  /** Shuffling depends only on (seed, epoch): this is the whole RNG state. */
  rng: { seed: number; nextEpoch: number };
  optimizer: OptimizerName;
  weights: {
    file: string;
    /** SHA-256 (hex) of the weights file. */
    sha256: string;
    bytes: number;
    variables: { name: string; shape: number[] }[];
    optimizerTensors: { name: string; dtype: 'float32' | 'int32'; shape: number[] }[];
  };
  history: EpochSummary[];
  /** Every validation evaluation so far (absent in checkpoints of earlier versions). */
  evaluations?: EvaluationPoint[];
  /** Checkpoint prefixes still stored after this one was written (absent: one per epoch). */
  keptCheckpoints?: string[];
  snapshots: { steps: number[]; betaEff: (number | null)[]; sha256?: string[] };
}

export interface Checkpoint {
  /** Key prefix of the checkpoint folder. */
  key: string;
  state: CheckpointState;
  variables: SavedVariable[];
  optimizer: OptimizerTensor[];
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes a checkpoint under `prefix` (a folder key ending in `/`): weights first, `state.json` last. */
export async function writeCheckpoint(
  store: ArtifactStore,
  prefix: string,
  content: {
    variables: readonly SavedVariable[];
    optimizer: readonly OptimizerTensor[];
    state: Omit<CheckpointState, 'weights'>;
  },
): Promise<string> {
  const tensors: SafetensorsTensor[] = [
    ...content.variables.map((v, i) => ({
      name: `model.${i}`,
      dtype: 'F32' as const,
      shape: v.shape,
      data: v.values,
    })),
    ...content.optimizer.map((t, i) => ({
      name: `optimizer.${i}`,
      dtype: t.dtype === 'int32' ? ('I32' as const) : ('F32' as const),
      shape: t.shape,
      data: t.values,
    })),
  ];
  const bytes = encodeSafetensors(tensors, {
    sweepId: content.state.sweepId,
    candidateId: content.state.candidateId,
    epoch: String(content.state.epoch),
  });
  await store.put(`${prefix}${CHECKPOINT_WEIGHTS_FILE}`, bytes);
  const state: CheckpointState = {
    ...content.state,
    weights: {
      file: CHECKPOINT_WEIGHTS_FILE,
      sha256: sha256Hex(bytes),
      bytes: bytes.byteLength,
      variables: content.variables.map((v) => ({ name: v.name, shape: v.shape })),
      optimizerTensors: content.optimizer.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
    },
  };
  await store.put(`${prefix}${CHECKPOINT_STATE_FILE}`, JSON.stringify(state, null, 1), {
    contentType: 'application/json',
  });
  return prefix;
}

/**
 * Reads the checkpoint under `key` (a folder prefix).
 * @throws CorruptCheckpointError when it is missing, incomplete or does not match its hash.
 */
export async function readCheckpointAt(store: ArtifactStore, key: string): Promise<Checkpoint> {
  const corrupt = (why: string, cause?: unknown): never => {
    throw new CorruptCheckpointError(`checkpoint ${key}: ${why}`, key, { cause });
  };
  let state: CheckpointState;
  try {
    state = JSON.parse(
      Buffer.from(await store.get(`${key}${CHECKPOINT_STATE_FILE}`)).toString('utf8'),
    ) as CheckpointState;
  } catch (error) {
    return corrupt(`unreadable ${CHECKPOINT_STATE_FILE}`, error);
  }
  if (state.version !== 1 || !state.weights) corrupt(`unknown state version ${String(state.version)}`);
  let bytes: Uint8Array;
  try {
    bytes = await store.get(`${key}${state.weights.file}`);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) return corrupt(`${state.weights.file} is missing`, error);
    throw error;
  }
  if (sha256Hex(bytes) !== state.weights.sha256)
    corrupt(`${state.weights.file} does not match the SHA-256 in ${CHECKPOINT_STATE_FILE}`);
  const file = await decodeSafetensors(bytes);
  const variables = state.weights.variables.map((v, i): SavedVariable => {
    const t = file.tensor(`model.${i}`) ?? corrupt(`model.${i} missing`);
    return {
      name: v.name,
      shape: v.shape,
      values: new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4),
    };
  });
  const optimizer = state.weights.optimizerTensors.map((o, i): OptimizerTensor => {
    const t = file.tensor(`optimizer.${i}`) ?? corrupt(`optimizer.${i} missing`);
    const values =
      o.dtype === 'int32'
        ? new Int32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4)
        : new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength / 4);
    return { name: o.name, dtype: o.dtype, shape: o.shape, values };
  });
  return { key, state, variables, optimizer };
}

/** `epoch-0003/` (after 3 epochs) or `epoch-0003.step-000000050/` (at step 50, inside epoch 4). */
const CHECKPOINT_FOLDER = /epoch-(\d{4,})(?:\.step-(\d+))?\/state\.json$/;

/**
 * The latest complete checkpoint under `checkpointsPrefix`, or `undefined`. A corrupt one is logged and
 * skipped in favour of the one before.
 */
export async function readLatestCheckpoint(
  store: ArtifactStore,
  checkpointsPrefix: string,
  log?: TrainingLogger,
): Promise<Checkpoint | undefined> {
  const committed: { epoch: number; inside: number; key: string }[] = [];
  for await (const info of store.list(checkpointsPrefix)) {
    const match = CHECKPOINT_FOLDER.exec(info.key);
    if (match)
      committed.push({
        epoch: Number(match[1]),
        inside: match[2] === undefined ? 0 : Number(match[2]),
        key: info.key.slice(0, -CHECKPOINT_STATE_FILE.length),
      });
  }
  // Latest first: by completed epochs, then a checkpoint inside the next epoch after that epoch's end.
  committed.sort((a, b) => b.epoch - a.epoch || b.inside - a.inside);
  for (const { key } of committed) {
    try {
      return await readCheckpointAt(store, key);
    } catch (error) {
      if (!(error instanceof CorruptCheckpointError)) throw error;
      log?.warn('skipping corrupt checkpoint', { key, reason: error.message });
    }
  }
  return undefined;
}
