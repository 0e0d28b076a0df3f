/**
 * The benchmark's zoos, read from their manifests: what their early sweeps train (an {@link EarlyTask})
 * and their converged ground truth per candidate (mean test accuracy over the truth seeds, each seed's
 * accuracy, the samples full fine-tuning processed). A candidate without a ground truth is left out and
 * counted, never guessed.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../scripts/dev/tools.js';
import { DEFAULT_ZOO_DIRS } from '../../zoos/fashion/args.js';
import { readManifest, type GroundTruth, type GroundTruthRecipe } from '../../zoos/fashion/manifest.js';
import { DEFAULT_TRUTH_RECIPE } from '../truth/ground-truth.js';
import type { EarlyTask } from './early-sweeps.js';

/** One candidate's converged ground truth. */
export interface CandidateTruth {
  candidateId: string;
  /** Mean over seeds of the test accuracy at the best validation epoch, in [0, 1]. */
  accuracy: number;
  /** Per truth seed (in `seeds` order), the test accuracy. */
  seedAccuracies: number[];
  seeds: number[];
  /** Mean training samples one full fine-tuning run processed. */
  fullSamples: number;
  /** Epochs at which full training stopped, per seed. */
  epochsRun: number[];
}

export interface BenchZoo {
  /** `demo`, `reversed`, `real`. */
  name: string;
  /** One line: what the zoo is. */
  description: string;
  task: EarlyTask;
  /** Candidates with a ground truth. */
  truth: CandidateTruth[];
  /** Candidates of the zoo without any ground truth (left out of the scores). */
  missingTruth: string[];
  /** What the ground truth is, in one line. */
  truthRecipe: string;
}

export const FASHION_ZOOS = { demo: DEFAULT_ZOO_DIRS.full, reversed: DEFAULT_ZOO_DIRS.reversed } as const;

const ZOO_DESCRIPTIONS: Record<keyof typeof FASHION_ZOOS, string> = {
  demo: 'the demo zoo: 10 small backbones (MLP, CNN, VGG-, separable-, residual-CNN; widths 4–128) pre-trained on Fashion-MNIST classes 5–9, fine-tuned on classes 0–4; feature widths differ',
  reversed:
    'the reversed zoo: 16 backbones pre-trained on Fashion-MNIST classes 0–4, fine-tuned on classes 5–9, every feature vector 64 wide (width cannot explain the ranking)',
};

/** The truth of every candidate of `manifest` that has one (`seeds`: the seeds every one of them has). */
export function manifestTruth(candidates: readonly { id: string; groundTruth?: GroundTruth }[]): {
  truth: CandidateTruth[];
  missing: string[];
} {
  const withTruth = candidates.filter((c) => c.groundTruth && c.groundTruth.runs.length > 0);
  // The noise ceiling needs the same seeds per candidate: keep the seeds all of them have.
  const common = withTruth.length
    ? withTruth
        .map((c) => new Set(c.groundTruth!.runs.map((r) => r.seed)))
        .reduce((a, b) => new Set([...a].filter((s) => b.has(s))))
    : new Set<number>();
  const seeds = [...common].sort((a, b) => a - b);
  return {
    truth: withTruth.map((c) => {
      const truth = c.groundTruth!;
      const bySeed = (s: number) => truth.runs.find((r) => r.seed === s)!;
      return {
        candidateId: c.id,
        accuracy: truth.accuracyMean,
        seedAccuracies: seeds.map((s) => bySeed(s).testAccuracy),
        seeds,
        fullSamples: truth.samplesProcessedMean,
        epochsRun: truth.runs.map((r) => r.epochsRun),
      };
    }),
    missing: candidates.filter((c) => !withTruth.includes(c)).map((c) => c.id),
  };
}

/** A Fashion-MNIST zoo (demo or reversed) from its manifest. @throws Error when it has no manifest */
export async function loadFashionZoo(name: keyof typeof FASHION_ZOOS): Promise<BenchZoo> {
  const dir = resolve(projectRoot(), FASHION_ZOOS[name]);
  const manifest = await readManifest(dir);
  if (!manifest) throw new Error(`no zoo manifest in ${dir}: build it with npm run demo:build-zoo`);
  const file = (path: string): string => pathToFileURL(join(dir, path)).href;
  const recipe = manifest.candidates.find((c) => c.groundTruth)?.groundTruth?.recipe;
  const { truth, missing } = manifestTruth(manifest.candidates);
  return {
    name,
    description: ZOO_DESCRIPTIONS[name],
    task: {
      name: `${name}-zoo`,
      trainUri: file(manifest.dataset.target.train.path),
      validationUri: file(manifest.dataset.target.validation.path),
      trainSamples: manifest.dataset.target.train.samples,
      normalisation: manifest.dataset.normalisation,
      mode: 'finetune',
      // The ground truth's optimiser and probe: an early run is the first epochs of the same training.
      batchSize: DEFAULT_TRUTH_RECIPE.batchSize,
      learningRate: DEFAULT_TRUTH_RECIPE.learningRate,
      probeWidths: DEFAULT_TRUTH_RECIPE.probe.widths,
      candidates: manifest.candidates.map((c) => ({
        id: c.id,
        model: file(c.modelPath),
        featureLayer: c.featureLayer,
      })),
    },
    truth,
    missingTruth: missing,
    truthRecipe: truthRecipeLine(recipe),
  };
}

/** What a ground truth is, in one line. */
export function truthRecipeLine(recipe: GroundTruthRecipe | undefined): string {
  return recipe
    ? `${recipe.mode} to a validation plateau (patience ${recipe.patience}, ≤ ${recipe.maxEpochs} epochs), Adam lr ${recipe.learningRate}, batch ${recipe.batchSize}, test accuracy at the best validation epoch`
    : 'none';
}
