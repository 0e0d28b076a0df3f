import { readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { initTf, type Tf } from '../../../../activities/tf/runtime.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../../../activities/formats/safetensors.js';
import { INPUT_SHAPE } from '../../../../zoos/fashion/architectures.js';
import { buildZoo } from '../../../../zoos/fashion/build.js';
import { readManifest, writeManifest, type ZooManifest } from '../../../../zoos/fashion/manifest.js';
import { DEFAULT_TRUTH_RECIPE } from '../../../../bench/truth/ground-truth.js';
import {
  QUICK_PLAN,
  SOURCE_CLASSES,
  TARGET_CLASSES,
  type ZooPlan,
} from '../../../../zoos/fashion/zoo-plan.js';
import { writeSyntheticFashionMnist } from './synthetic-fashion.js';

describe('buildZoo (quick plan, synthetic Fashion-MNIST)', () => {
  let root: string;
  let dataDir: string;
  let outDir: string;
  let manifest: ZooManifest;
  const lines: string[] = [];

  let tf: Tf;

  beforeAll(async () => {
    // The project's runtime (wasm with the replacement gradient kernels, or cpu), as the script uses.
    tf = (await initTf()).tf;
    root = await mkdtemp(join(tmpdir(), 'ncap-zoo-'));
    dataDir = join(root, 'data');
    outDir = join(root, 'zoo');
    await writeSyntheticFashionMnist(dataDir, { train: 30, test: 20 });
    manifest = await buildZoo(tf, { outDir, dataDir, plan: QUICK_PLAN, log: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a manifest listing every planned candidate with its model', async () => {
    expect(await readManifest(outDir)).toEqual(manifest);
    expect(manifest.candidates.map((c) => c.id)).toEqual(QUICK_PLAN.candidates.map((c) => c.id));
    expect(new Set(manifest.candidates.map((c) => c.architecture)).size).toBe(QUICK_PLAN.candidates.length);
    for (const candidate of manifest.candidates) {
      const plan = QUICK_PLAN.candidates.find((c) => c.id === candidate.id);
      expect(candidate).toMatchObject({
        seed: plan?.seed,
        pretrainEpochs: plan?.pretrainEpochs,
        inputShape: [...INPUT_SHAPE],
        featureLayer: 'features',
      });
      expect(candidate.sourceAccuracy).toBeGreaterThanOrEqual(0);
      expect(candidate.sourceAccuracy).toBeLessThanOrEqual(1);
      expect(candidate.modelPath.startsWith('/')).toBe(false);
      const modelJson = JSON.parse(await readFile(join(outDir, candidate.modelPath), 'utf8')) as {
        weightsManifest: { paths: string[] }[];
      };
      expect(modelJson.weightsManifest[0]?.paths).toEqual(['weights.bin']);
    }
  });

  it('saves models that load back with the recorded parameter count, feature layer and input shape', async () => {
    for (const candidate of manifest.candidates) {
      const dir = join(outDir, candidate.modelPath, '..');
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tfjs.io.ModelJSON;
      const weights = await readFile(join(dir, 'weights.bin'));
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0]?.weights,
          weightData: new Uint8Array(weights).buffer,
        }),
      );
      expect(model.countParams()).toBe(candidate.params);
      expect(model.inputs[0]?.shape).toEqual([null, ...candidate.inputShape]);
      const features = model.getLayer(candidate.featureLayer).outputShape as number[];
      expect(features[features.length - 1]).toBe(candidate.featureWidth);
      expect(weights.byteLength).toBe(4 * candidate.params);
      model.dispose();
    }
  });

  it('writes the target splits as uint8 NHWC images and int32 labels 0..4, stratified', async () => {
    const { target } = manifest.dataset;
    const sizes = QUICK_PLAN.sizes;
    for (const [split, expected] of [
      [target.train, sizes.targetTrain],
      [target.validation, sizes.targetValidation],
      [target.test, sizes.targetTest],
    ] as const) {
      expect(split.samples).toBe(expected);
      const file = await decodeSafetensors(new Uint8Array(await readFile(join(outDir, split.path))));
      const x = file.tensor('x');
      const y = file.tensor('y');
      expect(x?.entry).toMatchObject({ dtype: 'U8', shape: [expected, 28, 28, 1] });
      expect(y?.entry).toMatchObject({ dtype: 'I32', shape: [expected] });
      const labels = new Int32Array(y?.bytes.buffer ?? new ArrayBuffer(0));
      const perClass = [0, 1, 2, 3, 4].map((k) => labels.filter((l) => l === k).length);
      expect(perClass.reduce((a, b) => a + b, 0)).toBe(expected);
      expect(Math.max(...perClass) - Math.min(...perClass)).toBeLessThanOrEqual(1);
      // Synthetic class c has its bright bar on rows 2+2c..4+2c: the stored image must show its label's bar.
      const pixels = x?.bytes ?? new Uint8Array(0);
      labels.forEach((label, i) =>
        expect(pixels[i * 784 + (3 + 2 * label) * 28 + 14]).toBeGreaterThanOrEqual(200),
      );
    }
    expect(target.classNames).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat']);
  });

  it('is deterministic: a forced rebuild elsewhere gives the same manifest and model bytes', async () => {
    const otherDir = join(root, 'zoo-again');
    const other = await buildZoo(tf, {
      outDir: otherDir,
      dataDir,
      plan: QUICK_PLAN,
      force: true,
      log: () => undefined,
    });
    expect(other).toEqual(manifest);
    for (const candidate of manifest.candidates) {
      const weights = join(candidate.modelPath, '..', 'weights.bin');
      expect(await readFile(join(otherDir, weights))).toEqual(await readFile(join(outDir, weights)));
    }
    expect(await readFile(join(otherDir, manifest.dataset.target.test.path))).toEqual(
      await readFile(join(outDir, manifest.dataset.target.test.path)),
    );
  });

  it('reuses cached models and runs, and rebuilds what a changed plan invalidates', async () => {
    const modelFile = join(outDir, manifest.candidates[0]?.modelPath ?? '');
    const before = (await stat(modelFile)).mtimeMs;
    const again: string[] = [];
    const rebuilt = await buildZoo(tf, {
      outDir,
      dataDir,
      plan: QUICK_PLAN,
      log: (line) => again.push(line),
    });
    expect(rebuilt).toEqual(manifest);
    expect((await stat(modelFile)).mtimeMs).toBe(before);
    expect(again.filter((line) => line.includes('pre-training'))).toEqual([]);
    expect(again.filter((line) => line.includes('model cached'))).toHaveLength(QUICK_PLAN.candidates.length);

    // A ground truth recorded in the manifest (by the truth builder) stays while its model is cached and
    // goes when the model is rebuilt; a dropped candidate's model folder disappears.
    const recorded = { ...structuredClone(manifest) };
    for (const c of recorded.candidates)
      c.groundTruth = {
        accuracyMean: 0.5,
        accuracyStd: 0,
        samplesProcessedMean: 1,
        seeds: [1],
        recipe: DEFAULT_TRUTH_RECIPE,
        runs: [],
        cacheKey: `truth-of-${c.id}`,
      };
    await writeManifest(outDir, recorded);
    const [first, , third, ...rest] = QUICK_PLAN.candidates;
    const changed: ZooPlan = {
      ...QUICK_PLAN,
      candidates: [first!, { ...third!, seed: third!.seed + 100 }, ...rest],
    };
    const lines3: string[] = [];
    const extended = await buildZoo(tf, { outDir, dataDir, plan: changed, log: (line) => lines3.push(line) });
    expect(lines3.filter((line) => line.includes('pre-training'))).toHaveLength(1);
    expect(extended.candidates[0]?.groundTruth?.cacheKey).toBe(`truth-of-${first!.id}`);
    expect(extended.candidates[1]?.id).toBe(third!.id);
    expect(extended.candidates[1]?.groundTruth).toBeUndefined();
    await expect(stat(join(outDir, 'models', QUICK_PLAN.candidates[1]?.id ?? ''))).rejects.toThrow();
  });

  it('builds a plan with the halves reversed and one feature width: target labels 0..4 are classes 5..9', async () => {
    const reversed: ZooPlan = {
      ...QUICK_PLAN,
      sourceClasses: TARGET_CLASSES,
      targetClasses: SOURCE_CLASSES,
      candidates: QUICK_PLAN.candidates.slice(0, 3).map((c) => ({ ...c, featureWidth: 6 })),
    };
    const otherDir = join(root, 'zoo-reversed');
    const built = await buildZoo(tf, { outDir: otherDir, dataDir, plan: reversed, log: () => undefined });
    expect(built.candidates.map((c) => c.featureWidth)).toEqual([6, 6, 6]);
    expect(built.dataset.source.classes).toEqual([0, 1, 2, 3, 4]);
    expect(built.dataset.target.classNames).toEqual(['Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    const file = await decodeSafetensors(
      new Uint8Array(await readFile(join(otherDir, built.dataset.target.train.path))),
    );
    const labels = new Int32Array(file.tensor('y')?.bytes.buffer ?? new ArrayBuffer(0));
    const pixels = file.tensor('x')?.bytes ?? new Uint8Array(0);
    // Synthetic class c has its bar on rows 2+2c..4+2c; target label k is Fashion-MNIST class 5+k.
    labels.forEach((label, i) =>
      expect(pixels[i * 784 + (3 + 2 * (5 + label)) * 28 + 14]).toBeGreaterThanOrEqual(200),
    );
  });
});
