import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadZooModel, selectFeatureLayer } from '../../../../activities/training/model-zoo.js';
import { packageFolder } from '../../../../zoos/real/build.js';
import {
  convertNsfwjsModel,
  encodeBundle,
  evaluateBundle,
  NsfwjsBundleError,
} from '../../../../zoos/real/nsfwjs-bundle.js';
import { REAL_NETWORKS } from '../../../../zoos/real/plan.js';
import { tempDir, tf, tinyConvModel, useCpuBackend } from '../../training/helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('nsfwjs');
});
afterAll(() => dir.cleanup());

/** Writes `model` as nsfwjs ships models: `model.min.js` + two base64 shard bundles. */
async function writeBundledModel(model: tf.LayersModel, folder: string): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((a) => {
      artifacts = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  const weights = new Uint8Array(artifacts!.weightData as ArrayBuffer);
  const cut = Math.floor(weights.length / 2);
  const paths = ['group1-shard1of2', 'group1-shard2of2'];
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, 'model.min.js'),
    encodeBundle(
      {
        modelTopology: artifacts!.modelTopology,
        weightsManifest: [{ paths, weights: artifacts!.weightSpecs }],
      },
      'model',
    ),
  );
  for (const [k, part] of [weights.subarray(0, cut), weights.subarray(cut)].entries()) {
    await writeFile(
      join(folder, `${paths[k]}.min.js`),
      encodeBundle(Buffer.from(part).toString('base64'), paths[k]!.replace('-', '_')),
    );
  }
}

describe('nsfwjs bundles', () => {
  it('evaluate in a context without Node: a bundle sees no process or require', () => {
    expect(evaluateBundle(encodeBundle(42, 'x'))).toBe(42);
    expect(
      evaluateBundle('module.exports = [typeof process, typeof require, typeof globalThis.fetch]'),
    ).toEqual(['undefined', 'undefined', 'undefined']);
    expect(() => evaluateBundle('module.exports = ;', 'bad.min.js')).toThrow(
      /bad\.min\.js does not evaluate/,
    );
  });

  it('convert to a model folder ncap loads with the original predictions, deterministically', async () => {
    const model = tinyConvModel({ hidden: 5, seed: 9 });
    const folder = join(dir.path, 'bundled');
    await writeBundledModel(model, folder);
    const first = await convertNsfwjsModel(folder, join(dir.path, 'out-1'));
    const second = await convertNsfwjsModel(folder, join(dir.path, 'out-2'));
    expect(first.format).toBe('layers-model');
    expect(second.contentHash).toBe(first.contentHash);
    const json = JSON.parse(await readFile(first.modelJsonPath, 'utf8')) as tf.io.ModelJSON;
    expect(json.weightsManifest[0]!.paths).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin']);

    const loaded = await loadZooModel(pathToFileURL(first.modelJsonPath).href, { tf });
    const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 4);
    try {
      const expected = (model.predict(x) as tf.Tensor).arraySync();
      expect((loaded.model.predict(x) as tf.Tensor).arraySync()).toEqual(expected);
    } finally {
      x.dispose();
      loaded.model.dispose();
      model.dispose();
    }
  });

  it('name the file when a shard is missing or the wrong size', async () => {
    const model = tinyConvModel({ seed: 2 });
    const folder = join(dir.path, 'broken');
    await writeBundledModel(model, folder);
    model.dispose();
    await writeFile(join(folder, 'group1-shard2of2.min.js'), encodeBundle('AAAA', 'g'));
    await expect(convertNsfwjsModel(folder, join(dir.path, 'out-broken'))).rejects.toThrow(
      /shards of group \[group1-shard1of2, group1-shard2of2\] hold \d+ bytes, its weight specs need \d+/,
    );
    await writeFile(join(folder, 'group1-shard2of2.min.js'), encodeBundle({ not: 'base64' }, 'g'));
    await expect(convertNsfwjsModel(folder, join(dir.path, 'out-broken'))).rejects.toThrow(
      /group1-shard2of2\.min\.js does not export a base64 string/,
    );
    await expect(convertNsfwjsModel(join(dir.path, 'nowhere'), join(dir.path, 'x'))).rejects.toThrow(
      NsfwjsBundleError,
    );
  });

  it("read the package's real MobileNetV2 (topology and weights; no forward pass)", async () => {
    const network = REAL_NETWORKS.find((n) => n.id === 'mobilenet-v2')!;
    const folder = join(packageFolder(network.package.name, network.package.version), network.bundleFolder);
    const converted = await convertNsfwjsModel(folder, join(dir.path, 'mobilenet-v2'));
    expect(converted.format).toBe('layers-model');
    const loaded = await loadZooModel(pathToFileURL(converted.modelJsonPath).href, { tf });
    try {
      if (loaded.format !== 'layers-model') throw new Error('expected a LayersModel');
      expect(loaded.model.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
      expect(loaded.model.countParams()).toBeGreaterThan(2_000_000);
      expect(selectFeatureLayer(loaded.model, loaded.uri, 'block_13_expand_relu', 'average').featureDim).toBe(
        576,
      );
    } finally {
      loaded.model.dispose();
    }
  });
});
