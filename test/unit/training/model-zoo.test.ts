import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchBatchNormScale } from '../../../activities/training/batch-norm-scale-fix.js';
import { IncompatibleModelError } from '../../../activities/training/errors.js';
import {
  cutBackbone,
  loadZooModel,
  modelInputShape,
  selectFeatureLayer,
} from '../../../activities/training/model-zoo.js';
import {
  saveModel,
  tempDir,
  tempStore,
  tf,
  tinyConvModel,
  useCpuBackend,
  writeIdentityGraphModel,
} from './helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('zoo');
});
afterAll(() => dir.cleanup());

const trainStepThrough = (model: tf.LayersModel, x: tf.Tensor) => {
  const optimizer = tf.train.sgd(0.01);
  try {
    const loss = tf.tidy(
      () =>
        optimizer.minimize(
          () => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
          true,
        ) as tf.Scalar,
    );
    loss.dispose();
  } finally {
    optimizer.dispose();
  }
};

describe('loadZooModel from file://', () => {
  it('round-trips a saved LayersModel: same predictions, a stable content hash', async () => {
    const model = tinyConvModel();
    const uri = await saveModel(model, join(dir.path, 'plain'));
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3);
    const loaded = await loadZooModel(uri, { tf });
    const again = await loadZooModel(uri, { tf });
    try {
      expect(loaded.format).toBe('layers-model');
      const expected = (model.predict(x) as tf.Tensor).arraySync();
      const actual = (loaded.model.predict(x) as tf.Tensor).arraySync();
      expect(actual).toEqual(expected);
      expect(loaded.weightsHash).toMatch(/^[0-9a-f]{64}$/);
      expect(again.weightsHash).toBe(loaded.weightsHash);
      expect(modelInputShape(loaded)).toEqual([8, 8, 1]);
    } finally {
      model.dispose();
      loaded.model.dispose();
      again.model.dispose();
      x.dispose();
    }
  });

  it('hashes weights: a model with other weights gets another hash', async () => {
    const a = await loadZooModel(await saveModel(tinyConvModel({ seed: 1 }), join(dir.path, 'h1')), { tf });
    const b = await loadZooModel(await saveModel(tinyConvModel({ seed: 2 }), join(dir.path, 'h2')), { tf });
    expect(a.weightsHash).not.toBe(b.weightsHash);
    a.model.dispose();
    b.model.dispose();
  });

  it('reads shards listed across several manifest groups and paths', async () => {
    const model = tinyConvModel({ seed: 4 });
    const single = join(dir.path, 'single');
    await saveModel(model, single);
    const json = JSON.parse(await readFile(join(single, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const weights = await readFile(join(single, 'weights.bin'));
    // Split the single shard in two files and the specs in two groups at a tensor boundary.
    const specs = json.weightsManifest[0]!.weights;
    const firstBytes = specs.slice(0, 2).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const sharded = join(dir.path, 'sharded', 'deep');
    await mkdir(join(sharded, 'shards'), { recursive: true });
    await writeFile(join(sharded, 'shards', 'a.bin'), weights.subarray(0, firstBytes));
    await writeFile(join(sharded, 'shards', 'b.bin'), weights.subarray(firstBytes));
    json.weightsManifest = [
      { paths: ['./shards/a.bin'], weights: specs.slice(0, 2) },
      { paths: ['shards/b.bin'], weights: specs.slice(2) },
    ];
    await writeFile(join(sharded, 'model.json'), JSON.stringify(json));
    const loaded = await loadZooModel(`file://${join(sharded, 'model.json')}`, { tf });
    const x = tf.ones([1, 8, 8, 1]);
    expect((loaded.model.predict(x) as tf.Tensor).arraySync()).toEqual(
      (model.predict(x) as tf.Tensor).arraySync(),
    );
    loaded.model.dispose();
    model.dispose();
    x.dispose();
  });

  it('says clearly when the file is missing or not a model', async () => {
    await expect(loadZooModel(`file://${join(dir.path, 'nope', 'model.json')}`, { tf })).rejects.toThrow(
      IncompatibleModelError,
    );
    await writeFile(join(dir.path, 'junk.json'), '{"hello": 1}');
    await expect(loadZooModel(`file://${join(dir.path, 'junk.json')}`, { tf })).rejects.toThrow(
      /modelTopology/,
    );
  });
});

describe('loadZooModel from an artifact store (s3:// path)', () => {
  it('reads model.json and shards relative to it through the store', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const model = tinyConvModel({ seed: 9 });
      const local = join(dir.path, 'for-store');
      await saveModel(model, local);
      await store.put('zoo/m1/model.json', await readFile(join(local, 'model.json')));
      await store.put('zoo/m1/weights.bin', await readFile(join(local, 'weights.bin')));
      // An s3:// URI outside the sweep store goes through openStore(s3://bucket): here a fake that returns our store.
      const opened: string[] = [];
      const loaded = await loadZooModel('s3://zoo-bucket/zoo/m1/model.json', {
        tf,
        openStore: (uri) => {
          opened.push(uri);
          return Promise.resolve(store);
        },
      });
      expect(opened).toEqual(['s3://zoo-bucket']);
      const x = tf.ones([1, 8, 8, 1]);
      expect((loaded.model.predict(x) as tf.Tensor).arraySync()).toEqual(
        (model.predict(x) as tf.Tensor).arraySync(),
      );
      loaded.model.dispose();
      model.dispose();
      x.dispose();
    } finally {
      await cleanup();
    }
  });
});

