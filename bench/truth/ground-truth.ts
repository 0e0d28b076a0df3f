/**
 * The converged ground truth of a set of candidates on a target task: for each seed, one real ncap sweep
 * with `training.stopping` (every candidate fine-tuned until validation accuracy stops improving, at most
 * `maxEpochs` epochs) scored on a held-out test set at its best epoch. Seeds set the probe's and head's
 * initialisation and the batch order (`training.seed`); early-training runs must use other seeds.
 *
 * Usage (what `--build-truth` and any other zoo builder call):
 *
 * ```ts
 * await withLocalSweeps({ storeUri, log }, (sweeps) =>
 *   measureGroundTruth({ sweeps, task, candidates, recipe: DEFAULT_TRUTH_RECIPE, seeds: TRUTH_SEEDS,
 *     onRun: (candidateId, run) => save(candidateId, run), log }));
 * ```
 *
 * Every (candidate, seed) run is reported through `onRun` as soon as its candidate finishes; `skip` names
 * the runs already known, which are then not reported again. A sweep's id depends only on the task,
 * candidates, recipe and seed, so an interrupted measurement started again reuses the candidates that
 * finished and resumes the others from their checkpoints.
 */
import { createHash } from 'node:crypto';
import { validateSweepSpec, type SweepSpec } from '../../activities/spec/sweep-spec.js';
import { canonicalJson } from '../../activities/sweep/stored-spec.js';
import { sweepKeys } from '../../activities/store/keys.js';
import type { CandidateResult } from '../../activities/training/types.js';
import type { GroundTruthRecipe, GroundTruthRun } from '../../zoos/fashion/manifest.js';
import type { LocalSweeps } from '../../scripts/sweeps/local-sweeps.js';

/**
 * The recipe of the shipped ground truths: the network a sweep trains (backbone, NCP unit, fresh head;
 * every layer trainable in `finetune` mode) with Adam at the demo's learning rate 1e-3 and batch 64 (not
 * tuned on any zoo), to a plateau of validation accuracy (patience 3, at most 20 epochs: 10× the longest
 * early window of 2 epochs).
 */
export const DEFAULT_TRUTH_RECIPE: GroundTruthRecipe = {
  method: 'ncap full-training sweep (training.stopping)',
  mode: 'finetune',
  maxEpochs: 20,
  patience: 3,
  minDelta: 0,
  batchSize: 64,
  learningRate: 1e-3,
  optimizer: 'adam',
  probe: { widths: [256, 128, 64], trainable: true },
  trainSplit: 'train',
  validationSplit: 'validation',
  evaluatedOn: 'test',
  normalisation: '[0,1]',
};

/**
 * The real-network zoo's recipe (frozen backbones, features cached): only the NCP unit and the head
 * train, with Adam 2e-3 and batch 64 to a plateau of validation accuracy (patience 5, at most 40 epochs;
 * its 600 training images make an epoch 10 steps, so a plateau needs more epochs than the Fashion-MNIST
 * zoos' 6,000).
 */
export const FROZEN_TRUTH_RECIPE: GroundTruthRecipe = {
  ...DEFAULT_TRUTH_RECIPE,
  mode: 'frozen',
  // Written out: the runs (and their cache key) differ from those measured on raw features before it existed.
  probe: { ...DEFAULT_TRUTH_RECIPE.probe, standardiseFeatures: true },
  maxEpochs: 40,
  patience: 5,
  learningRate: 2e-3,
};

/** Seeds of the ground-truth runs. Early-training runs (the predictors' input) must not use these. */
export const TRUTH_SEEDS = [1001, 1002, 1003] as const;

/** The target task: three separate files (URIs) of one labelled data set. */
export interface TruthTask {
  /** Names the sweeps (`truth-<name>-s<seed>-…`); letters, digits, `.`, `_`, `-`. */
  name: string;
  trainUri: string;
  validationUri: string;
  testUri: string;
  /** Sweep spec `dataset.normalisation`. */
  normalisation: SweepSpec['dataset']['normalisation'];
}

export interface TruthCandidate {
  id: string;
  /** `model.json` URI. */
  model: string;
  featureLayer?: string;
  /** Global pooling of a convolutional feature layer (the sweep spec's `featurePooling`). */
  featurePooling?: 'average' | 'max';
  /** The model's own pixel normalisation (the sweep candidate's `normalisation`). @default the task's */
  normalisation?: SweepSpec['dataset']['normalisation'];
}

export interface MeasureGroundTruthOptions {
  sweeps: LocalSweeps;
  task: TruthTask;
  candidates: readonly TruthCandidate[];
  recipe: GroundTruthRecipe;
  seeds: readonly number[];
  /** Runs already known (not reported again); a seed whose every run is known is not swept. */
  skip?: (candidateId: string, seed: number) => boolean;
  /** Called once per finished (candidate, seed). */
  onRun: (candidateId: string, run: GroundTruthRun) => void | Promise<void>;
  /** Trainings at once (the sweep's `concurrency.maxParallel`). @default 1 */
  maxParallel?: number;
  log: (line: string) => void;
}

