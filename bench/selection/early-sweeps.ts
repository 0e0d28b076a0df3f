/**
 * The selection benchmark's early runs: for each zoo, two real ncap sweeps of every candidate over the
 * longest window (2 epochs), evaluated 4 times per epoch so the windows ¼, ½, 1 and 2 epochs all come from
 * one run. The two probe settings the issue compares:
 *
 * - `trainable`: the NCP unit trains with the backbone; β_eff with `abs-product` (the paper's reading).
 * - `frozen-probe`: the NCP unit keeps its seeded initialisation (`probe.trainable: false`) and records
 *   batch statistics; β_eff with `gradient-coupled` (the patent's reading).
 *
 * The seed is {@link EARLY_SEED} ({@link REPLICATE_EARLY_SEEDS} for the time-to-decision benchmark's
 * replicates), never the ground truth's. A sweep's id follows its content, so a re-run
 * reuses every finished candidate and resumes the others from their checkpoints.
 */
import { createHash } from 'node:crypto';
import { validateSweepSpec, type SweepSpec } from '../../activities/spec/sweep-spec.js';
import { canonicalJson } from '../../activities/sweep/stored-spec.js';
import { TRUTH_SEEDS } from '../truth/ground-truth.js';

/** Seed of the early runs (probe initialisation, batch order); disjoint from the ground truth's. */
export const EARLY_SEED = 2001;
/**
 * Further training seeds of the `trainable` early runs, replayed by the time-to-decision benchmark so a
 * strategy's regret is not one seed's luck (`npm run bench:ttd -- --run-seeds` trains them).
 */
export const REPLICATE_EARLY_SEEDS = [2002, 2003] as const;
/** Longest early window, epochs (the others are read from the same run). */
export const EARLY_EPOCHS = 2;
/** Validation evaluations per epoch of the early runs: points at ¼, ½, ¾, 1, … epochs. */
export const EVALUATIONS_PER_EPOCH = 4;
/** Windows scored, in epochs. */
export const WINDOWS = [0.25, 0.5, 1, 2] as const;
/** β_eff snapshots per epoch besides the evaluation points (so short windows still have a trajectory). */
const SNAPSHOTS_PER_EPOCH = 8;

for (const seed of [EARLY_SEED, ...REPLICATE_EARLY_SEEDS])
  if ((TRUTH_SEEDS as readonly number[]).includes(seed))
    throw new Error(`early seed ${seed} must differ from the ground truth's seeds`);

export const PROBE_SETTINGS = {
  trainable: {
    label: 'trainable probe, abs-product',
    probe: { trainable: true, recordBatchStats: false },
    interactionModel: 'abs-product',
  },
  'frozen-probe': {
    label: 'frozen probe, gradient-coupled',
    probe: { trainable: false, recordBatchStats: true },
    interactionModel: 'gradient-coupled',
  },
} as const;
export type ProbeSetting = keyof typeof PROBE_SETTINGS;
export const PROBE_SETTING_NAMES = Object.keys(PROBE_SETTINGS) as ProbeSetting[];

/** What an early sweep of a zoo needs to know about it. */
export interface EarlyTask {
  /** Names the sweep (`early-<name>-<setting>-…`). */
  name: string;
  trainUri: string;
  validationUri: string;
  trainSamples: number;
  normalisation: SweepSpec['dataset']['normalisation'];
  mode: 'finetune' | 'frozen';
  /** The ground truth's optimiser settings: the early run is the first epochs of the same training. */
  batchSize: number;
  learningRate: number;
  probeWidths: number[];
  candidates: {
    id: string;
    model: string;
    featureLayer?: string;
    featurePooling?: string;
    /** The model's own pixel normalisation. @default the task's */
    normalisation?: SweepSpec['dataset']['normalisation'];
  }[];
}

/**
 * The sweep id of a zoo's early runs before its content hash: `early-<zoo>-<setting>-` for
 * {@link EARLY_SEED} (the ids runs have had from the start), `early-<zoo>-<setting>-s<seed>-` for another.
 */
export const earlySweepIdPrefix = (zoo: string, setting: ProbeSetting, seed: number): string =>
  `early-${zoo}-${setting}-${seed === EARLY_SEED ? '' : `s${seed}-`}`;

/** Whether `sweepId` is an early sweep of `zoo` under `setting` and `seed` (any content hash). */
export function isEarlySweepId(
  sweepId: string,
  zoo: string,
  setting: ProbeSetting,
  seed: number = EARLY_SEED,
): boolean {
  const prefix = earlySweepIdPrefix(zoo, setting, seed);
  return sweepId.startsWith(prefix) && /^[0-9a-f]{10}$/.test(sweepId.slice(prefix.length));
}

/** The sweep spec of one zoo's early runs under one probe setting and seed (its id follows its content). */
export function earlySweepSpec(
  task: EarlyTask,
  setting: ProbeSetting,
  maxParallel = 1,
  seed: number = EARLY_SEED,
): SweepSpec {
  const s = PROBE_SETTINGS[setting];
  const stepsPerEpoch = Math.ceil(task.trainSamples / task.batchSize);
  const input = {
    name: `early-${task.name}`,
    description: `selection benchmark early runs of ${task.name}: ${EARLY_EPOCHS} epochs, ${s.label}`,
    dataset: {
      name: task.name,
      uri: task.trainUri,
      validationUri: task.validationUri,
      normalisation: task.normalisation,
      seed: 0,
    },
    candidates: task.candidates.map((c) => ({
      id: c.id,
      model: c.model,
      ...(c.featureLayer ? { featureLayer: c.featureLayer } : {}),
      ...(c.featurePooling ? { featurePooling: c.featurePooling } : {}),
      ...(c.normalisation !== undefined ? { normalisation: c.normalisation } : {}),
    })),
    mode: task.mode,
    training: {
      epochs: EARLY_EPOCHS,
      batchSize: task.batchSize,
      learningRate: task.learningRate,
      optimizer: 'adam',
      snapshotEvery: Math.max(1, Math.floor(stepsPerEpoch / SNAPSHOTS_PER_EPOCH)),
      seed,
      evaluationsPerEpoch: EVALUATIONS_PER_EPOCH,
      maxMinutesPerCandidate: 60,
    },
    // Written out for frozen tasks, so their ids differ from the runs made on raw features before it existed.
    probe: {
      widths: task.probeWidths,
      ...s.probe,
      ...(task.mode === 'frozen' ? { standardiseFeatures: true } : {}),
    },
    selection: { interactionModel: s.interactionModel, skipInputProjection: true },
  };
  // The id hashes what this benchmark asks for, not the validated spec: a default added to the schema
  // later does not orphan finished runs (how many run at once is not part of it either).
  const hash = createHash('sha256').update(canonicalJson(input)).digest('hex').slice(0, 10);
  return validateSweepSpec({
    ...input,
    id: `${earlySweepIdPrefix(task.name, setting, seed)}${hash}`,
    concurrency: { maxParallel },
  });
}
