/**
 * The training loop of one candidate: a manual optimizer step per batch (so snapshots, shuffling and
 * resume are exact), a probe snapshot at step 0, every `snapshotEvery` steps and at each evaluation point,
 * validation `evaluationsPerEpoch` times per epoch (the last at its end) and a checkpoint after each epoch.
 * With `training.stopping` the run ends at a validation plateau and the test set is scored on the best
 * epoch's weights. Resuming from a checkpoint reproduces the snapshots and evaluations of an
 * uninterrupted run byte for byte (same backend): shuffling depends only on (seed, epoch), weights and
 * optimizer state are restored exactly, and the stopping state is a fold over the restored history.
 */
import { setImmediate } from 'node:timers/promises';
import type { LayersModel, Optimizer, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { computeBetaEff } from '../capacitance/beta-eff.js';
import type { InteractionStats } from '../capacitance/interaction-model.js';
import { encodeSnapshot } from '../capacitance/snapshot.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import type { sweepKeys } from '../store/keys.js';
import { computeBatchStats } from './batch-stats.js';
import { readCheckpointAt, writeCheckpoint, type Checkpoint, type SavedVariable } from './checkpoint.js';
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
import { stepsForEpochs } from './epoch-steps.js';
import type { DatasetSplit } from './split.js';
import { stoppingStateOf, type StoppingState } from './stopping.js';
import type {
  Clock,
  EpochSummary,
  EvaluationPoint,
  FullTrainingSummary,
  TestSummary,
  TrainingLogger,
  TrainingProgress,
} from './types.js';
import type { Tf } from '../tf/tf-namespace.js';

/** Samples to evaluate on: a feed and the indices it serves. */
export interface EvaluationSet {
  feed: Feed;
  indices: readonly number[];
}

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
  /** Its `train` indices are trained on (through `feed`). */
  split: Pick<DatasetSplit, 'train'>;
  /** What validation evaluates (`split.validation` through `feed`, or a separate set). */
  validation: EvaluationSet;
  /** Scored once after training. */
  test?: EvaluationSet;
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
  evaluations: EvaluationPoint[];
  fullTraining?: FullTrainingSummary;
  test?: TestSummary;
  compute: { trainSamples: number; evalSamples: number };
  snapshots: { steps: number[]; betaEff: (number | null)[]; sha256?: string[] };
  checkpointKeys: string[];
  /** Epochs (fractional inside an epoch) already trained when this call started. */
  resumedFromEpoch: number;
  /** Steps already trained when this call started: this call trained `totalSteps − resumedFromStep`. */
  resumedFromStep: number;
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

/**
 * The global steps of epoch `epoch` (1-based) at which validation is evaluated: `perEpoch` evenly spaced
 * points, the last at the epoch's end (fewer when the epoch has fewer steps than points).
 */
export function evaluationSteps(epoch: number, stepsPerEpoch: number, perEpoch: number): number[] {
  const base = (epoch - 1) * stepsPerEpoch;
  const offsets = new Set<number>();
  for (let k = 1; k <= perEpoch; k++) {
    const offset = Math.round((k * stepsPerEpoch) / perEpoch);
    if (offset > 0) offsets.add(offset);
  }
  return [...offsets].sort((a, b) => a - b).map((o) => base + o);
}

export async function runTrainingLoop(options: TrainLoopOptions): Promise<TrainLoopOutcome> {
  const { tf, store, network, optimizer, feed, split, numClasses, input, keys, clock, log, signal } = options;
  const { epochs, batchSize, snapshotEvery, seed, evaluationsPerEpoch, stopping } = input.training;
  const started = clock.now();
  const stepsPerEpoch = Math.ceil(split.train.length / batchSize);
  // A fractional window ends inside its last epoch, after round(epochs × stepsPerEpoch) steps.
  const totalSteps = stepsForEpochs(epochs, stepsPerEpoch);
  const lastEpoch = Math.ceil(totalSteps / stepsPerEpoch);
  const { backbone, probe } = network;

  const history: EpochSummary[] = [...(options.resume?.state.history ?? [])];
  const evaluations: EvaluationPoint[] = [...(options.resume?.state.evaluations ?? [])];
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
  const checkpointKeys: string[] = options.resume?.state.keptCheckpoints
    ? [...options.resume.state.keptCheckpoints]
    : history.map((h) => keys.checkpoint(h.epoch));
  let step = options.resume?.state.step ?? 0;
  const startEpoch = (options.resume?.state.epoch ?? 0) + 1;
  // A checkpoint inside an epoch (the end of a fractional window) resumes at the next batch of that
  // epoch's order, with the epoch's running loss restored: no step is trained twice or skipped.
  const partial = options.resume?.state.partialEpoch;
  const resumeOffset = step - (startEpoch - 1) * stepsPerEpoch;
  if (resumeOffset !== (partial?.steps ?? 0))
    throw new CheckpointMismatchError(
      `checkpoint ${options.resume?.key} is at step ${step}, ${resumeOffset} steps into epoch ${startEpoch}, but records ${partial?.steps ?? 0}`,
      options.resume?.key ?? '',
    );
  let lastCheckpointKey = options.resume?.key;
  // Running totals since step 0, carried across a resume by the last evaluation point (every checkpoint is one).
  let trainLossSum = evaluations.at(-1)?.trainLossSum ?? 0;
  let trainSamples = evaluations.at(-1)?.trainSamples ?? 0;
  const stoppingState = (): StoppingState | undefined =>
    stopping
      ? stoppingStateOf(
          history.map((h) => h.valAccuracy),
          stopping,
          epochs,
        )
      : undefined;

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
  const logitsOf = (x: Tensor): Tensor => probe.model.apply(probeInput(x), { training: false }) as Tensor;
  const validate = () =>
    evaluate(tf, options.validation.feed, options.validation.indices, batchSize, logitsOf, labelsOneHot);

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

  for (let epoch = startEpoch; epoch <= lastEpoch && step < totalSteps; epoch++) {
    if (stoppingState()?.phase === 'stopped') break;
    const epochStarted = clock.now();
    const resumedInside = epoch === startEpoch && partial ? partial : undefined;
    // Where this call stops in this epoch: its end, or the window's end inside it.
    const stopStep = Math.min(epoch * stepsPerEpoch, totalSteps);
    const evalAt = new Set(evaluationSteps(epoch, stepsPerEpoch, evaluationsPerEpoch));
    evalAt.add(stopStep);
    let lossSum = resumedInside?.lossSum ?? 0;
    let stepsInEpoch = resumedInside?.steps ?? 0;
    let lastLoss = Number.NaN;
    let lossSinceEval = 0;
    let stepsSinceEval = 0;
    const evaluationPoint = (
      atStep: number,
      metrics: { loss: number | null; accuracy: number | null },
    ): EvaluationPoint => {
      const point: EvaluationPoint = {
        step: atStep,
        epoch: atStep / stepsPerEpoch,
        trainLoss: stepsSinceEval > 0 ? lossSinceEval / stepsSinceEval : Number.NaN,
        trainLossSum,
        trainSamples,
        valLoss: metrics.loss,
        valAccuracy: metrics.accuracy,
      };
      lossSinceEval = 0;
      stepsSinceEval = 0;
      evaluations.push(point);
      return point;
    };
    const order = epochOrder(split.train, seed, epoch).slice(stepsInEpoch * batchSize);
    for await (const batch of feed.batches(order, batchSize)) {
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
        lossSinceEval += loss;
        stepsSinceEval++;
        trainLossSum += loss;
        trainSamples += batch.indices.length;
        const progress: TrainingProgress = { epoch, step, totalSteps, loss };
        const epochEnd = stepsInEpoch === stepsPerEpoch;
        if (step % snapshotEvery === 0 || epochEnd || evalAt.has(step)) {
          const { key, betaEff } = await snapshot(step, batch);
          progress.snapshotKey = key;
          if (betaEff !== null) progress.betaEff = betaEff;
        }
        // Inside the epoch here; the epoch's (or the window's) end is evaluated below, after the batches.
        if (evalAt.has(step) && step !== stopStep) {
          const metrics = await validate();
          evaluationPoint(step, metrics);
          if (metrics.accuracy !== null) progress.valAccuracy = metrics.accuracy;
          if (metrics.loss !== null) progress.valLoss = metrics.loss;
        }
        options.onProgress?.(progress);
        if (step >= stopStep) break;
      } finally {
        batch.x.dispose();
      }
    }

    const evaluation = await validate();
    evaluationPoint(step, evaluation);
    // False when a fractional window ends inside this epoch: that checkpoint records where in the epoch.
    const epochComplete = step === epoch * stepsPerEpoch;
    const summary: EpochSummary = {
      epoch,
      trainLoss: stepsInEpoch > 0 ? lossSum / stepsInEpoch : Number.NaN,
      valLoss: evaluation.loss,
      valAccuracy: evaluation.accuracy,
      step,
      seconds: (clock.now() - epochStarted) / 1000,
    };
    if (epochComplete) history.push(summary);
    const state = epochComplete ? stoppingState() : undefined;
    const variables: SavedVariable[] = [];
    for (const w of network.saved) {
      variables.push({
        name: w.name,
        shape: [...w.read().shape],
        values: Float32Array.from((await w.read().data()) as Float32Array),
      });
    }
    const checkpointKey = epochComplete ? keys.checkpoint(epoch) : keys.checkpointInside(epoch - 1, step);
    // A full-training run keeps only the checkpoints of its best and its last epoch.
    const kept = state
      ? [...new Set([keys.checkpoint(state.bestEpoch), checkpointKey])].sort()
      : [...checkpointKeys, checkpointKey];
    lastCheckpointKey = await writeCheckpoint(store, checkpointKey, {
      variables,
      optimizer: await exportOptimizerState(tf, optimizer),
      state: {
        version: 1,
        sweepId: input.sweepId,
        candidateId: input.candidateId,
        epoch: epochComplete ? epoch : epoch - 1,
        step,
        ...(epochComplete ? {} : { partialEpoch: { steps: stepsInEpoch, lossSum } }),
        fingerprint: options.fingerprint,
        rng: { seed, nextEpoch: epochComplete ? epoch + 1 : epoch },
        optimizer: input.training.optimizer,
        history,
        evaluations,
        keptCheckpoints: kept,
        snapshots: snapshotRecord(),
      },
    });
    for (const old of checkpointKeys) if (!kept.includes(old)) await store.deletePrefix(old);
    checkpointKeys.splice(0, checkpointKeys.length, ...kept);
    log?.info(epochComplete ? 'epoch done' : 'window done inside an epoch', {
      epoch,
      step,
      trainLoss: summary.trainLoss,
      valAccuracy: summary.valAccuracy,
      checkpoint: lastCheckpointKey,
      ...(state ? { bestEpoch: state.bestEpoch, stopping: state.phase } : {}),
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
    if (options.drain?.aborted && step < totalSteps)
      throw new TrainingInterruptedError(input.candidateId, epoch, lastCheckpointKey);
  }

  const finalState = stoppingState();
  let fullTraining: FullTrainingSummary | undefined;
  if (stopping && finalState) {
    const best = history[finalState.bestEpoch - 1];
    fullTraining = {
      patience: stopping.patience,
      minDelta: stopping.minDelta,
      maxEpochs: epochs,
      epochsRun: history.length,
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

  let test: TestSummary | undefined;
  if (options.test && options.test.indices.length > 0) {
    const lastEpoch = history.at(-1)?.epoch ?? 0;
    const scoredEpoch = fullTraining && fullTraining.bestEpoch > 0 ? fullTraining.bestEpoch : lastEpoch;
    if (scoredEpoch !== lastEpoch) {
      const best = await readCheckpointAt(store, keys.checkpoint(scoredEpoch));
      restoreWeights(tf, network.saved, best.variables, best.key);
    }
    const metrics = await evaluate(
      tf,
      options.test.feed,
      options.test.indices,
      batchSize,
      logitsOf,
      labelsOneHot,
    );
    test = {
      accuracy: metrics.accuracy ?? Number.NaN,
      loss: metrics.loss ?? Number.NaN,
      samples: options.test.indices.length,
      epoch: scoredEpoch,
    };
    log?.info('test set scored', { epoch: scoredEpoch, accuracy: test.accuracy });
  }
  if (fullTraining && test && Number.isFinite(test.accuracy)) fullTraining.finalAccuracy = test.accuracy;

  return {
    history,
    evaluations,
    ...(fullTraining ? { fullTraining } : {}),
    ...(test ? { test } : {}),
    compute: {
      trainSamples,
      evalSamples: evaluations.length * options.validation.indices.length + (test?.samples ?? 0),
    },
    snapshots: snapshotRecord(),
    checkpointKeys,
    resumedFromEpoch: (options.resume?.state.step ?? 0) / stepsPerEpoch,
    resumedFromStep: options.resume?.state.step ?? 0,
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
