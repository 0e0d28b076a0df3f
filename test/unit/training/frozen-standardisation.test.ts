import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../../activities/formats/safetensors.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import type { CandidateTrainingInput } from '../../../activities/training/types.js';
import { seededRandom, tempDir, tempStore, tf, useCpuBackend, writeIdentityGraphModel } from './helpers.js';

const CLASSES = 3;
const DIMS = 16;
/** Magnitude of the large dimensions, like a face embedding's few dims of 10–130 among dims of 0.05. */
const SCALES = Array.from({ length: DIMS }, (_, j) => (j % 4 === 0 ? 100 : 0.05));
const OFFSETS = Array.from({ length: DIMS }, (_, j) => (j % 4 === 0 ? 300 : 0));

/**
 * `n` float32 feature rows: the class shifts every dimension by a class-specific ±1 (in its own units), so
 * standardised the classes are easy to tell apart, and every dimension then lives on its own scale and offset.
 */
async function writeFeatures(dir: string, name: string, n: number, seed: number): Promise<string> {
  const random = seededRandom(seed);
  const classSign = (c: number, j: number) => (((c * 7 + j * 3) % 5) - 2) / 2;
  const x = new Float32Array(n * DIMS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES;
    y[i] = c;
    for (let j = 0; j < DIMS; j++)
      x[i * DIMS + j] =
        OFFSETS[j]! + SCALES[j]! * ((SCALES[j]! > 1 ? 0 : classSign(c, j)) + 0.5 * (random() * 2 - 1));
  }
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(
    path,
    encodeSafetensors([
      { name: 'x', dtype: 'F32', shape: [n, DIMS], data: x },
      { name: 'y', dtype: 'I32', shape: [n], data: y },
    ]),
  );
  return pathToFileURL(path).href;
}

let dir: { path: string; cleanup: () => Promise<void> };
let modelUri: string;
let trainUri: string;
let validationUri: string;
let testUri: string;

beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('standardise');
  modelUri = pathToFileURL(
    join(await writeIdentityGraphModel(join(dir.path, 'graph'), DIMS), 'model.json'),
  ).href;
  trainUri = await writeFeatures(dir.path, 'train.safetensors', 150, 1);
  validationUri = await writeFeatures(dir.path, 'validation.safetensors', 60, 2);
  testUri = await writeFeatures(dir.path, 'test.safetensors', 60, 3);
});
afterAll(async () => {
  await dir.cleanup();
});

function input(standardiseFeatures: boolean | undefined): CandidateTrainingInput {
  return {
    sweepId: 'sweep-1',
    candidateId: `probe-${String(standardiseFeatures)}`,
    model: { uri: modelUri },
    dataset: { uri: trainUri, validationUri, testUri, normalisation: 'none' },
    mode: 'frozen',
    probe: { widths: [32, 16], ...(standardiseFeatures !== undefined ? { standardiseFeatures } : {}) },
    training: { epochs: 4, batchSize: 16, learningRate: 0.002, seed: 2001 },
  };
}

describe('a frozen probe on features of magnitude 100 with large offsets', () => {
  it('learns them standardised (the default) where it collapses on the raw features', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const on = await runCandidateTraining(input(undefined), { tf, store });
      const off = await runCandidateTraining(input(false), { tf, store });
      // Validation and test are separate files: they must get the training split's statistics too.
      expect(on.probe.standardisedFeatures).toBe(true);
      expect(on.epochs.at(-1)!.valAccuracy).toBeGreaterThan(0.9);
      expect(on.test!.accuracy).toBeGreaterThan(0.9);
      // The fault this guards against: on the raw features the same probe stays near chance (1/3).
      expect(off.probe.standardisedFeatures).toBe(false);
      expect(off.epochs.at(-1)!.valAccuracy).toBeLessThan(0.5);
      // Extraction and LogME see the raw features either way.
      expect(on.featureCacheKey).toBe(off.featureCacheKey);
      expect(on.selectionSignals?.logme).toBe(off.selectionSignals?.logme);
    } finally {
      await cleanup();
    }
  });
});