describe('BatchNormalization scale=false workaround', () => {
  it('the unpatched layer really crashes under gradients (the bug this works around)', () => {
    const model = tinyConvModel({ batchNormScaleFalse: true });
    const x = tf.ones([2, 8, 8, 1]);
    expect(() => trainStepThrough(model, x)).toThrow();
    model.dispose();
    x.dispose();
  });

  it('rewrites scale=false to scale=true with gamma = 1: same predictions, and training works', async () => {
    const model = tinyConvModel({ batchNormScaleFalse: true, seed: 5 });
    // Make the BN statistics non-trivial so the check is meaningful.
    const bn = model.getLayer('bn');
    bn.setWeights(
      bn
        .getWeights()
        .map((w, i) =>
          i === 0 ? tf.fill(w.shape, 0.3) : i === 1 ? tf.fill(w.shape, 0.5) : tf.fill(w.shape, 2),
        ),
    );
    const uri = await saveModel(model, join(dir.path, 'bn'));
    const loaded = await loadZooModel(uri, { tf });
    if (loaded.format !== 'layers-model') throw new Error('expected a layers model');
    expect(loaded.patchedBatchNorms).toEqual(['bn']);
    const patchedLayer = loaded.model.getLayer('bn');
    expect((patchedLayer.getConfig() as { scale: boolean }).scale).toBe(true);
    const gamma = patchedLayer.weights.find((w) => w.originalName.endsWith('/gamma'));
    expect(gamma).toBeDefined();
    expect(Array.from(await gamma!.read().data())).toEqual([1, 1, 1, 1]);

    const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 11);
    const expected = (model.predict(x) as tf.Tensor).dataSync();
    const actual = (loaded.model.predict(x) as tf.Tensor).dataSync();
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 6);
    expect(() => trainStepThrough(loaded.model, x)).not.toThrow();
    model.dispose();
    loaded.model.dispose();
    x.dispose();
  });

  it('rewrites center=false (and both) the same way: beta = 0, same predictions, training works', async () => {
    for (const [label, options] of [
      ['center', { center: false }],
      ['both', { center: false, scale: false }],
    ] as const) {
      const init = tf.initializers.glorotUniform({ seed: 9 });
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [8, 8, 1],
            filters: 3,
            kernelSize: 3,
            kernelInitializer: init,
            name: 'conv',
          }),
          tf.layers.batchNormalization({ ...options, name: 'bn' }),
          tf.layers.flatten({ name: 'flatten' }),
          tf.layers.dense({ units: 6, activation: 'relu', kernelInitializer: init, name: 'features' }),
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init, name: 'classifier' }),
        ],
      });
      const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 4);
      expect(() => trainStepThrough(model, x), label).toThrow();
      const bn = model.getLayer('bn');
      bn.setWeights(bn.getWeights().map((w) => tf.fill(w.shape, 0.7)));
      const uri = await saveModel(model, join(dir.path, `bn-${label}`));
      const loaded = await loadZooModel(uri, { tf });
      if (loaded.format !== 'layers-model') throw new Error('expected a layers model');
      expect(loaded.patchedBatchNorms).toEqual(['bn']);
      const config = loaded.model.getLayer('bn').getConfig() as { scale: boolean; center: boolean };
      expect([config.scale, config.center]).toEqual([true, true]);
      const beta = loaded.model.getLayer('bn').weights.find((w) => w.originalName.endsWith('/beta'));
      expect(Array.from(await beta!.read().data())).toEqual([0, 0, 0]);
      const expected = (model.predict(x) as tf.Tensor).dataSync();
      const actual = (loaded.model.predict(x) as tf.Tensor).dataSync();
      for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 6);
      expect(() => trainStepThrough(loaded.model, x)).not.toThrow();
      model.dispose();
      loaded.model.dispose();
      x.dispose();
    }
  });

  it('leaves models without such layers untouched', async () => {
    const model = tinyConvModel();
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler((a) => {
        artifacts = a;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    const patched = patchBatchNormScale(artifacts!);
    expect(patched.patchedLayers).toEqual([]);
    expect(patched.artifacts).toBe(artifacts);
    model.dispose();
  });
});

