import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSnapshot } from '../../../activities/capacitance/snapshot.js';
import { computeBetaEff } from '../../../activities/capacitance/beta-eff.js';
import { logme } from '../../../activities/selection/logme.js';
import { betaTrajectory } from '../../../activities/selection/sweep-evidence.js';
import { stratifiedSplit } from '../../../activities/training/split.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import type { ArtifactStore } from '../../../activities/store/artifact-store.js';
import { readLatestCheckpoint } from '../../../activities/training/checkpoint.js';
import { unpackOutcomes } from '../../../activities/training/outcome-bitmap.js';
import {
  CheckpointMismatchError,
  NonFiniteLossError,
  TrainingCancelledError,
} from '../../../activities/training/errors.js';
import { decodeSafetensors } from '../../../activities/formats/safetensors.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import type { CandidateTrainingInput, TrainingLogger } from '../../../activities/training/types.js';
import {
  progressRecorder,
  saveModel,
  syntheticImages,
  tempDir,
  tempStore,
  tf,
  tinyConvModel,
  useCpuBackend,
  writeIdentityGraphModel,
  writeSafetensorsDataset,
} from './helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
let modelUri: string;
let datasetUri: string;
/** The model as saved, for oracle computations. */
let original: tf.LayersModel;
const images = syntheticImages(120, 3);

beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('train');
  original = tinyConvModel({ hidden: 12, seed: 3 });
  modelUri = await saveModel(original, join(dir.path, 'zoo', 'tiny'));
  datasetUri = await writeSafetensorsDataset(join(dir.path, 'data'), images);
});
afterAll(async () => {
  original.dispose();
  await dir.cleanup();
});

/** 120 samples, 3 balanced classes, 25 % validation → 90 train → 6 steps of 16 per epoch. */
const STEPS_PER_EPOCH = 6;

function input(
  overrides: Partial<CandidateTrainingInput> = {},
  training: Partial<CandidateTrainingInput['training']> = {},
): CandidateTrainingInput {
  return {
    sweepId: 'sweep-1',
    candidateId: 'tiny',
    model: { uri: modelUri },
    dataset: { uri: datasetUri, normalisation: '[0,1]', validationFraction: 0.25, seed: 1 },
    mode: 'finetune',
    probe: { widths: [8, 6] },
    // Three probe kernels in all: score every one (the spec's default leaves the input projection out).
    monitor: { skipInputProjection: false },
    training: {
      epochs: 2,
      batchSize: 16,
      learningRate: 0.01,
      optimizer: 'adam',
      snapshotEvery: 4,
      seed: 42,
      ...training,
    },
    ...overrides,
  };
}

async function readAll(store: ArtifactStore, prefix: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const info of store.list(prefix))
    out.set(info.key.slice(prefix.length), await store.get(info.key));
  return out;
}

function recordingLogger(): TrainingLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(`WARN ${m}`) };
}

