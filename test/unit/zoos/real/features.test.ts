import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeatureCache } from '../../../../activities/training/feature-cache.js';
import { runCandidateTraining } from '../../../../activities/training/run-candidate-training.js';
import type { CandidateTrainingInput, TrainingLogger } from '../../../../activities/training/types.js';
import { extractNetworkFeatures } from '../../../../zoos/real/features.js';
import {
  saveModel,
  syntheticImages,
  tempDir,
  tempStore,
  tf,
  tinyConvModel,
  useCpuBackend,
  writeIdentityGraphModel,
  writeSafetensorsDataset,
} from '../../training/helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
let modelUri: string;
let graphUri: string;
let datasetUri: string;
beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('real-features');
  const model = tinyConvModel({ hidden: 6, seed: 5 });
  modelUri = await saveModel(model, join(dir.path, 'tiny'));
  model.dispose();
  graphUri = `file://${await writeIdentityGraphModel(join(dir.path, 'graph'), [8, 8, 1])}/model.json`;
  datasetUri = await writeSafetensorsDataset(join(dir.path, 'data'), syntheticImages(40, 2));
});
afterAll(() => dir.cleanup());

function recordingLogger(): TrainingLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(`WARN ${m}`) };
}

const frozenInput = (
  model: CandidateTrainingInput['model'],
  candidateId: string,
): CandidateTrainingInput => ({
  sweepId: 'real-zoo-check',
  candidateId,
  model,
  dataset: { uri: datasetUri, normalisation: '[0,1]', validationFraction: 0.25 },
  mode: 'frozen',
  probe: { widths: [4, 3] },
  training: { epochs: 1, batchSize: 8, snapshotEvery: 5 },
});

describe('extractNetworkFeatures', () => {
  it('computes several cuts in one pass as the very cache entries a frozen runCandidateTraining then reuses', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const cuts = [
        { featureLayer: 'relu', featurePooling: 'average' as const },
        { featureLayer: 'features', featurePooling: 'none' as const },
      ];
      const common = {
        tf,
        store,
        modelUri,
        datasetUri,
        normalisation: '[0,1]' as const,
        cuts,
        batchSize: 16,
      };
      const first = await extractNetworkFeatures(common);
      expect(first.cuts.map((c) => [c.featureDim, c.computed])).toEqual([
        [4, true],
        [6, true],
      ]);
      expect(first.samples).toBe(40);
      const again = await extractNetworkFeatures(common);
      expect(again.cuts.map((c) => c.computed)).toEqual([false, false]);
      expect(again.cuts.map((c) => c.key)).toEqual(first.cuts.map((c) => c.key));

      for (const [k, cut] of cuts.entries()) {
        const log = recordingLogger();
        const result = await runCandidateTraining(frozenInput({ uri: modelUri, ...cut }, `cut-${k}`), {
          tf,
          store,
          log,
        });
        expect(result.featureCacheKey).toBe(first.cuts[k]!.key);
        expect(log.lines).toContain('frozen features loaded from cache');
        expect(log.lines).not.toContain('frozen features computed and cached');
        // Same values as runCandidateTraining computes on its own, in a store without the entry.
        const fresh = await tempStore();
        try {
          const own = await runCandidateTraining(frozenInput({ uri: modelUri, ...cut }, 'own'), {
            tf,
            store: fresh.store,
          });
          const read = async (s: typeof store) =>
            (await readFeatureCache(s, own.featureCacheKey!, [...Array(40).keys()]))!.features;
          const expected = await read(fresh.store);
          const actual = await read(store);
          expect(actual.length).toBe(expected.length);
          for (let i = 0; i < expected.length; i += 7) expect(actual[i]).toBeCloseTo(expected[i]!, 6);
        } finally {
          await fresh.cleanup();
        }
      }
    } finally {
      await cleanup();
    }
  });

  it('pools GraphModel nodes the way runCandidateTraining does', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const cut = { featureLayer: 'Identity', featurePooling: 'max' as const };
      const extracted = await extractNetworkFeatures({
        tf,
        store,
        modelUri: graphUri,
        datasetUri,
        normalisation: '[0,1]',
        cuts: [cut],
        batchSize: 16,
      });
      expect(extracted.cuts[0]!.featureDim).toBe(1);
      const log = recordingLogger();
      const result = await runCandidateTraining(frozenInput({ uri: graphUri, ...cut }, 'graph'), {
        tf,
        store,
        log,
      });
      expect(result.featureCacheKey).toBe(extracted.cuts[0]!.key);
      expect(log.lines).toContain('frozen features loaded from cache');
    } finally {
      await cleanup();
    }
  });
});
