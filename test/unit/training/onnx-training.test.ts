/**
 * An ONNX candidate through the training activity: frozen mode trains the probe on its cached features
 * (PyTorch-exported backbone, test/fixtures/onnx); finetune is refused by the spec and by the activity.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { IncompatibleModelError } from '../../../activities/training/errors.js';
import { readNpyHeader } from '../../../activities/training/npy-file.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import { decodeSafetensors } from '../../../activities/formats/safetensors.js';
import type { CandidateTrainingInput, TrainingLogger } from '../../../activities/training/types.js';
import { tempStore, tf, useCpuBackend } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/onnx/', import.meta.url));
const MODEL_URI = pathToFileURL(join(FIXTURES, 'nchw-fixed4.onnx')).href;
const DATA_URI = pathToFileURL(join(FIXTURES, 'data')).href;

beforeAll(() => useCpuBackend());

function input(overrides: Partial<CandidateTrainingInput> = {}): CandidateTrainingInput {
  return {
    sweepId: 'onnx-sweep',
    candidateId: 'nchw',
    model: { uri: MODEL_URI, featureLayer: 'feature_map', featurePooling: 'average' },
    dataset: { uri: DATA_URI, normalisation: '[0,1]', validationFraction: 0.25, seed: 1 },
    mode: 'frozen',
    probe: { widths: [8, 6] },
    training: { epochs: 2, batchSize: 8, learningRate: 0.01, snapshotEvery: 2, seed: 3 },
    ...overrides,
  };
}

function recordingLogger(): TrainingLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(`WARN ${m}`) };
}

describe('runCandidateTraining with an ONNX candidate', () => {
  it('trains the probe on cached frozen features (the pooled PyTorch output); a second run reads the cache', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const log = recordingLogger();
      const first = await runCandidateTraining(input(), { tf, store, log });
      const second = await runCandidateTraining(input({ candidateId: 'again' }), { tf, store, log });
      expect(first.model).toMatchObject({
        format: 'onnx',
        featureLayer: 'feature_map',
        featurePooling: 'average',
      });
      expect(first.parameters.backboneTrainable).toBe(0);
      expect(first.epochs).toHaveLength(2);
      expect(first.snapshots.steps.length).toBeGreaterThan(1);
      expect(second.featureCacheKey).toBe(first.featureCacheKey);
      expect(log.lines.filter((l) => l.startsWith('frozen features computed'))).toHaveLength(1);
      expect(log.lines.filter((l) => l.startsWith('frozen features loaded from cache'))).toHaveLength(1);

      // The cached features are PyTorch's pooled output (rows in dataset order: every sample is selected).
      const cache = await decodeSafetensors(await store.get(first.featureCacheKey!));
      const cached = cache.tensor('features')!;
      expect(cached.entry.shape).toEqual([22, 16]);
      const actual = new Float32Array(cached.bytes.buffer, 0, cached.bytes.byteLength / 4);
      const bytes = await readFile(join(FIXTURES, 'nchw-fixed4.pooled.npy'));
      const header = await readNpyHeader((o, n) => Promise.resolve(bytes.subarray(o, o + n)));
      const expected = new Float32Array(bytes.buffer.slice(bytes.byteOffset + header.dataOffset));
      const indices = new Int32Array(cache.tensor('indices')!.bytes.slice().buffer);
      indices.forEach((index, row) => {
        for (let k = 0; k < 16; k++)
          expect(actual[row * 16 + k]).toBeCloseTo(expected[index * 16 + k] as number, 5);
      });
    } finally {
      await cleanup();
    }
  });

  it('refuses finetune before any compute, saying why and what to do', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const run = runCandidateTraining(input({ mode: 'finetune' }), { tf, store });
      await expect(run).rejects.toBeInstanceOf(IncompatibleModelError);
      await expect(run).rejects.toThrow(/onnxruntime runs inference only.*set mode: frozen/);
    } finally {
      await cleanup();
    }
  });
});

describe('sweep spec with an ONNX candidate', () => {
  const spec = (mode?: 'finetune' | 'frozen') => ({
    dataset: { uri: DATA_URI },
    candidates: [
      { id: 'tf', model: 'file:///zoo/tf/model.json' },
      { id: 'resnet18', model: 'file:///zoo/resnet18.onnx' },
    ],
    ...(mode ? { mode } : {}),
  });

  it('is an error in finetune mode (the default) naming the candidate, why and the fix', () => {
    for (const mode of [undefined, 'finetune'] as const) {
      expect(() => validateSweepSpec(spec(mode))).toThrow(
        /candidates\[1\]\.model.*ONNX model: onnxruntime runs inference only.*set mode: frozen/s,
      );
    }
  });

  it('is valid in frozen mode', () => {
    expect(validateSweepSpec(spec('frozen')).candidates[1]?.model).toBe('file:///zoo/resnet18.onnx');
  });
});
