/**
 * The zoo's `manifest.json`: every candidate with where its model lives, what it is, how well it does on
 * the source task, and its ground truth (target test accuracy after full fine-tuning, mean ± std over
 * seeds); plus where the target data set lives. Paths are relative to the manifest's folder.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Architecture } from './architectures.js';
import type { PlanName } from './zoo-plan.js';

export const MANIFEST_FILE = 'manifest.json';
/** Version of the manifest schema. */
export const MANIFEST_VERSION = 1;

/** One point of a full-training run's curve: an epoch's mean training loss and its validation metrics. */
export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  valAccuracy: number | null;
}

/** One full-training run of the ground-truth recipe (one seed). */
export interface GroundTruthRun {
  seed: number;
  /** Accuracy on the target test split at the best validation epoch, in [0, 1]. */
  testAccuracy: number;
  /** Validation accuracy at the best epoch, in [0, 1]. */
  validationAccuracy: number;
  /** Epoch (1-based) with the best validation accuracy; its weights gave `testAccuracy`. */
  bestEpoch: number;
  /** Epochs trained before the stopping rule ended the run. */
  epochsRun: number;
  /** Why the run ended: validation accuracy stopped improving, or the epoch limit. */
  stoppedBy: 'plateau' | 'max-epochs';
  /** Training samples processed (forward and backward passes), the compute the run spent. */
  samplesProcessed: number;
  /** Per-epoch curve. */
  curve: CurvePoint[];
  /** The sweep that ran it (its artifacts: result.json, checkpoints). */
  sweepId: string;
  /** TF.js backend of the run. */
  backend: string;
  /** Seconds the run's training and evaluation took. */
  seconds: number;
}

/** How the ground truth was measured: a `training.stopping` sweep of ncap itself, one per seed. */
export interface GroundTruthRecipe {
  method: 'ncap full-training sweep (training.stopping)';
  mode: 'finetune' | 'frozen';
  /** Epoch limit. */
  maxEpochs: number;
  /** Epochs without an improvement of the best validation accuracy by more than `minDelta` before stopping. */
  patience: number;
  minDelta: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd' | 'momentum';
  /** The network fine-tuned: the backbone, the NCP unit of these widths and a fresh head, all trainable. */
  probe: {
    widths: number[];
    trainable: boolean;
    /** `frozen` mode: features standardised with the training split's statistics (absent: raw, older truths). */
    standardiseFeatures?: boolean;
  };
  /** Manifest splits: trained on, early-stopped on, scored on. */
  trainSplit: 'train';
  validationSplit: 'validation';
  evaluatedOn: 'test';
  normalisation: string;
}

export interface GroundTruth {
  /** Mean target test accuracy over the seeds' runs, in [0, 1] (higher is better). */
  accuracyMean: number;
  /** Sample standard deviation (n − 1) of the runs' target test accuracies; 0 with one seed. */
  accuracyStd: number;
  /** Mean training samples a run processed. */
  samplesProcessedMean: number;
  seeds: number[];
  recipe: GroundTruthRecipe;
  runs: GroundTruthRun[];
  /** Hash of the model and recipe; a rebuild reuses the runs while it matches. */
  cacheKey: string;
}

export interface ManifestCandidate {
  id: string;
  architecture: Architecture;
  /** Base width of the architecture. */
  width: number;
  /** Number of trainable and non-trainable weights. */
  params: number;
  /** Accuracy on the source test split after pre-training, in [0, 1]. */
  sourceAccuracy: number;
  seed: number;
  pretrainEpochs: number;
  /** `model.json` of the TF.js LayersModel, relative to the manifest. */
  modelPath: string;
  /** Name of the layer whose output are the features (the layer before the classifier). */
  featureLayer: string;
  /** Width of the feature layer's output. */
  featureWidth: number;
  /** Model input shape without the batch dimension: [28, 28, 1]. */
  inputShape: number[];
  /** Hash of everything the pre-trained model depends on; a rebuild reuses the model while it matches. */
  cacheKey: string;
  groundTruth?: GroundTruth;
}

export interface SplitFile {
  /** Safetensors file with `x` (uint8 [N, 28, 28, 1]) and `y` (int32 labels 0..k-1), relative to the manifest. */
  path: string;
  samples: number;
  /** Where the samples come from: Fashion-MNIST's `train` or `test` file. */
  from: 'train' | 'test';
}

export interface ManifestDataset {
  name: 'fashion-mnist';

  origin: string;
  inputShape: number[];
  /** How pixels become model inputs: x / 255. */
  normalisation: '[0,1]';
  /** Seed of the stratified subsets. */
  seed: number;
  source: { classes: number[]; classNames: string[]; trainSamples: number; testSamples: number };
  target: {
    classes: number[];
    classNames: string[];
    train: SplitFile;
    validation: SplitFile;
    test: SplitFile;
  };
}

export interface ZooManifest {
  version: number;
  createdBy: string;
  /** Which plan built it (zoos/fashion/zoo-plan.ts). */
  plan: PlanName;
  dataset: ManifestDataset;
  candidates: ManifestCandidate[];
}

/** Reads `dir/manifest.json`, or returns undefined when there is none or it is not a manifest of this version. */
export async function readManifest(dir: string): Promise<ZooManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as ZooManifest;
    return manifest.version === MANIFEST_VERSION && Array.isArray(manifest.candidates) ? manifest : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Writes `dir/manifest.json` atomically (temporary file, then rename), pretty-printed. */
export async function writeManifest(dir: string, manifest: ZooManifest): Promise<void> {
  const tmp = join(dir, `${MANIFEST_FILE}.tmp-${process.pid}`);
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, join(dir, MANIFEST_FILE));
}

/** Mean and sample standard deviation (n − 1; 0 for fewer than two values). */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  if (values.length < 2) return { mean, std: 0 };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}
