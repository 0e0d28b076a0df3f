/**
 * The automatic cut on real Keras backbones made headless as `include_top=False` makes them: nsfwjs's
 * MobileNetV2 and InceptionV3 (real Keras layer names and weights) truncated at the backbone's last
 * feature map. Before the fix, MobileNetV2 was cut at `block_16_project_BN` (7×7×320, flattened to 15,680).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutBackbone, loadZooModel, selectFeatureLayer } from '../../../../activities/training/model-zoo.js';
import { convertNsfwjsModel } from '../../../../zoos/real/nsfwjs-bundle.js';
import { saveModel, tempDir, tf, useCpuBackend } from '../../training/helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('ncap-headless');
});
afterAll(() => dir.cleanup());

/** The real network truncated at `layer`, saved and loaded back as a zoo model. */
async function headless(network: string, layer: string): Promise<tf.LayersModel> {
  const models = join(
    import.meta.dirname,
    '..',
    '..',
    '..',
    '..',
    'node_modules',
    'nsfwjs',
    'dist',
    'models',
  );
  const converted = await convertNsfwjsModel(join(models, network), join(dir.path, network));
  const full = await loadZooModel(pathToFileURL(converted.modelJsonPath).href, { tf });
  if (full.format !== 'layers-model') throw new Error('expected a LayersModel');
  const top = tf.model({
    inputs: full.model.inputs,
    outputs: full.model.getLayer(layer).output as tf.SymbolicTensor,
  });
  const uri = await saveModel(top, join(dir.path, `${network}-headless`));
  const loaded = await loadZooModel(uri, { tf });
  full.model.dispose();
  return loaded.model as tf.LayersModel;
}

describe('headless real backbones', () => {
  it("MobileNetV2 include_top=False: cut at 'out_relu', averaged to 1280 features", async () => {
    const model = await headless('mobilenet_v2', 'out_relu');
    const cut = selectFeatureLayer(model, 'mem://mnv2', undefined, 'auto');
    expect([cut.layerName, cut.pooling, cut.featureDim]).toEqual(['out_relu', 'average', 1280]);
    const x = tf.randomUniform([1, 224, 224, 3], -1, 1, 'float32', 1);
    const features = (cutBackbone(tf, model, cut).predict(x) as tf.Tensor).dataSync();
    const map = (model.predict(x) as tf.Tensor).mean([1, 2]).dataSync();
    expect(Math.max(...features.map((v, i) => Math.abs(v - map[i]!)))).toBeLessThan(1e-5);
    model.dispose();
  }, 60_000);

  it("InceptionV3 include_top=False: cut at 'mixed10', 2048 features", async () => {
    const model = await headless('inception_v3', 'mixed10');
    const cut = selectFeatureLayer(model, 'mem://inception', undefined, 'auto');
    expect([cut.layerName, cut.pooling, cut.featureDim]).toEqual(['mixed10', 'average', 2048]);
    model.dispose();
  }, 60_000);
});