/** The sweep spec of one seed's ground-truth runs (its `id` follows its content). */
export function truthSweepSpec(
  task: TruthTask,
  candidates: readonly TruthCandidate[],
  recipe: GroundTruthRecipe,
  seed: number,
  maxParallel = 1,
): SweepSpec {
  const spec = validateSweepSpec({
    name: `truth-${task.name}`,
    description: `ground truth of ${task.name}: full training to a validation plateau, seed ${seed}`,
    dataset: {
      name: task.name,
      uri: task.trainUri,
      validationUri: task.validationUri,
      testUri: task.testUri,
      normalisation: task.normalisation,
      seed: 0,
    },
    candidates: candidates.map((c) => ({
      id: c.id,
      model: c.model,
      ...(c.featureLayer ? { featureLayer: c.featureLayer } : {}),
      ...(c.featurePooling ? { featurePooling: c.featurePooling } : {}),
      ...(c.normalisation !== undefined ? { normalisation: c.normalisation } : {}),
    })),
    mode: recipe.mode,
    training: {
      epochs: recipe.maxEpochs,
      batchSize: recipe.batchSize,
      learningRate: recipe.learningRate,
      optimizer: recipe.optimizer,
      // Snapshots only at step 0 and epoch ends: the ground truth needs no β_eff trajectory.
      snapshotEvery: 1_000_000,
      seed,
      stopping: { patience: recipe.patience, minDelta: recipe.minDelta },
      maxMinutesPerCandidate: 240,
    },
    probe: recipe.probe,
    concurrency: { maxParallel },
  });
  // Not in the id: how many run at once does not change what they compute.
  const { concurrency: _c, ...identity } = spec;
  const hash = createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 10);
  return { ...spec, id: `truth-${task.name}-s${seed}-${hash}` };
}

/** The ground-truth run recorded for a candidate's `result.json` of a `training.stopping` sweep. */
export function groundTruthRun(result: CandidateResult, seed: number): GroundTruthRun {
  const ft = result.fullTraining;
  const test = result.test;
  if (!ft || !test)
    throw new Error(
      `${result.sweepId}/${result.candidateId}: result.json has no ${ft ? 'test' : 'fullTraining'} block; it was not a full-training run with a test set`,
    );
  return {
    seed,
    testAccuracy: test.accuracy,
    validationAccuracy: ft.best.valAccuracy ?? Number.NaN,
    bestEpoch: ft.bestEpoch,
    epochsRun: ft.epochsRun,
    stoppedBy: ft.stoppedBy,
    samplesProcessed: result.compute?.trainSamples ?? 0,
    curve: result.epochs.map((e) => ({
      epoch: e.epoch,
      trainLoss: e.trainLoss,
      valLoss: e.valLoss,
      valAccuracy: e.valAccuracy,
    })),
    sweepId: result.sweepId,
    backend: result.backend,
    seconds: result.timing.trainSeconds,
  };
}

/** Runs the missing (candidate, seed) pairs, seed by seed, reporting each as it finishes. */
export async function measureGroundTruth(options: MeasureGroundTruthOptions): Promise<void> {
  const { sweeps, task, candidates, recipe, log } = options;
  const skip = options.skip ?? (() => false);
  for (const seed of options.seeds) {
    const missing = candidates.filter((c) => !skip(c.id, seed));
    if (missing.length === 0) {
      log(`seed ${seed}: all ${candidates.length} runs known`);
      continue;
    }
    // Every candidate is in the spec whatever is known, so the sweep id (and its reusable results) is stable.
    const spec = truthSweepSpec(task, candidates, recipe, seed, options.maxParallel);
    const sweepId = spec.id!;
    log(`seed ${seed}: sweep ${sweepId}, ${missing.length} of ${candidates.length} candidates to measure`);
    const reported = new Set<string>();
    const collect = async (candidateId: string): Promise<void> => {
      if (reported.has(candidateId) || skip(candidateId, seed)) return;
      reported.add(candidateId);
      const key = sweepKeys(sweepId).candidate(candidateId).result;
      let run: GroundTruthRun;
      try {
        const result = JSON.parse(
          Buffer.from(await sweeps.store.get(key)).toString('utf8'),
        ) as CandidateResult;
        run = groundTruthRun(result, seed);
      } catch (error) {
        // One unreadable result never loses the others; a later build measures it again.
        log(`seed ${seed} ${candidateId}: no usable result (${(error as Error).message})`);
        return;
      }
      log(
        `seed ${seed} ${candidateId}: test ${(100 * run.testAccuracy).toFixed(2)}% at epoch ${run.bestEpoch}/${run.epochsRun} (${run.stoppedBy}), ${run.samplesProcessed} samples, ${run.seconds.toFixed(0)} s`,
      );
      await options.onRun(candidateId, run);
    };
    const result = await sweeps.run(spec, async (progress) => {
      for (const c of progress.candidates) if (c.state === 'succeeded') await collect(c.candidateId);
    });
    for (const c of candidates) {
      const failure = result.failed.find((f) => f.candidateId === c.id);
      if (failure) {
        log(`seed ${seed} ${c.id}: FAILED (${failure.failure.type}: ${failure.failure.message})`);
        continue;
      }
      await collect(c.id);
    }
  }
}
