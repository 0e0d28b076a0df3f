/**
 * Two tiny candidates trained for two epochs against the real S3 server: models and data live in the
 * bucket (outside the sweep stores), snapshots and checkpoints go to S3. One run is interrupted after
 * epoch 1 (abort signal) and resumed; its snapshots must be byte-identical to an uninterrupted run's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSnapshot } from '../../../activities/capacitance/snapshot.js';
import type { ArtifactStore } from '../../../activities/store/artifact-store.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import { openStore } from '../../../activities/store/open-store.js';
import { TrainingCancelledError } from '../../../activities/training/errors.js';
import { folderSaveHandler } from '../../../activities/training/model-io.js';
import { encodeSafetensors } from '../../../activities/formats/safetensors.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import type { CandidateTrainingInput, TrainingDeps } from '../../../activities/training/types.js';
import { createTestBucket, testS3Options } from '../../helpers/stack.js';
import { syntheticImages, tempDir, tinyConvModel } from '../../unit/training/helpers.js';

const SWEEP = 'sweep-int';
const CANDIDATES = [
  { id: 'small', hidden: 10, seed: 1 },
  { id: 'wide', hidden: 16, seed: 2 },
] as const;

let bucket: { bucket: string; uri: string; cleanup: () => Promise<void> };
let local: { path: string; cleanup: () => Promise<void> };
const opened: ArtifactStore[] = [];
const open = (uri: string): ArtifactStore => {
  const store = openStore(uri, { s3: testS3Options() });
  opened.push(store);
  return store;
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  bucket = await createTestBucket('training');
  local = await tempDir('int-training');
  const zoo = open(`s3://${bucket.bucket}`);
  for (const c of CANDIDATES) {
    const model = tinyConvModel({ hidden: c.hidden, seed: c.seed });
    const dir = join(local.path, c.id);
    await model.save(folderSaveHandler(dir));
    model.dispose();
    await zoo.put(`zoo/${c.id}/model.json`, await readFile(join(dir, 'model.json')));
    await zoo.put(`zoo/${c.id}/weights.bin`, await readFile(join(dir, 'weights.bin')));
  }
  const data = syntheticImages(150, 3);
  await zoo.put(
    'datasets/synthetic.safetensors',
    encodeSafetensors([
      { name: 'x', dtype: 'U8', shape: [...data.shape], data: data.x },
      { name: 'y', dtype: 'I64', shape: [150], data: BigInt64Array.from(data.y, (v) => BigInt(v)) },
    ]),
  );
});

afterAll(async () => {
  await Promise.allSettled(opened.map((s) => s.close()));
  await bucket?.cleanup();
  await local?.cleanup();
});

const input = (candidateId: string): CandidateTrainingInput => ({
  sweepId: SWEEP,
  candidateId,
  model: { uri: `s3://${bucket.bucket}/zoo/${candidateId}/model.json` },
  dataset: {
    uri: `s3://${bucket.bucket}/datasets/synthetic.safetensors`,
    normalisation: '[0,1]',
    validationFraction: 0.2,
    seed: 3,
  },
  mode: 'finetune',
  probe: { widths: [8, 6] },
  training: { epochs: 2, batchSize: 16, learningRate: 0.01, optimizer: 'adam', snapshotEvery: 3, seed: 11 },
});

const deps = (store: ArtifactStore, extra: Partial<TrainingDeps> = {}): TrainingDeps => ({
  tf,
  store,
  openStore: (uri) => Promise.resolve(open(uri)),
  ...extra,
});

async function snapshotsOf(store: ArtifactStore, candidateId: string): Promise<Map<string, Uint8Array>> {
  const prefix = sweepKeys(SWEEP).candidate(candidateId).snapshotsPrefix;
  const out = new Map<string, Uint8Array>();
  for await (const info of store.list(prefix))
    out.set(info.key.slice(prefix.length), await store.get(info.key));
  return out;
}

describe('training candidates against S3', () => {
  it('an interrupted and resumed run writes the same snapshots as an uninterrupted one', async () => {
    const straight = open(`${bucket.uri}/straight`);
    const interrupted = open(`${bucket.uri}/interrupted`);

    for (const c of CANDIDATES) {
      const result = await runCandidateTraining(input(c.id), deps(straight));
      expect(result.resumedFromEpoch).toBe(0);
      expect(result.epochs).toHaveLength(2);
    }

    for (const c of CANDIDATES) {
      const controller = new AbortController();
      const cancelled = await runCandidateTraining(
        input(c.id),
        deps(interrupted, {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.checkpointKey && p.epoch === 1) controller.abort();
          },
        }),
      ).catch((e: unknown) => e);
      expect(cancelled).toBeInstanceOf(TrainingCancelledError);
      const keys = sweepKeys(SWEEP).candidate(c.id);
      expect(await interrupted.exists(`${keys.checkpoint(1)}state.json`)).toBe(true);
      expect(await interrupted.exists(`${keys.checkpoint(1)}weights.safetensors`)).toBe(true);
      expect(await interrupted.exists(keys.result)).toBe(false);

      const resumed = await runCandidateTraining(input(c.id), deps(interrupted));
      expect(resumed.resumedFromEpoch).toBe(1);
      expect(resumed.checkpointKeys).toEqual([keys.checkpoint(1), keys.checkpoint(2)]);
    }

    for (const c of CANDIDATES) {
      const a = await snapshotsOf(straight, c.id);
      const b = await snapshotsOf(interrupted, c.id);
      // 150 samples, 20 % validation → 120 train → 8 steps per epoch: 0, 3, 6, 8, 9, 12, 15, 16.
      expect([...a.keys()]).toEqual(
        [0, 3, 6, 8, 9, 12, 15, 16].map((s) => `${String(s).padStart(10, '0')}.safetensors`),
      );
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [name, bytes] of a) {
        expect(Buffer.compare(Buffer.from(b.get(name)!), Buffer.from(bytes)), `${c.id} ${name}`).toBe(0);
      }
      const last = decodeSnapshot(a.get('0000000016.safetensors')!);
      expect(last.kernels.map((k) => [k.inDim, k.outDim])).toEqual([
        [c.hidden, 8],
        [8, 6],
        [6, 3],
      ]);
      expect(last.metadata).toEqual({ sweepId: SWEEP, candidateId: c.id, epoch: 1, step: 16 });
    }
  });
});
