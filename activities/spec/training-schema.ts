/**
 * The zod schemas of what one candidate's training needs: the one place its fields, bounds and defaults
 * are written. The sweep spec (`sweep-spec.ts`) is built from these parts, and the training library's
 * input (`candidateTrainingInputSchema`, validated in `training/resolve-input.ts`) is made of the same
 * parts, so a default cannot differ between what a user writes and what a worker trains with.
 */
import { convertibleModelProblem } from './convertible-model.js';
import { z } from 'zod';
import {
  DEFAULT_INTERACTION_MODEL,
  INTERACTION_MODEL_NAMES,
  type InteractionModelName,
} from '../capacitance/interaction-models.js';
import { CHANNEL_ORDERS, NORMALISATION_PRESET_NAMES } from './normalisation.js';
import { MAX_SEGMENT_LENGTH, SEGMENT_CHARACTERS, SEGMENT_PATTERN } from '../store/key-segment.js';

/** Upper bounds enforced on every spec. */
export const SPEC_LIMITS = {
  /** Candidates per sweep. */
  candidates: 1000,
  /** Epochs of the observation window. */
  epochs: 100,
  /** Epoch counts (window, halving rungs) are multiples of 1/this: exact in binary and in JSON. */
  epochFractionDenominator: 64,
  /** Samples per step. */
  batchSize: 4096,
  /** NCP hidden layers. */
  probeLayers: 8,
  /** Width of one NCP layer. */
  probeWidth: 4096,
  /** Candidates trained at once. */
  maxParallel: 256,
  /** Validation evaluations per epoch. */
  evaluationsPerEpoch: 100,
  /** Minutes one candidate's training may take (the activity's start-to-close timeout). */
  candidateMinutes: 24 * 60,
} as const;

/**
 * `finetune`: the backbone's weights train with the probe (as in the paper).
 * `frozen`: backbone features are computed once (and cached in the store); only the probe and head train.
 */
export const TRAINING_MODES = ['finetune', 'frozen'] as const;
export const OPTIMIZERS = ['adam', 'sgd', 'momentum'] as const;
export const DATASET_FORMATS = ['auto', 'safetensors', 'npy', 'image-folder'] as const;
/**
 * What happens to a spatial feature-layer output `[h, w, c]` before the probe: `'none'` flattens it to
 * h·w·c values; `'average'` / `'max'` pool it globally over h and w to `c` values, so a cut inside a
 * convolutional backbone gives the probe a vector of the layer's channel count.
 */
export const FEATURE_POOLINGS = ['none', 'average', 'max'] as const;
/**
 * What a spec may ask: a {@link FEATURE_POOLINGS} value, or `'auto'`: `'average'` when the automatic cut
 * (no `featureLayer`) gives a spatial map, else `'none'`. A new spec's unset pooling is `'auto'`; a
 * recorded spec without one keeps the `'none'` it meant when it ran (`validateRecordedSpec`).
 */
export const FEATURE_POOLING_SETTINGS = ['auto', ...FEATURE_POOLINGS] as const;
export const featurePoolingSchema = z.enum(FEATURE_POOLING_SETTINGS);

/** An id that becomes a storage key segment (sweep, candidate, spec name). */
export const idSchema = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(MAX_SEGMENT_LENGTH, `${what} must be at most ${MAX_SEGMENT_LENGTH} characters`)
    .regex(SEGMENT_PATTERN, `${what} may use only ${SEGMENT_CHARACTERS}, starting with a letter or digit`)
    .refine((s) => !s.includes('..'), `${what} must not contain '..'`);

/** The schemes the training library can read: `file://`, `s3://`, `http(s)://`. */
export const LOCATION_PATTERN = /^(file|s3|https?):\/\/./;

/** Where a model or dataset lives: the schemes the training library can read. */
export const locationSchema = (what: string) =>
  z
    .string({ error: `${what} must be a URI string` })
    .regex(LOCATION_PATTERN, `${what} must be a file://, s3:// or http(s):// URI`);