describe('runCandidateTraining (finetune)', () => {
  it('writes snapshots at step 0, every snapshotEvery steps and at epoch ends, checkpoints and result.json', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const progress = progressRecorder();
      const result = await runCandidateTraining(input(), { tf, store, onProgress: progress.onProgress });
      const keys = sweepKeys('sweep-1').candidate('tiny');
      // Steps 0, 4, 8 (snapshotEvery) and 6, 12 (epoch ends).
      const expectedSteps = [0, 4, 6, 8, 12];
      expect(result.snapshots.steps).toEqual(expectedSteps);
      const files = await readAll(store, keys.snapshotsPrefix);
      expect([...files.keys()]).toEqual(
        expectedSteps.map((s) => `${String(s).padStart(10, '0')}.safetensors`),
      );

      for (const [i, step] of expectedSteps.entries()) {
        const snap = decodeSnapshot(files.get(`${String(step).padStart(10, '0')}.safetensors`)!);
        expect(snap.metadata).toMatchObject({ sweepId: 'sweep-1', candidateId: 'tiny', step });
        expect(snap.kernels.map((k) => [k.inDim, k.outDim])).toEqual([
          [12, 8],
          [8, 6],
          [6, 3],
        ]);
        expect(snap.biases.every((b) => b instanceof Float32Array)).toBe(true);
        // β_eff in the result is the β_eff of the stored kernels.
        expect(result.snapshots.betaEff[i]).toBeCloseTo(computeBetaEff(snap.kernels).betaEff, 5);
      }
      expect(result.training).toMatchObject({
        stepsPerEpoch: STEPS_PER_EPOCH,
        totalSteps: 2 * STEPS_PER_EPOCH,
      });
      // No dataset.numClasses: inferred from the labels (every class has samples); a stratified split.
      expect(result.dataset).toEqual({
        numClasses: 3,
        trainSamples: 90,
        valSamples: 30,
        testSamples: 0,
        valMajorityRate: 10 / 30,
        inferredClasses: { numClasses: 3, withoutSamples: 0 },
      });
      expect(result.model).toMatchObject({
        format: 'layers-model',
        featureLayer: 'features',
        featureDim: 12,
        inputShape: [8, 8, 1],
      });
      expect(result.parameters.probe).toBe(12 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3);
      expect(result.parameters.backbone).toBe(original.countParams() - (12 * 3 + 3));
      expect(result.parameters.backboneTrainable).toBe(result.parameters.backbone);
      expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2]);
      for (const e of result.epochs) {
        expect(e.valAccuracy).toBeGreaterThanOrEqual(0);
        expect(e.valAccuracy).toBeLessThanOrEqual(1);
        expect(Number.isFinite(e.trainLoss)).toBe(true);
      }
      expect(result.checkpointKeys).toEqual([keys.checkpoint(1), keys.checkpoint(2)]);
      expect(await store.exists(`${keys.checkpoint(2)}state.json`)).toBe(true);
      expect(JSON.parse(Buffer.from(await store.get(keys.result)).toString())).toEqual(result);
      expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(64 * 1024);
      expect(result.resumedFromEpoch).toBe(0);

      // Progress: one call per step plus the step-0 snapshot and one per epoch end (with the checkpoint).
      const steps = progress.calls.filter((c) => c.checkpointKey === undefined).map((c) => c.step);
      expect(steps).toEqual(Array.from({ length: 13 }, (_, i) => i));
      // Every report says what the model is fed: the input shape the result records.
      expect(progress.calls.every((c) => c.inputShape?.join() === result.model.inputShape.join())).toBe(true);
      const ends = progress.calls.filter((c) => c.checkpointKey !== undefined);
      expect(ends.map((c) => [c.epoch, c.step, c.checkpointKey])).toEqual([
        [1, 6, keys.checkpoint(1)],
        [2, 12, keys.checkpoint(2)],
      ]);
      expect(ends.every((c) => typeof c.valAccuracy === 'number')).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('learns the synthetic task (validation accuracy well above chance)', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const result = await runCandidateTraining(
        input({}, { epochs: 4, learningRate: 0.02, snapshotEvery: 100 }),
        {
          tf,
          store,
        },
      );
      expect(result.epochs.at(-1)!.valAccuracy).toBeGreaterThan(0.6);
      expect(result.epochs.at(-1)!.trainLoss).toBeLessThan(result.epochs[0]!.trainLoss);
    } finally {
      await cleanup();
    }
  });

  it('keeps the number of live tensors flat across steps and releases everything at the end', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const before = tf.memory().numTensors;
      const duringSteps: number[] = [];
      const atEpochEnds: number[] = [];
      await runCandidateTraining(input({}, { epochs: 3 }), {
        tf,
        store,
        onProgress: (p) => void (p.checkpointKey ? atEpochEnds : duringSteps).push(tf.memory().numTensors),
      });
      // Adam creates its moment variables at the first step; from then on the count must not move
      // (during a step the current batch is alive; at an epoch's end it is not).
      const steady = duringSteps.slice(2);
      expect(steady).toHaveLength(3 * STEPS_PER_EPOCH - 1);
      expect(new Set(steady).size).toBe(1);
      expect(new Set(atEpochEnds).size).toBe(1);
      expect(atEpochEnds[0]).toBeLessThan(steady[0]!);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await cleanup();
    }
  });

  it('resumes after a cancellation and yields byte-identical snapshots, checkpoints weights and result fields', async () => {
    for (const optimizer of ['adam', 'momentum'] as const) {
      const a = await tempStore();
      const b = await tempStore();
      try {
        // 8 steps per epoch: resuming at iteration 8 is where Adam's β1^t product differs from pow(β1, t) in
        // float32, so this also checks that its running products are restored as saved.
        const spec = input({}, { epochs: 3, optimizer, snapshotEvery: 5, batchSize: 12 });
        const uninterrupted = await runCandidateTraining(spec, { tf, store: a.store });

        const controller = new AbortController();
        const error = await runCandidateTraining(spec, {
          tf,
          store: b.store,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.checkpointKey && p.epoch === 1) controller.abort(new Error('test interrupt'));
          },
        }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TrainingCancelledError);
        const keys = sweepKeys('sweep-1').candidate('tiny');
        expect((error as TrainingCancelledError).lastCheckpointKey).toBe(keys.checkpoint(1));
        expect(await b.store.exists(keys.result)).toBe(false);
        expect(await b.store.exists(`${keys.checkpoint(2)}state.json`)).toBe(false);

        const resumed = await runCandidateTraining(spec, { tf, store: b.store });
        expect(resumed.resumedFromEpoch).toBe(1);

        const snapsA = await readAll(a.store, keys.snapshotsPrefix);
        const snapsB = await readAll(b.store, keys.snapshotsPrefix);
        expect([...snapsB.keys()]).toEqual([...snapsA.keys()]);
        for (const [name, bytes] of snapsA)
          expect(
            Buffer.compare(Buffer.from(snapsB.get(name)!), Buffer.from(bytes)),
            `${optimizer} ${name}`,
          ).toBe(0);
        const final = `${keys.checkpoint(3)}weights.safetensors`;
        expect(
          Buffer.compare(Buffer.from(await b.store.get(final)), Buffer.from(await a.store.get(final))),
        ).toBe(0);
        expect(resumed.snapshots).toEqual(uninterrupted.snapshots);
        expect(resumed.epochs.map(({ seconds: _s, ...e }) => e)).toEqual(
          uninterrupted.epochs.map(({ seconds: _s, ...e }) => e),
        );
      } finally {
        await a.cleanup();
        await b.cleanup();
      }
    }
  });

  it('continues a shorter observation window when epochs grow (same snapshots as one long run)', async () => {
    const a = await tempStore();
    const b = await tempStore();
    try {
      await runCandidateTraining(input({}, { epochs: 2 }), { tf, store: a.store });
      await runCandidateTraining(input({}, { epochs: 1 }), { tf, store: b.store });
      const extended = await runCandidateTraining(input({}, { epochs: 2 }), { tf, store: b.store });
      expect(extended.resumedFromEpoch).toBe(1);
      const prefix = sweepKeys('sweep-1').candidate('tiny').snapshotsPrefix;
      const snapsA = await readAll(a.store, prefix);
      const snapsB = await readAll(b.store, prefix);
      expect([...snapsB.keys()]).toEqual([...snapsA.keys()]);
      for (const [name, bytes] of snapsA)
        expect(Buffer.compare(Buffer.from(snapsB.get(name)!), Buffer.from(bytes))).toBe(0);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  it('stops at a fractional epoch and continues rung by rung with no step trained twice (same weights as one run)', async () => {
    const a = await tempStore();
    const b = await tempStore();
    try {
      const keys = sweepKeys('sweep-1').candidate('tiny');
      const whole = await runCandidateTraining(input({}, { epochs: 2 }), { tf, store: a.store });
      // Rungs ¼, ½, 1½, 2 epochs of 6 steps: stops after steps 2 (round 1.5), 3, 9 and 12.
      const trained: number[] = [];
      const calls = [];
      for (const epochs of [0.25, 0.5, 1.5, 2]) {
        const rung = await runCandidateTraining(input({}, { epochs }), {
          tf,
          store: b.store,
          onProgress: (p) => {
            if (Number.isFinite(p.loss) && p.checkpointKey === undefined) trained.push(p.step);
          },
        });
        calls.push({
          epochs: rung.training.epochs,
          totalSteps: rung.training.totalSteps,
          from: rung.resumedFromStep,
          last: rung.evaluations!.at(-1)!.step,
        });
      }
      expect(calls).toEqual([
        { epochs: 0.25, totalSteps: 2, from: 0, last: 2 },
        { epochs: 0.5, totalSteps: 3, from: 2, last: 3 },
        { epochs: 1.5, totalSteps: 9, from: 3, last: 9 },
        { epochs: 2, totalSteps: 12, from: 9, last: 12 },
      ]);
      expect(trained).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      // A checkpoint inside an epoch, found as the latest while it is.
      expect(await b.store.exists(`${keys.checkpointInside(1, 9)}state.json`)).toBe(true);
      const final = `${keys.checkpoint(2)}weights.safetensors`;
      expect(
        Buffer.compare(Buffer.from(await b.store.get(final)), Buffer.from(await a.store.get(final))),
      ).toBe(0);
      // Every snapshot of the single run exists, byte-identical, in the rung-by-rung one.
      const snapsA = await readAll(a.store, keys.snapshotsPrefix);
      const snapsB = await readAll(b.store, keys.snapshotsPrefix);
      for (const [name, bytes] of snapsA)
        expect(Buffer.compare(Buffer.from(snapsB.get(name)!), Buffer.from(bytes)), name).toBe(0);
      const result = JSON.parse(Buffer.from(await b.store.get(keys.result)).toString('utf8'));
      expect(result.epochs.map((e: { trainLoss: number }) => e.trainLoss)).toEqual(
        whole.epochs.map((e) => e.trainLoss),
      );
      // Every evaluation, each rung's deciding one included, left a correctness bitmap of the validation
      // images whose mean is the accuracy recorded; the single run's are byte-identical.
      const valSamples = whole.dataset.valSamples;
      for (const e of result.evaluations as { step: number; valAccuracy: number }[]) {
        const bits = await b.store.get(keys.outcomes(e.step));
        expect(bits.length).toBe(Math.ceil(valSamples / 8));
        const hits = unpackOutcomes(bits, valSamples);
        expect(hits.reduce((s, h) => s + h, 0) / valSamples).toBeCloseTo(e.valAccuracy, 12);
        if (whole.evaluations!.some((w) => w.step === e.step))
          expect(
            Buffer.compare(Buffer.from(await a.store.get(keys.outcomes(e.step))), Buffer.from(bits)),
          ).toBe(0);
      }
      for (const call of calls) expect(await b.store.exists(keys.outcomes(call.last))).toBe(true);
      expect(result.compute.trainSamples).toBe(whole.compute!.trainSamples);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  it('rebuilds result.json from the last checkpoint when training had finished but the result was lost', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const first = await runCandidateTraining(input(), { tf, store });
      const keys = sweepKeys('sweep-1').candidate('tiny');
      await store.deletePrefix(keys.result);
      const progress = progressRecorder();
      const again = await runCandidateTraining(input(), { tf, store, onProgress: progress.onProgress });
      expect(progress.calls).toEqual([]);
      expect(again.resumedFromEpoch).toBe(2);
      expect(again.snapshots).toEqual(first.snapshots);
      expect(again.epochs).toEqual(first.epochs);
      expect(await store.exists(keys.result)).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('refuses to resume a checkpoint written for another setup', async () => {
    const { store, cleanup } = await tempStore();
    try {
      await runCandidateTraining(input({}, { epochs: 1 }), { tf, store });
      await expect(
        runCandidateTraining(input({}, { epochs: 2, learningRate: 0.5 }), { tf, store }),
      ).rejects.toThrow(CheckpointMismatchError);
    } finally {
      await cleanup();
    }
  });

  it('stops before the first step when already cancelled, writing no checkpoint', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const controller = new AbortController();
      controller.abort();
      await expect(runCandidateTraining(input(), { tf, store, signal: controller.signal })).rejects.toThrow(
        TrainingCancelledError,
      );
      const keys = sweepKeys('sweep-1').candidate('tiny');
      expect(await readLatestCheckpoint(store, keys.checkpointsPrefix)).toBeUndefined();
    } finally {
      await cleanup();
    }
  });

  it('fails with NonFiniteLossError naming candidate, epoch and step when the loss blows up', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const spec = input({
        dataset: { uri: datasetUri, normalisation: { scale: 1e38 }, validationFraction: 0.25 },
      });
      const error = await runCandidateTraining(spec, { tf, store }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NonFiniteLossError);
      expect(error).toMatchObject({ candidateId: 'tiny', epoch: 1, step: 1, nonRetryable: true });
      expect((error as Error).message).toMatch(/candidate tiny.*epoch 1, step 1/);
    } finally {
      await cleanup();
    }
  });

  it('keeps the NCP unit at its initialisation with probe.trainable=false while the head trains', async () => {
    const { store, cleanup } = await tempStore();
    try {
      await runCandidateTraining(input({ probe: { widths: [8, 6], trainable: false } }), { tf, store });
      const files = await readAll(store, sweepKeys('sweep-1').candidate('tiny').snapshotsPrefix);
      const snaps = [...files.values()].map((bytes) => decodeSnapshot(bytes));
      const first = snaps[0]!;
      const last = snaps.at(-1)!;
      for (const l of [0, 1])
        expect(Array.from(last.kernels[l]!.values)).toEqual(Array.from(first.kernels[l]!.values));
      expect(Array.from(last.kernels[2]!.values)).not.toEqual(Array.from(first.kernels[2]!.values));
    } finally {
      await cleanup();
    }
  });

  it('records gradient-coupled batch statistics in the snapshots when asked, and monitors that β_eff', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const monitor = { interactionModel: 'gradient-coupled', skipInputProjection: false } as const;
      const result = await runCandidateTraining(
        input({ probe: { widths: [8, 6], recordBatchStats: true }, monitor }, { epochs: 1 }),
        { tf, store },
      );
      // What progress and result.json show is what the ranking computes from the same snapshots.
      const ranked = await betaTrajectory(store, 'sweep-1', 'tiny', monitor);
      expect(result.snapshots.betaEff).toHaveLength(ranked.length);
      result.snapshots.betaEff.forEach((b, i) => expect(b).toBeCloseTo(ranked[i]!.betaEff, 5));
      const files = await readAll(store, sweepKeys('sweep-1').candidate('tiny').snapshotsPrefix);
      for (const [name, bytes] of files) {
        const snap = decodeSnapshot(bytes);
        // Every batch holds 16 samples except an epoch's last (90 = 5·16 + 10), which ends at step 6.
        const rows = name.startsWith('0000000006') ? 10 : 16;
        expect(snap.extra.get('stats.0.input')?.shape).toEqual([rows, 12]);
        expect(snap.extra.get('stats.1.dact')?.shape).toEqual([rows, 6]);
        expect(snap.extra.get('stats.2.delta')?.shape).toEqual([rows, 3]);
        expect(snap.extra.has('stats.2.dact')).toBe(false);
      }
    } finally {
      await cleanup();
    }
  });
});

