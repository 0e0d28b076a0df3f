/**
 * The native TensorFlow backend (tfjs-node, built by the set-up step from PyPI's TensorFlow wheel): it
 * starts, registers none of the replacement kernels, and trains a candidate like the reference cpu backend
 * does (same losses, snapshots and β_eff within float tolerance); a run interrupted after an epoch resumes
 * from its checkpoint to the same snapshots as an uninterrupted run. Skipped, saying why, where the addon is
 * not built (the set-up step prints the reason).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSnapshot } from '../../../activities/capacitance/snapshot.js';
import type { ArtifactStore } from '../../../activities/store/artifact-store.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import { TrainingCancelledError } from '../../../activities/training/errors.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import type { CandidateResult, CandidateTrainingInput } from '../../../activities/training/types.js';
import { startTfRuntime, type TfRuntime } from '../../../activities/tf/runtime.js';
import {
  saveModel,
  syntheticImages,
  tempDir,
  tempStore,
  tf,
  tinyConvModel,
  writeSafetensorsDataset,
} from '../training/helpers.js';

function nativeAddonBuilt(): boolean {
  try {
    const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-node/package.json');
    return existsSync(join(dirname(pkg), 'lib', 'napi-v8', 'tfjs_binding.node'));
  } catch {
    return false;
  }
}

const native = nativeAddonBuilt();
if (!native)
  console.warn('tfjs-node addon not built (npm run setup:tools says why): native backend tests skipped');

let dir: { path: string; cleanup: () => Promise<void> };
let modelUri: string;
let datasetUri: string;

beforeAll(async () => {
  if (!native) return;
  dir = await tempDir('native');
  await tf.setBackend('cpu');
  const model = tinyConvModel({ hidden: 12, seed: 5 });
  modelUri = await saveModel(model, join(dir.path, 'zoo', 'tiny'));
  model.dispose();
  datasetUri = await writeSafetensorsDataset(join(dir.path, 'data'), syntheticImages(120, 3));
});
afterAll(async () => {
  await dir?.cleanup();
});

function input(training: Partial<CandidateTrainingInput['training']> = {}): CandidateTrainingInput {
  return {
    sweepId: 'sweep-native',
    candidateId: 'tiny',
    model: { uri: modelUri },
    dataset: { uri: datasetUri, normalisation: '[0,1]', validationFraction: 0.25, seed: 1 },
    mode: 'finetune',
    probe: { widths: [8, 6] },
    training: {
      epochs: 2,
      batchSize: 16,
      learningRate: 0.01,
      optimizer: 'adam',
      snapshotEvery: 4,
      seed: 42,
      ...training,
    },
  };
}

async function snapshots(store: ArtifactStore, candidate: string): Promise<Map<string, Uint8Array>> {
  const prefix = sweepKeys('sweep-native').candidate(candidate).snapshotsPrefix;
  const out = new Map<string, Uint8Array>();
  for await (const info of store.list(prefix))
    out.set(info.key.slice(prefix.length), await store.get(info.key));
  return out;
}

/** Largest absolute difference between the probe kernels of two snapshot sets with the same steps. */
function maxKernelDifference(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>): number {
  expect([...b.keys()]).toEqual([...a.keys()]);
  let worst = 0;
  for (const [name, bytes] of a) {
    const ka = decodeSnapshot(bytes).kernels;
    const kb = decodeSnapshot(b.get(name)!).kernels;
    expect(kb.map((k) => [k.inDim, k.outDim])).toEqual(ka.map((k) => [k.inDim, k.outDim]));
    for (const [l, kernel] of ka.entries()) {
      const other = kb[l]!.values;
      for (let i = 0; i < kernel.values.length; i++)
        worst = Math.max(worst, Math.abs(kernel.values[i]! - other[i]!));
    }
  }
  return worst;
}

describe.skipIf(!native)('the native TensorFlow backend (tfjs-node)', () => {
  let runtime: TfRuntime;
  let cpuResult: CandidateResult;
  let cpuSnapshots: Map<string, Uint8Array>;

  beforeAll(async () => {
    // Reference run on the pure-JS cpu backend first, then switch the process to tfjs-node.
    await tf.setBackend('cpu');
    const { store, cleanup } = await tempStore();
    try {
      cpuResult = await runCandidateTraining(input(), { tf, store });
      cpuSnapshots = await snapshots(store, 'tiny');
    } finally {
      await cleanup();
    }
    runtime = await startTfRuntime({
      backend: 'tfjs-node',
      env: {},
      logger: { info: () => {}, warn: () => {} },
    });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('starts the tensorflow engine backend without the replacement gradient kernels', () => {
    expect(runtime.backend).toBe('tfjs-node');
    expect(runtime.engineBackend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(runtime.kernels).toEqual([]);
    expect(runtime.description).toBe(`tf backend: tfjs-node tfjs ${tf.version_core}`);
  });

  it('trains a candidate like the cpu backend: losses, accuracies, snapshots and β_eff within float tolerance', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const before = tf.memory().numTensors;
      const result = await runCandidateTraining(input(), { tf, store });
      expect(tf.memory().numTensors).toBe(before);
      expect(result.snapshots.steps).toEqual(cpuResult.snapshots.steps);
      for (const [i, beta] of cpuResult.snapshots.betaEff.entries())
        expect(result.snapshots.betaEff[i]).toBeCloseTo(beta!, 4);
      for (const [i, epoch] of cpuResult.epochs.entries()) {
        expect(result.epochs[i]!.trainLoss).toBeCloseTo(epoch.trainLoss, 3);
        // 30 validation images: one flipped prediction is 1/30.
        expect(Math.abs(result.epochs[i]!.valAccuracy! - epoch.valAccuracy!)).toBeLessThanOrEqual(
          1 / 30 + 1e-9,
        );
      }
      expect(maxKernelDifference(cpuSnapshots, await snapshots(store, 'tiny'))).toBeLessThan(1e-3);
    } finally {
      await cleanup();
    }
  });

  it('resumes an interrupted run from its checkpoint to the snapshots of an uninterrupted one', async () => {
    const a = await tempStore();
    const b = await tempStore();
    try {
      const spec = input({ epochs: 3, snapshotEvery: 5, batchSize: 12 });
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
      const resumed = await runCandidateTraining(spec, { tf, store: b.store });
      expect(resumed.resumedFromEpoch).toBe(1);
      expect(resumed.snapshots.steps).toEqual(uninterrupted.snapshots.steps);
      // TensorFlow's multi-threaded CPU kernels may sum in a different order from run to run.
      expect(
        maxKernelDifference(await snapshots(a.store, 'tiny'), await snapshots(b.store, 'tiny')),
      ).toBeLessThan(1e-5);
      for (const [i, beta] of uninterrupted.snapshots.betaEff.entries())
        expect(resumed.snapshots.betaEff[i]).toBeCloseTo(beta!, 6);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });
});
