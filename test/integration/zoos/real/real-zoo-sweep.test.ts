import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepKeys } from '../../../../activities/store/keys.js';
import type { CandidateResult } from '../../../../activities/training/types.js';
import type { RealZooManifest } from '../../../../zoos/real/build.js';
import { extractNetworkFeatures } from '../../../../zoos/real/features.js';
import { convertNsfwjsModel, encodeBundle } from '../../../../zoos/real/nsfwjs-bundle.js';
import { realZooSpec } from '../../../../zoos/real/sweep-real-zoo.js';
import {
  syntheticImages,
  tf,
  tinyConvModel,
  writeSafetensorsDataset,
} from '../../../unit/training/helpers.js';
import { createSweepBench, withWorkers, type SweepBench } from '../../sweep/sweep-harness.js';

/** A tiny network shipped the nsfwjs way (base64 bundles), converted as the zoo build converts the real ones. */
async function bundledTinyNetwork(dir: string): Promise<string> {
  const model = tinyConvModel({ hidden: 6, seed: 8 });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((a) => {
      artifacts = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  model.dispose();
  const bundle = join(dir, 'bundle');
  await mkdir(bundle, { recursive: true });
  const manifest = [{ paths: ['group1-shard1of1'], weights: artifacts!.weightSpecs }];
  await writeFile(
    join(bundle, 'model.min.js'),
    encodeBundle({ modelTopology: artifacts!.modelTopology, weightsManifest: manifest }, 'model'),
  );
  const weights = Buffer.from(new Uint8Array(artifacts!.weightData as ArrayBuffer)).toString('base64');
  await writeFile(join(bundle, 'group1-shard1of1.min.js'), encodeBundle(weights, 'group1_shard1of1'));
  await convertNsfwjsModel(bundle, join(dir, 'cache', 'models', 'tiny'));
  return join(dir, 'cache');
}

describe('a frozen sweep over a real-zoo manifest (Temporal dev server, MinIO)', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('real-zoo');
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('trains a pooled and a vector cut of one converted network on the features the build cached', async () => {
    const cacheDir = await bundledTinyNetwork(bench.dir);
    await writeSafetensorsDataset(
      join(cacheDir, 'target'),
      syntheticImages(48, 3, 8, 8, 1, 21),
      'train.safetensors',
    );
    const cuts = [
      { id: 'tiny-relu', featureLayer: 'relu', featurePooling: 'average' as const, featureDim: 4 },
      { id: 'tiny-dense', featureLayer: 'features', featurePooling: 'none' as const, featureDim: 6 },
    ];
    const manifest = {
      version: 1,
      cacheDir,
      dataset: { normalisation: '[0,1]', paths: { train: 'target/train.safetensors' } },
      networks: [{ id: 'tiny', modelPath: 'models/tiny/model.json' }],
      candidates: cuts.map((c) => ({ ...c, network: 'tiny', depth: '', featureKeys: {} })),
    } as unknown as RealZooManifest;
    const spec = realZooSpec(manifest, cacheDir, { epochs: 1 });
    expect(spec.mode).toBe('frozen');
    // A vector cut leaves featurePooling to its default, 'auto', which pools only an automatic 4-D cut.
    expect(spec.candidates.map((c) => c.featurePooling)).toEqual(['average', 'auto']);
    expect(() => realZooSpec(manifest, cacheDir, { candidates: ['nope'] })).toThrow(/unknown ids nope/);

    const store = bench.stores.get(bench.bucket.uri);
    const extracted = await extractNetworkFeatures({
      tf,
      store,
      modelUri: pathToFileURL(join(cacheDir, 'models', 'tiny', 'model.json')).href,
      datasetUri: spec.dataset.uri,
      normalisation: '[0,1]',
      cuts,
      batchSize: 16,
    });

    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result());
    expect(out.failed).toEqual([]);
    expect(out.ranking.map((r) => r.candidateId).sort()).toEqual(['tiny-dense', 'tiny-relu']);
    for (const [k, cut] of cuts.entries()) {
      const result = JSON.parse(
        Buffer.from(await store.get(sweepKeys(out.sweepId).candidate(cut.id).result)).toString('utf8'),
      ) as CandidateResult;
      expect(result.mode).toBe('frozen');
      expect(result.model.featureDim).toBe(cut.featureDim);
      expect(result.featureCacheKey).toBe(extracted.cuts[k]!.key);
    }
  });
});