describe('runCandidateTraining (frozen)', () => {
  it('caches backbone features once per model and dataset, reuses them, and never moves the backbone', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const log = recordingLogger();
      const first = await runCandidateTraining(input({ mode: 'frozen', candidateId: 'c1' }), {
        tf,
        store,
        log,
      });
      const second = await runCandidateTraining(input({ mode: 'frozen', candidateId: 'c2' }), {
        tf,
        store,
        log,
      });
      expect(first.featureCacheKey).toMatch(/^features\/[0-9a-f]{64}\/rows-[0-9a-f]{32}\.safetensors$/);
      expect(second.featureCacheKey).toBe(first.featureCacheKey);
      expect(log.lines.filter((l) => l.startsWith('frozen features computed'))).toHaveLength(1);
      expect(log.lines.filter((l) => l.startsWith('frozen features loaded from cache'))).toHaveLength(1);
      expect(first.parameters.backboneTrainable).toBe(0);

      // The cached features are the untouched backbone's outputs (oracle: the original model's 'features' layer).
      const cache = await decodeSafetensors(await store.get(first.featureCacheKey!));
      const cached = cache.tensor('features')!;
      expect(cached.entry.shape).toEqual([120, 12]);
      const oracle = tf.model({
        inputs: original.inputs,
        outputs: original.getLayer('features').output as tf.SymbolicTensor,
      });
      const x = tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(images.x), images.shape), 255));
      const expected = (oracle.predict(x) as tf.Tensor).dataSync();
      const actual = new Float32Array(cached.bytes.buffer, 0, cached.bytes.byteLength / 4);
      for (let i = 0; i < expected.length; i += 37) expect(actual[i]).toBeCloseTo(expected[i]!, 5);
      x.dispose();

      // LogME of the training split's cached features (the split is the seeded one training used).
      const train = stratifiedSplit(
        Array.from({ length: 120 }, (_, i) => i),
        images.y,
        0.25,
        1,
      ).train;
      const rows = train.flatMap((i) => Array.from(actual.subarray(i * 12, i * 12 + 12)));
      expect(first.selectionSignals?.logme).toBeCloseTo(
        logme(
          rows,
          train.length,
          12,
          train.map((i) => images.y[i]!),
        ),
        9,
      );

      // Only the probe is checkpointed (and trained) in frozen mode.
      const checkpoint = await readLatestCheckpoint(
        store,
        sweepKeys('sweep-1').candidate('c1').checkpointsPrefix,
      );
      const saved = checkpoint!.variables.reduce((s, v) => s + v.values.length, 0);
      expect(saved).toBe(first.parameters.probe);
      // Frozen and finetune probes start from the same seeded initialisation.
      expect(first.snapshots.betaEff[0]).toBe(second.snapshots.betaEff[0]);
    } finally {
      await cleanup();
    }
  });
});