/** Where a model lives: a {@link locationSchema} that refuses files needing a conversion, naming it. */
export const modelLocationSchema = (what: string) =>
  locationSchema(what).superRefine((uri, ctx) => {
    const problem = convertibleModelProblem(uri);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * How raw pixel values become model inputs: `y = (x·scale + offset − mean[c]) / std[c]`, after the channels
 * are put in `channelOrder`. Presets (defined in `normalisation.ts`): `'none'`, `'[0,1]'`, `'[-1,1]'`,
 * `'imagenet'` (0–1 RGB, ImageNet mean/std), `'caffe'` (BGR, 0–255, ImageNet BGR mean subtracted).
 */
export const normalisationSchema = z.union(
  [
    z.enum(NORMALISATION_PRESET_NAMES),
    z
      .strictObject({
        /** Multiplier applied first. @default 1 */
        scale: z.number().finite().optional(),
        /** Added after scaling. @default 0 */
        offset: z.number().finite().optional(),
        /** Per-channel mean subtracted after scale/offset (length = channels, model channel order). @default all 0 */
        mean: z.array(z.number().finite()).min(1).optional(),
        /** Per-channel standard deviation divided by last (length = channels, all > 0). @default all 1 */
        std: z.array(z.number().finite().positive('std entries must be > 0')).min(1).optional(),
        /** Channel order the model expects; `'bgr'` reverses RGB input. @default 'rgb' */
        channelOrder: z.enum(CHANNEL_ORDERS).optional(),
      })
      .refine((n) => !n.mean || !n.std || n.mean.length === n.std.length, {
        path: ['std'],
        message: 'needs as many entries as mean: give one per channel',
      }),
  ],
  {
    error: `normalisation must be ${NORMALISATION_PRESET_NAMES.map((n) => `'${n}'`).join(', ')} or { scale, offset, mean, std, channelOrder }`,
  },
);

export const datasetSchema = z.strictObject({
  /**
   * Where the data lives: a `.safetensors` file with tensors `x` (uint8/float32, NHWC or NHW) and `y`
   * (integer labels); a folder holding `x.npy` and `y.npy`; or a folder of class sub-folders of PNG/JPEG
   * images (class = sub-folder name, labels in sorted name order).
   */
  uri: locationSchema('dataset.uri'),
  /** Which layout `uri` has; `auto` decides by extension and folder content. */
  format: z.enum(DATASET_FORMATS).default('auto'),
  normalisation: normalisationSchema.default('[0,1]'),
  /** Fraction of the (sub-sampled) samples held out for validation, stratified by class. */
  validationFraction: z.number().min(0).lt(1, 'dataset.validationFraction must be below 1').default(0.2),
  /** Seed of the sub-sampling and of the train/validation split (not of training). */
  seed: z.number().int().nonnegative().default(0),
  /** Use at most this many samples, a seeded stratified subset. @default all samples */
  maxSamples: z.number().int().min(2, 'dataset.maxSamples must be at least 2').optional(),
  /**
   * Number of target classes; verified against the labels (every label must be below it).
   * @default 1 + the largest label (tensor files) or the number of class sub-folders (image folders)
   */
  numClasses: z.number().int().min(2, 'dataset.numClasses must be at least 2').optional(),
  /** Shown in the report. */
  name: z.string().max(200).optional(),
  /**
   * A separate validation set (same layout rules as `uri`, read whole, not sub-sampled). With it every
   * (sub-sampled) sample of `uri` trains and `validationFraction` is not used.
   * @default none: validation is split off `uri` by `validationFraction`
   */
  validationUri: locationSchema('dataset.validationUri').optional(),
  /**
   * A test set (same layout rules as `uri`, read whole), scored once after training: with
   * `training.stopping` on the best epoch's weights, else on the final ones. Never trains or stops a run.
   * @default none
   */
  testUri: locationSchema('dataset.testUri').optional(),
});

export const modelSchema = z.strictObject({
  /**
   * Where the model lives (`file://`, `s3://`, `http(s)://`): a TF.js LayersModel (any mode) or
   * GraphModel (`frozen` mode only).
   */
  uri: modelLocationSchema('model.uri'),
  /**
   * Name of the layer (LayersModel) or node (GraphModel) whose output feeds the probe.
   * @default the input of the last layer with a kernel (the layer before the classifier) for a
   *   LayersModel; the model's output for a GraphModel
   */
  featureLayer: z.string().min(1, 'give a layer name or leave featureLayer out').optional(),
  /**
   * Global pooling of the feature layer's spatial output (see `FEATURE_POOLING_SETTINGS`). Inputs built
   * from a sweep spec always carry it (a recorded spec's unset one as `'none'`).
   * @default 'auto'
   */
  featurePooling: featurePoolingSchema.default('auto'),
});

export const modeSchema = z.enum(TRAINING_MODES).default('finetune');

/** The fields of the training loop itself (what the training library reads). */
export const trainingLoopSchema = z.strictObject({
  /**
   * Epochs of the observation window; fractions allowed (`0.5`: training stops after
   * round(0.5 × steps per epoch) steps, at least one). Whole epochs with `stopping`.
   */
  epochs: z
    .number({ error: 'training.epochs must be a number of epochs, e.g. 3 or 0.5' })
    .positive('training.epochs must be > 0 (fractions such as 0.5 are allowed)')
    .max(SPEC_LIMITS.epochs, `training.epochs must be at most ${SPEC_LIMITS.epochs}`)
    .refine((e) => Number.isInteger(e * SPEC_LIMITS.epochFractionDenominator), {
      message: `training.epochs must be a multiple of 1/${SPEC_LIMITS.epochFractionDenominator} epoch, e.g. 0.25 or 1.5`,
    })
    .default(3),
  /** Samples per training step (the last step of an epoch may be smaller). */
  batchSize: z.number().int().min(1).max(SPEC_LIMITS.batchSize).default(32),
  learningRate: z.number().positive('training.learningRate must be > 0').max(10).default(0.001),
  optimizer: z.enum(OPTIMIZERS).default('adam'),
  /** Momentum of the `momentum` optimizer. */
  momentum: z.number().min(0).lt(1).default(0.9),
  /** Write a snapshot every this many optimizer steps (also at step 0 and at each epoch's end). */
  snapshotEvery: z.number().int().min(1).default(10),
  /** Seed of the probe's initialisation and of the per-epoch shuffling. */
  seed: z.number().int().nonnegative().default(0),
  /**
   * Validation evaluations per epoch, at evenly spaced steps (the last at the epoch's end), each with a
   * probe snapshot: `4` gives the ¼, ½, ¾ and 1 epoch points. Each costs one pass over the validation set.
   */
  evaluationsPerEpoch: z
    .number()
    .int()
    .min(1, 'training.evaluationsPerEpoch must be at least 1 (1 = at each epoch end)')
    .max(
      SPEC_LIMITS.evaluationsPerEpoch,
      `training.evaluationsPerEpoch must be at most ${SPEC_LIMITS.evaluationsPerEpoch}`,
    )
    .default(1),
  /**
   * Full training to a validation plateau: stop when validation accuracy has not improved by more than
   * `minDelta` for `patience` epochs, at most `epochs` epochs; the best epoch is the result (and its
   * weights score `dataset.testUri`). @default none: train exactly `epochs` epochs
   */
  stopping: z
    .strictObject({
      /** Epochs without an improvement before stopping. */
      patience: z
        .number({ error: 'training.stopping.patience must be a whole number of epochs' })
        .int('training.stopping.patience must be a whole number of epochs')
        .min(1, 'training.stopping.patience must be at least 1 epoch')
        .default(3),
      /** Smallest validation accuracy increase (accuracy units, [0, 1]) that counts as an improvement. */
      minDelta: z
        .number({ error: 'training.stopping.minDelta must be a number' })
        .min(0, 'training.stopping.minDelta must be ≥ 0 (accuracy units, e.g. 0.001)')
        .lt(1, 'training.stopping.minDelta is in accuracy units [0, 1): use e.g. 0.001')
        .default(0),
    })
    .optional(),
});

export const probeSchema = z.strictObject({
  /** Widths of the NCP unit's hidden Dense layers (ReLU). With the head, ≥ 3 weight layers in all. */
  widths: z
    .array(z.number().int().min(1).max(SPEC_LIMITS.probeWidth))
    .min(
      2,
      'probe.widths needs at least 2 hidden layers: with the head, β_eff needs at least 3 weight layers',
    )
    .max(SPEC_LIMITS.probeLayers)
    .default([256, 128, 64]),
  /** Whether the NCP unit's weights train; `false` keeps them at their seeded initialisation (the head still trains). */
  trainable: z.boolean().default(true),
  /**
   * Record per snapshot the batch statistics the `gradient-coupled` interaction model needs (mean |input
   * activation|, mean ReLU derivative, mean |back-propagated error| per layer) as extra tensors.
   */
  recordBatchStats: z.boolean().default(false),
  /**
   * `frozen` mode: standardise the cached backbone features per dimension with the training split's mean
   * and std before the probe (validation and test rows get the training split's statistics; dimensions
   * constant on the training split become 0). Without it, a backbone whose features reach magnitudes of
   * 10–100 can collapse the probe to chance. Ignored in `finetune` mode, where features are not cached.
   * Left unset it is {@link DEFAULT_STANDARDISE_FEATURES} (not written into the parsed spec, so a finetune
   * spec keeps its sweep id; a standardising frozen one gets a new id and checkpoint identity, see
   * `specSweepId` and `trainingFingerprint`).
   * @default true
   */
  standardiseFeatures: z.boolean().optional(),
});

/** `probe.standardiseFeatures` when a spec leaves it out (kept out of the parsed spec, see above). */
export const DEFAULT_STANDARDISE_FEATURES = true;

/** Whether a run standardises its frozen features: `frozen` mode and `probe.standardiseFeatures` (or its default). */
export function standardisesFeatures(
  mode: (typeof TRAINING_MODES)[number],
  probe: { standardiseFeatures?: boolean | undefined },
): boolean {
  return mode === 'frozen' && (probe.standardiseFeatures ?? DEFAULT_STANDARDISE_FEATURES);
}

/** How β_eff is computed from a snapshot: the sweep's scoring settings (`selection`) and training's `monitor`. */
export const betaSettingsShape = {
  interactionModel: z
    .enum(INTERACTION_MODEL_NAMES as [InteractionModelName, ...InteractionModelName[]])
    .default(DEFAULT_INTERACTION_MODEL),
  /** Leave the input projection (backbone feature width × first NCP width) out of G_A: its width differs per candidate. */
  skipInputProjection: z.boolean().default(true),
};

const betaSettingsSchema = z.strictObject(betaSettingsShape);

/** The β_eff settings a sweep uses when its spec says nothing; `ncap beta` starts from them too. */
export const DEFAULT_BETA_SETTINGS = betaSettingsSchema.parse({});

/**
 * The training library's input: what crosses Temporal for one candidate (small, JSON-serialisable, no
 * store URI: the store is a dependency of the worker). Every default is the sweep spec's.
 */
export const candidateTrainingInputSchema = z.strictObject({
  /** Sweep this candidate belongs to; becomes a key segment. */
  sweepId: idSchema('sweepId'),
  /** Candidate id, unique within the sweep; becomes a key segment. */
  candidateId: idSchema('candidateId'),
  model: modelSchema,
  dataset: datasetSchema,
  mode: modeSchema,
  probe: probeSchema.default(() => probeSchema.parse({})),
  training: trainingLoopSchema.default(() => trainingLoopSchema.parse({})),
  /**
   * How the β_eff in progress reports and `result.json` is computed; the sweep passes its scoring
   * settings so what a user watches is what the ranking uses. Not part of the checkpoint identity.
   */
  monitor: betaSettingsSchema.default(() => ({ ...DEFAULT_BETA_SETTINGS })),
});
