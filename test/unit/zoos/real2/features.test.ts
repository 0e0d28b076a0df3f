/**
 * The second real zoo's features are ncap's own: what the build caches for a network (an ONNX model with its
 * cut exposed, fed its own normalisation) is the very cache entry a frozen runCandidateTraining with that
 * model, cut and normalisation then reads instead of running the backbone.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeatureCache } from '../../../../activities/training/feature-cache.js';
import { runCandidateTraining } from '../../../../activities/training/run-candidate-training.js';
import type { CandidateTrainingInput, TrainingLogger } from '../../../../activities/training/types.js';
import { cacheFeatures } from '../../../../zoos/real2/features.js';
import { editOnnxModel } from '../../../../zoos/real2/onnx-graph.js';
import {
  syntheticImages,
  tempDir,
  tempStore,
  tf,
  useCpuBackend,
  writeSafetensorsDataset,
} from '../../training/helpers.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/onnx/nchw-dynamic.onnx', import.meta.url));
const INNER = '/Relu_output_0';

let dir: { path: string; cleanup: () => Promise<void> };
let modelUri: string;
let datasetUri: string;
beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('real2-features');
  const edited = editOnnxModel(new Uint8Array(await readFile(FIXTURE)), {
    inputChw: [3, 16, 16],
    exposeOutput: INNER,
  });
  await writeFile(join(dir.path, 'model.onnx'), edited);
  modelUri = pathToFileURL(join(dir.path, 'model.onnx')).href;
  datasetUri = await writeSafetensorsDataset(join(dir.path, 'data'), syntheticImages(40, 2));
});
afterAll(() => dir.cleanup());

const frozenInput = (normalisation: '[-1,1]' | '[0,1]', candidateId: string): CandidateTrainingInput => ({
  sweepId: 'real2-zoo-check',
  candidateId,
  model: { uri: modelUri, featureLayer: INNER, featurePooling: 'average' },
  dataset: { uri: datasetUri, normalisation, validationFraction: 0.25 },
  mode: 'frozen',
  probe: { widths: [4, 3] },
  training: { epochs: 1, batchSize: 8, snapshotEvery: 5 },
});

function recordingLogger(): TrainingLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(`WARN ${m}`) };
}

describe('second real zoo: cacheFeatures', () => {
  it('caches the entry a frozen training with the same cut and normalisation reads, with its values', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const options = {
        tf,
        store,
        id: 'tiny',
        modelUri,
        datasetUri,
        normalisation: '[-1,1]' as const,
        featureLayer: INNER,
        featurePooling: 'average' as const,
      };
      const first = await cacheFeatures(options);
      expect([first.featureDim, first.computed, first.samples]).toEqual([8, true, 40]);
      expect(first.inputShape).toEqual([16, 16, 3]);
      const again = await cacheFeatures(options);
      expect([again.key, again.computed]).toEqual([first.key, false]);

      const log = recordingLogger();
      const result = await runCandidateTraining(frozenInput('[-1,1]', 'same'), { tf, store, log });
      expect(result.featureCacheKey).toBe(first.key);
      expect(log.lines).toContain('frozen features loaded from cache');
      expect(log.lines).not.toContain('frozen features computed and cached');

      // Another normalisation is another entry; the values equal what training computes on its own.
      const fresh = await tempStore();
      try {
        const own = await runCandidateTraining(frozenInput('[-1,1]', 'own'), { tf, store: fresh.store });
        const other = await runCandidateTraining(frozenInput('[0,1]', 'other'), { tf, store: fresh.store });
        expect(other.featureCacheKey).not.toBe(first.key);
        const all = [...Array(40).keys()];
        const expected = (await readFeatureCache(fresh.store, own.featureCacheKey!, all))!.features;
        const actual = (await readFeatureCache(store, first.key, all))!.features;
        expect(actual.length).toBe(expected.length);
        for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 6);
      } finally {
        await fresh.cleanup();
      }
    } finally {
      await cleanup();
    }
  });
});