describe('runCandidateTraining (frozen, pooled features)', () => {
  it('pools a spatial LayersModel cut to its channels, caching it apart from the unpooled cut', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const pooled = await runCandidateTraining(
        input({ mode: 'frozen', model: { uri: modelUri, featureLayer: 'relu', featurePooling: 'average' } }),
        { tf, store },
      );
      const flat = await runCandidateTraining(
        input({ mode: 'frozen', candidateId: 'flat', model: { uri: modelUri, featureLayer: 'relu' } }),
        { tf, store },
      );
      expect(pooled.model).toMatchObject({ featureLayer: 'relu', featurePooling: 'average', featureDim: 4 });
      expect(flat.model.featureDim).toBe(8 * 8 * 4);
      expect(flat.model.featurePooling).toBeUndefined();
      expect(pooled.featureCacheKey).not.toBe(flat.featureCacheKey);
      expect(pooled.probe.kernelShapes[0]).toEqual([4, 8]);
      // Oracle: the per-image channel means of the flattened relu maps the other run cached.
      const read = async (key: string) => {
        const t = (await decodeSafetensors(await store.get(key))).tensor('features')!;
        return new Float32Array(t.bytes.buffer, 0, t.bytes.byteLength / 4);
      };
      const pooledFeatures = await read(pooled.featureCacheKey!);
      const flatFeatures = await read(flat.featureCacheKey!);
      for (const sample of [0, 57, 119]) {
        for (let c = 0; c < 4; c++) {
          let sum = 0;
          for (let p = 0; p < 64; p++) sum += flatFeatures[sample * 256 + p * 4 + c]!;
          expect(pooledFeatures[sample * 4 + c]).toBeCloseTo(sum / 64, 5);
        }
      }
    } finally {
      await cleanup();
    }
  });

  it('pools a GraphModel node (max), and rejects pooling a vector node naming the field', async () => {
    const graphDir = join(dir.path, 'graph-nhwc');
    await writeIdentityGraphModel(graphDir, [8, 8, 1]);
    const { store, cleanup } = await tempStore();
    try {
      const result = await runCandidateTraining(
        input(
          { mode: 'frozen', model: { uri: `file://${graphDir}/model.json`, featurePooling: 'max' } },
          { epochs: 1 },
        ),
        { tf, store },
      );
      expect(result.model).toMatchObject({ format: 'graph-model', featureDim: 1, featurePooling: 'max' });
      const cache = (await decodeSafetensors(await store.get(result.featureCacheKey!))).tensor('features')!;
      const features = new Float32Array(cache.bytes.buffer, 0, cache.bytes.byteLength / 4);
      for (const sample of [0, 33, 119]) {
        const pixels = Array.from(images.x.subarray(sample * 64, (sample + 1) * 64));
        expect(features[sample]).toBeCloseTo(Math.max(...pixels) / 255, 6);
      }
      const vectorDir = await writeIdentityGraphModel(join(dir.path, 'graph-vector'), 64);
      await expect(
        runCandidateTraining(
          input({
            mode: 'frozen',
            candidateId: 'vector',
            model: { uri: `file://${vectorDir}/model.json`, featurePooling: 'average' },
          }),
          { tf, store },
        ),
      ).rejects.toThrow(/featurePooling needs a spatial output.*'Identity'/);
    } finally {
      await cleanup();
    }
  });
});