describe('feature layer selection', () => {
  it('defaults to the input of the classifier (the last layer with a kernel)', () => {
    const model = tinyConvModel({ hidden: 7 });
    const cut = selectFeatureLayer(model, 'mem://m');
    expect(cut.layerName).toBe('features');
    expect(cut.featureShape).toEqual([7]);
    const backbone = cutBackbone(tf, model, cut);
    const x = tf.ones([2, 8, 8, 1]);
    const f = backbone.predict(x) as tf.Tensor;
    // Oracle: the same layer's output computed through a model the test builds itself.
    const oracle = tf.model({
      inputs: model.inputs,
      outputs: model.getLayer('features').output as tf.SymbolicTensor,
    });
    expect(f.arraySync()).toEqual((oracle.predict(x) as tf.Tensor).arraySync());
    model.dispose();
    x.dispose();
  });

  it('uses a named layer, and gives its full shape', () => {
    const model = tinyConvModel();
    const cut = selectFeatureLayer(model, 'mem://m', 'pool');
    expect(cut.featureShape).toEqual([4, 4, 4]);
    expect(cut.featureDim).toBe(64);
    model.dispose();
  });

  it('names the missing layer and lists the nearest names (misspelt, then substring)', () => {
    const model = tinyConvModel();
    expect(() => selectFeatureLayer(model, 'mem://m', 'featurs')).toThrow(IncompatibleModelError);
    expect(() => selectFeatureLayer(model, 'mem://m', 'featurs')).toThrow(
      /no layer named 'featurs'.*nearest of its \d+ layers: features,/,
    );
    expect(() => selectFeatureLayer(model, 'mem://m', 'classifier_1')).toThrow(/nearest.*: classifier,/);
    model.dispose();
  });

  it('rejects a model whose only weight layer reads the input (no backbone to cut)', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, name: 'only' })] });
    expect(() => selectFeatureLayer(model, 'mem://lin')).toThrow(/no usable feature layer/);
    model.dispose();
  });

  it('rejects feature maps with unknown dimensions', () => {
    const input = tf.input({ shape: [null, null, 1] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'c' }).apply(input) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(conv) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'head' }).apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(selectFeatureLayer(model, 'mem://fcn').layerName).toBe('gap');
    expect(() => selectFeatureLayer(model, 'mem://fcn', 'c')).toThrow(/unknown dimensions/);
    model.dispose();
  });
});

describe('feature pooling', () => {
  /** Oracle: the named layer's `[n, h, w, c]` output reduced over h and w in plain JS. */
  function pooledOracle(
    model: tf.LayersModel,
    layer: string,
    x: tf.Tensor,
    kind: 'average' | 'max',
  ): number[][] {
    const raw = tf.model({
      inputs: model.inputs,
      outputs: model.getLayer(layer).output as tf.SymbolicTensor,
    });
    const maps = (raw.predict(x) as tf.Tensor).arraySync() as number[][][][];
    return maps.map((image) => {
      const cells = image.flat();
      const channels = cells[0]!.length;
      return Array.from({ length: channels }, (_, c) => {
        const values = cells.map((cell) => cell[c]!);
        return kind === 'average' ? values.reduce((a, b) => a + b, 0) / values.length : Math.max(...values);
      });
    });
  }

  it('pools a spatial layer to its channels (average and max), matching an independent reduction', () => {
    const model = tinyConvModel();
    const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 5);
    for (const kind of ['average', 'max'] as const) {
      const cut = selectFeatureLayer(model, 'mem://m', 'relu', kind);
      expect(cut.featureShape).toEqual([4]);
      expect(cut.featureDim).toBe(4);
      const backbone = cutBackbone(tf, model, cut);
      const actual = (backbone.predict(x) as tf.Tensor).arraySync() as number[][];
      const expected = pooledOracle(model, 'relu', x, kind);
      actual.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(expected[i]![c]!, 5)));
    }
    x.dispose();
    model.dispose();
  });

  it('makes a cut with free spatial size usable, and refuses to pool a vector layer', () => {
    const input = tf.input({ shape: [null, null, 1] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'c' }).apply(input) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(conv) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'head' }).apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(selectFeatureLayer(model, 'mem://fcn', 'c', 'average').featureShape).toEqual([2]);
    expect(() => selectFeatureLayer(model, 'mem://fcn', 'gap', 'max')).toThrow(IncompatibleModelError);
    expect(() => selectFeatureLayer(model, 'mem://fcn', 'gap', 'max')).toThrow(
      /featurePooling needs a spatial output.*'gap'.*\[\?, 2\]/,
    );
    model.dispose();
  });
});

describe('GraphModels', () => {
  it('are detected by their topology and loaded as graph models', async () => {
    // A minimal GraphDef: y = x (Identity), with no weights.
    const graphDir = await writeIdentityGraphModel(join(dir.path, 'graph'), 4);
    const loaded = await loadZooModel(`file://${graphDir}/`, { tf });
    expect(loaded.format).toBe('graph-model');
    expect(modelInputShape(loaded)).toEqual([4]);
    loaded.model.dispose();
  });
});
