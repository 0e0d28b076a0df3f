/**
 * The training loop of one candidate: a manual optimizer step per batch (so snapshots, shuffling and
 * resume are exact), a probe snapshot at step 0, every `snapshotEvery` steps and at each epoch's end,
 * evaluation and a checkpoint after each epoch. Resuming from a checkpoint reproduces the snapshots of an
 * uninterrupted run byte for byte (same backend): shuffling depends only on (seed, epoch), and weights and
 * optimizer state are restored exactly.
 */
import { setImmediate } from 'node:timers/promises';
import type { LayersModel, Optimizer, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { computeBetaEff } from '../capacitance/beta-eff.js';
import type { InteractionStats } from '../capacitance/interaction-model.js';
import { encodeSnapshot } from '../capacitance/snapshot.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import type { sweepKeys } from '../store/keys.js';
import { computeBatchStats } from './batch-stats.js';
import { writeCheckpoint, type Checkpoint, type SavedVariable } from './checkpoint.js';
import {
  CheckpointMismatchError,
  NonFiniteLossError,
  TrainingCancelledError,
  TrainingInterruptedError,
} from './errors.js';
import type { Batch, Feed } from './feed.js';
import { exportOptimizerState, importOptimizerState } from './optimizer-state.js';
import { readProbeWeights, type Probe } from './probe.js';
import type { ResolvedTrainingInput } from './resolve-input.js';
import { epochOrder } from './rng.js';
import type { DatasetSplit } from './split.js';
import type { Clock, EpochSummary, TrainingLogger, TrainingProgress } from './types.js';
import type { Tf } from '../tf/tf-namespace.js';

/** A weight saved in checkpoints (LayerVariable-like). */
export interface WeightHandle {
  readonly name: string;
  readonly shape: (number | null)[];
  read(): Tensor;
  write(value: Tensor): unknown;
}

export interface TrainingNetwork {
  /** `finetune`: applied to each batch's input (inference mode: BatchNorm uses its moving statistics, no dropout). Absent in `frozen` mode, where batches are features. */
  backbone?: LayersModel;
  probe: Probe;
  /** The variables the optimizer updates, in a fixed order (optimizer state is positional). */
  trainable: Variable[];
  /** Every weight a checkpoint saves and restores, in a fixed order. */
  saved: WeightHandle[];
}

export type CandidateKeys = ReturnType<ReturnType<typeof sweepKeys>['candidate']>;

export interface TrainLoopOptions {
  tf: Tf;
  store: ArtifactStore;
  network: TrainingNetwork;
  optimizer: Optimizer;
  feed: Feed;
  split: DatasetSplit;
  numClasses: number;
  input: ResolvedTrainingInput;
  keys: CandidateKeys;
  /** Identity of the training setup, recorded in checkpoints. */
  fingerprint: string;
  /** Checkpoint to resume from. */
  resume?: Checkpoint;
  onProgress?: (progress: TrainingProgress) => void;
  signal?: AbortSignal;
  /** Stop after the next epoch's checkpoint (the worker is shutting down). */
  drain?: AbortSignal;
  clock: Clock;
  log?: TrainingLogger;
}

export interface TrainLoopOutcome {
  history: EpochSummary[];
  snapshots: { steps: number[]; betaEff: (number | null)[]; sha256?: string[] };
  checkpointKeys: string[];
  resumedFromEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Seconds spent in this call. */
  trainSeconds: number;
}

/** β_eff with the sweep's scoring settings, or null when undefined (e.g. a zero denominator). */
function betaEffOf(
  kernels: Parameters<typeof computeBetaEff>[0],
  monitor: ResolvedTrainingInput['monitor'],
  stats: InteractionStats | undefined,
  log?: TrainingLogger,
): number | null {
  // Activity-dependent models need the batch statistics; a snapshot without them (step 0) has no β_eff.
  if (monitor.interactionModel === 'gradient-coupled' && !stats) return null;
  try {
    return computeBetaEff(kernels, {
      skipInputProjection: monitor.skipInputProjection,
      model: monitor.interactionModel,
      ...(stats ? { stats } : {}),
    }).betaEff;
  } catch (error) {
    log?.warn('β_eff not computable for a snapshot', { reason: (error as Error).message });
    return null;
  }
}

export async function runTrainingLoop(options: TrainLoopOptions): Promise<TrainLoopOutcome> {
  const { tf, store, network, optimizer, feed, split, numClasses, input, keys, clock, log, signal } = options;
  const { epochs, batchSize, snapshotEvery, seed } = input.training;
  const started = clock.now();
  const stepsPerEpoch = Math.ceil(split.train.length / batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const { backbone, probe } = network;

  const history: EpochSummary[] = [...(options.resume?.state.history ?? [])];
  const snapshotSteps: number[] = [...(options.resume?.state.snapshots.steps ?? [])];
  const snapshotBeta: (number | null)[] = [...(options.resume?.state.snapshots.betaEff ?? [])];
  // Checksums recorded at write, checked at read (scoring); a checkpoint without them leaves them unknown.
  const resumedSha = options.resume?.state.snapshots.sha256;
  const snapshotSha: string[] | undefined =
    options.resume && resumedSha?.length !== snapshotSteps.length ? undefined : [...(resumedSha ?? [])];
  const snapshotRecord = () => ({
    steps: snapshotSteps,
    betaEff: snapshotBeta,
    ...(snapshotSha ? { sha256: snapshotSha } : {}),
  });
  const checkpointKeys: string[] = history.map((h) => keys.checkpoint(h.epoch));
  let step = options.resume?.state.step ?? 0;
  const startEpoch = (options.resume?.state.epoch ?? 0) + 1;
  let lastCheckpointKey = options.resume?.key;

  if (options.resume) {
    restoreWeights(tf, network.saved, options.resume.variables, options.resume.key);
    await importOptimizerState(tf, optimizer, options.resume.optimizer);
    log?.info('resumed from checkpoint', {
      key: options.resume.key,
      epoch: options.resume.state.epoch,
      step,
    });
  }

  /** Probe input for a batch: backbone features (finetune) or the batch itself (frozen). */
  const probeInput = (x: Tensor): Tensor =>
    backbone ? (backbone.apply(x, { training: false }) as Tensor) : x;
  const labelsOneHot = (labels: Int32Array): Tensor => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);

  const snapshot = async (
    atStep: number,
    batch: Batch | undefined,
  ): Promise<{ key: string; betaEff: number | null }> => {
    const { kernels, biases } = await readProbeWeights(probe);
    let extra;
    if (input.probe.recordBatchStats && batch) {
      const features = tf.tidy(() => probeInput(batch.x));
      try {
        extra = await computeBatchStats(tf, probe, features, batch.labels, numClasses);
      } finally {
        if (features !== batch.x) features.dispose();
      }
    }
    const bytes = encodeSnapshot({
      kernels,
      biases,
      ...(extra ? { extra } : {}),
      metadata: {
        sweepId: input.sweepId,
        candidateId: input.candidateId,
        epoch: atStep === 0 ? 0 : Math.floor((atStep - 1) / stepsPerEpoch),
        step: atStep,
      },
      extraMetadata: { mode: input.mode, stepsPerEpoch: String(stepsPerEpoch) },
    });
    const key = keys.snapshot(atStep);
    const written = await store.put(key, bytes);
    snapshotSha?.push(written.sha256);
    const betaEff = betaEffOf(kernels, input.monitor, extra, log);
    snapshotSteps.push(atStep);
    snapshotBeta.push(betaEff);
    return { key, betaEff };
  };

  const cancelled = (): TrainingCancelledError =>
    new TrainingCancelledError(input.candidateId, step, lastCheckpointKey, { cause: signal?.reason });

  if (step === 0) {
    let first: Batch | undefined;
    if (input.probe.recordBatchStats) {
      const it = feed.batches(epochOrder(split.train, seed, 1).slice(0, batchSize), batchSize);
      first = (await it.next()).value as Batch | undefined;
      await it.return(undefined);
    }
    try {
      const { key, betaEff } = await snapshot(0, first);
      options.onProgress?.({
        epoch: 1,
        step: 0,
        totalSteps,
        loss: Number.NaN,
        snapshotKey: key,
        ...(betaEff === null ? {} : { betaEff }),
      });
    } finally {
      first?.x.dispose();
    }
  }

  for (let epoch = startEpoch; epoch <= epochs; epoch++) {
    const epochStarted = clock.now();
    let lossSum = 0;
    let stepsInEpoch = 0;
    let lastLoss = Number.NaN;
    for await (const batch of feed.batches(epochOrder(split.train, seed, epoch), batchSize)) {
      try {
        // One macrotask turn per batch: with in-memory batches and the cpu/wasm backends every await
        // above is a microtask, which would starve the event loop and hold back cancellation and
        // heartbeat delivery until the whole run ends.
        await setImmediate();
        if (signal?.aborted) throw cancelled();
        const lossTensor = tf.tidy(
          () =>
            optimizer.minimize(
              () => {
                const logits = probe.model.apply(probeInput(batch.x), { training: true }) as Tensor;
                return tf.losses.softmaxCrossEntropy(labelsOneHot(batch.labels), logits) as Scalar;
              },
              true,
              network.trainable,
            ) as Scalar,
        );
        step++;
        stepsInEpoch++;
        const loss = (await lossTensor.data())[0] as number;
        lossTensor.dispose();
        if (!Number.isFinite(loss)) throw new NonFiniteLossError(input.candidateId, epoch, step, loss);
        lossSum += loss;
        lastLoss = loss;
        const progress: TrainingProgress = { epoch, step, totalSteps, loss };
        if (step % snapshotEvery === 0 || stepsInEpoch === stepsPerEpoch) {
          const { key, betaEff } = await snapshot(step, batch);
          progress.snapshotKey = key;
          if (betaEff !== null) progress.betaEff = betaEff;
        }
        options.onProgress?.(progress);
      } finally {
        batch.x.dispose();
      }
    }

    const evaluation = await evaluate(
      tf,
      feed,
      split.validation,
      batchSize,
      (x) => probe.model.apply(probeInput(x), { training: false }) as Tensor,
      labelsOneHot,
    );
    const summary: EpochSummary = {
      epoch,
      trainLoss: stepsInEpoch > 0 ? lossSum / stepsInEpoch : Number.NaN,
      valLoss: evaluation.loss,
      valAccuracy: evaluation.accuracy,
      step,
      seconds: (clock.now() - epochStarted) / 1000,
    };
    history.push(summary);
    const variables: SavedVariable[] = [];
    for (const w of network.saved) {
      variables.push({
        name: w.name,
        shape: [...w.read().shape],
        values: Float32Array.from((await w.read().data()) as Float32Array),
      });
    }
    lastCheckpointKey = await writeCheckpoint(store, keys.checkpoint(epoch), {
      variables,
      optimizer: await exportOptimizerState(tf, optimizer),
      state: {
        version: 1,
        sweepId: input.sweepId,
        candidateId: input.candidateId,
        epoch,
        step,
        fingerprint: options.fingerprint,
        rng: { seed, nextEpoch: epoch + 1 },
        optimizer: input.training.optimizer,
        history,
        snapshots: snapshotRecord(),
      },
    });
    checkpointKeys.push(lastCheckpointKey);
    log?.info('epoch done', {
      epoch,
      step,
      trainLoss: summary.trainLoss,
      valAccuracy: summary.valAccuracy,
      checkpoint: lastCheckpointKey,
    });
    options.onProgress?.({
      epoch,
      step,
      totalSteps,
      loss: lastLoss,
      ...(evaluation.accuracy === null ? {} : { valAccuracy: evaluation.accuracy }),
      ...(evaluation.loss === null ? {} : { valLoss: evaluation.loss }),
      checkpointKey: lastCheckpointKey,
    });
    if (options.drain?.aborted && epoch < epochs)
      throw new TrainingInterruptedError(input.candidateId, epoch, lastCheckpointKey);
  }

  return {
    history,
    snapshots: snapshotRecord(),
    checkpointKeys,
    resumedFromEpoch: options.resume?.state.epoch ?? 0,
    stepsPerEpoch,
    totalSteps,
    trainSeconds: (clock.now() - started) / 1000,
  };
}

/** Writes saved values back into the network's weights, by position. */
function restoreWeights(
  tf: Tf,
  handles: readonly WeightHandle[],
  saved: readonly SavedVariable[],
  checkpointKey: string,
): void {
  if (handles.length !== saved.length) {
    throw new CheckpointMismatchError(
      `checkpoint ${checkpointKey} holds ${saved.length} weights but the network has ${handles.length}`,
      checkpointKey,
    );
  }
  handles.forEach((handle, i) => {
    const value = saved[i] as SavedVariable;
    const shape = handle.read().shape;
    if (shape.length !== value.shape.length || shape.some((d, k) => d !== value.shape[k])) {
      throw new CheckpointMismatchError(
        `checkpoint ${checkpointKey}: weight ${i} (${value.name}) has shape [${value.shape.join(', ')}], the network's ${handle.name} [${shape.join(', ')}]`,
        checkpointKey,
      );
    }
    const t = tf.tensor(value.values, value.shape, 'float32');
    try {
      handle.write(t);
    } finally {
      t.dispose();
    }
  });
}

/** Mean loss and accuracy over `indices`; nulls when there are none. */
async function evaluate(
  tf: Tf,
  feed: Feed,
  indices: readonly number[],
  batchSize: number,
  logitsOf: (x: Tensor) => Tensor,
  labelsOneHot: (labels: Int32Array) => Tensor,
): Promise<{ loss: number | null; accuracy: number | null }> {
  if (indices.length === 0) return { loss: null, accuracy: null };
  let lossSum = 0;
  let correct = 0;
  for await (const batch of feed.batches(indices, batchSize)) {
    try {
      const [lossTotal, hits] = tf.tidy(() => {
        const logits = logitsOf(batch.x);
        const perSample = tf.losses.softmaxCrossEntropy(
          labelsOneHot(batch.labels),
          logits,
          undefined,
          undefined,
          tf.Reduction.NONE,
        );
        const predicted = tf.argMax(logits, -1);
        return [
          tf.sum(perSample),
          tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(batch.labels, 'int32')), 'int32')),
        ];
      });
      lossSum += (await lossTotal.data())[0] as number;
      correct += (await hits.data())[0] as number;
      tf.dispose([lossTotal, hits]);
    } finally {
      batch.x.dispose();
    }
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length };
}