describe('backbone weights', () => {
  /** A tf whose loaded models record their weights when disposed (i.e. after training). */
  function spyingTf() {
    const finalWeights: Float32Array[][] = [];
    const spy = {
      ...tf,
      loadLayersModel: async (handler: tf.io.IOHandler) => {
        const model = await tf.loadLayersModel(handler);
        const dispose = model.dispose.bind(model);
        model.dispose = () => {
          finalWeights.push(model.weights.map((w) => Float32Array.from(w.read().dataSync())));
          return dispose();
        };
        return model;
      },
    } as typeof tf;
    return { spy, finalWeights };
  }
  const originalWeights = () => original.weights.map((w) => Array.from(w.read().dataSync()));

  it('do not move in frozen mode', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const { spy, finalWeights } = spyingTf();
      await runCandidateTraining(input({ mode: 'frozen' }), { tf: spy, store });
      expect(finalWeights).toHaveLength(1);
      expect(finalWeights[0]!.map((w) => Array.from(w))).toEqual(originalWeights());
    } finally {
      await cleanup();
    }
  });

  it('move in finetune mode (all but the cut-off classifier)', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const { spy, finalWeights } = spyingTf();
      await runCandidateTraining(input({ mode: 'finetune' }), { tf: spy, store });
      const before = originalWeights();
      const after = finalWeights[0]!.map((w) => Array.from(w));
      const moved = original.weights.map(
        (w, i) => [w.originalName, JSON.stringify(after[i]) !== JSON.stringify(before[i])] as const,
      );
      expect(
        moved
          .filter(([, m]) => m)
          .map(([n]) => n)
          .sort(),
      ).toEqual(['conv/bias', 'conv/kernel', 'features/bias', 'features/kernel']);
    } finally {
      await cleanup();
    }
  });
});

