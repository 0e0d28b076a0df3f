/**
 * Zoo (c), real pre-trained networks (nsfwjs's MobileNetV2 / -1.4 / InceptionV3 at several cut points) in
 * frozen mode, from the manifest `npm run zoo:real:build` writes and the ground truth
 * `npm run bench:selection -- --build-truth --zoo real` measures.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../scripts/dev/tools.js';
import { readRealZooManifest } from '../../zoos/real/build.js';
import { MANIFEST_PATH } from '../../zoos/real/paths.js';
import { FROZEN_TRUTH_RECIPE } from '../truth/ground-truth.js';
import { manifestTruth, truthRecipeLine, type BenchZoo } from './zoos.js';

/** The real zoo's committed manifest, relative to the repository root. */
export const REAL_ZOO_MANIFEST = MANIFEST_PATH;

/** @throws Error saying how to build the zoo when it or its cached models are not there. */
export async function loadRealZoo(): Promise<BenchZoo> {
  const root = projectRoot();
  const manifest = await readRealZooManifest(resolve(root, REAL_ZOO_MANIFEST));
  if (!manifest)
    throw new Error(
      `no real-network zoo in this tree (${REAL_ZOO_MANIFEST}): build it with npm run zoo:real:build, or leave it out with --zoos demo,reversed`,
    );
  const cacheDir = resolve(root, manifest.cacheDir);
  const file = (path: string): string => pathToFileURL(join(cacheDir, path)).href;
  const modelOf = (network: string): string => {
    const n = manifest.networks.find((x) => x.id === network);
    if (!n)
      throw new Error(
        `${REAL_ZOO_MANIFEST} has no network '${network}': rebuild it with npm run zoo:real:build`,
      );
    return file(n.modelPath);
  };
  const { truth, missing } = manifestTruth(manifest.candidates);
  const widths = manifest.candidates.map((c) => c.featureDim);
  return {
    name: 'real',
    description: `real pre-trained networks nobody here trained: ${manifest.networks.length} networks npm ${manifest.networks[0]?.package.name}@${manifest.networks[0]?.package.version} ships (${manifest.networks.map((n) => n.id).join(', ')}) cut at ${manifest.candidates.length} layers, frozen (features cached), on all 10 Fashion-MNIST classes (${manifest.dataset.samples.train} training images) resized to each input; probe input widths ${Math.min(...widths)}–${Math.max(...widths)}`,
    task: {
      name: 'real-zoo',
      trainUri: file(manifest.dataset.paths.train),
      validationUri: file(manifest.dataset.paths.validation),
      trainSamples: manifest.dataset.samples.train,
      normalisation: manifest.dataset.normalisation,
      mode: 'frozen',
      // The ground truth's optimiser and probe: an early run is the first epochs of the same training.
      batchSize: FROZEN_TRUTH_RECIPE.batchSize,
      learningRate: FROZEN_TRUTH_RECIPE.learningRate,
      probeWidths: FROZEN_TRUTH_RECIPE.probe.widths,
      candidates: manifest.candidates.map((c) => ({
        id: c.id,
        model: modelOf(c.network),
        featureLayer: c.featureLayer,
        ...(c.featurePooling !== 'none' ? { featurePooling: c.featurePooling } : {}),
      })),
    },
    truth,
    missingTruth: missing,
    truthRecipe: truthRecipeLine(manifest.candidates.find((c) => c.groundTruth)?.groundTruth?.recipe),
  };
}