describe('GraphModels', () => {
  async function identityGraph(): Promise<string> {
    const graphDir = await writeIdentityGraphModel(join(dir.path, 'graph'), 64);
    return `file://${graphDir}/model.json`;
  }

  it('serve as frozen feature extractors (here: a vector-input identity graph on flattened 8×8 images)', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const result = await runCandidateTraining(
        input({ mode: 'frozen', model: { uri: await identityGraph() } }, { epochs: 1 }),
        { tf, store },
      );
      expect(result.model).toMatchObject({
        format: 'graph-model',
        featureLayer: 'Identity',
        featureDim: 64,
        inputShape: [64],
      });
      // The cached features are the normalised pixels themselves.
      const cache = (await decodeSafetensors(await store.get(result.featureCacheKey!))).tensor('features')!;
      const features = new Float32Array(cache.bytes.buffer, 0, cache.bytes.byteLength / 4);
      for (const i of [0, 100, 4000]) expect(features[i]).toBeCloseTo(images.x[i]! / 255, 6);
    } finally {
      await cleanup();
    }
  });

  it('are refused for finetune mode with a clear error', async () => {
    const { store, cleanup } = await tempStore();
    try {
      await expect(
        runCandidateTraining(input({ mode: 'finetune', model: { uri: await identityGraph() } }), {
          tf,
          store,
        }),
      ).rejects.toThrow(/GraphModel.*use mode 'frozen'/);
    } finally {
      await cleanup();
    }
  });
});
