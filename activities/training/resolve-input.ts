/**
 * Validates a {@link CandidateTrainingInput} and fills in its defaults, once, at the activity's edge.
 * Every error names the field and the fix.
 */
import { InvalidKeyError } from '../store/errors.js';
import { validateSegment } from '../store/keys.js';
import { InvalidTrainingInputError } from './errors.js';
import {
  DATASET_FORMATS,
  FEATURE_POOLINGS,
  OPTIMIZERS,
  TRAINING_MODES,
  type CandidateTrainingInput,
  type DatasetFormat,
  type FeaturePooling,
  type Normalisation,
  type OptimizerName,
  type TrainingMode,
} from './types.js';

/** Affine per-channel normalisation, every preset expanded: `y = (x·scale + offset − mean[c]) / std[c]`. */
export interface ResolvedNormalisation {
  scale: number;
  offset: number;
  /** Empty means 0 for every channel. */
  mean: number[];
  /** Empty means 1 for every channel. */
  std: number[];
}

export interface ResolvedTrainingInput {
  sweepId: string;
  candidateId: string;
  model: { uri: string; featureLayer: string | undefined; featurePooling: FeaturePooling };
  dataset: {
    uri: string;
    format: DatasetFormat;
    normalisation: ResolvedNormalisation;
    validationFraction: number;
    seed: number;
    maxSamples: number | undefined;
    numClasses: number | undefined;
  };
  mode: TrainingMode;
  probe: { widths: number[]; trainable: boolean; recordBatchStats: boolean };
  monitor: {
    skipInputProjection: boolean;
    interactionModel: 'abs-product' | 'signed-product' | 'gradient-coupled';
  };
  training: {
    epochs: number;
    batchSize: number;
    learningRate: number;
    optimizer: OptimizerName;
    momentum: number;
    snapshotEvery: number;
    seed: number;
  };
}

export const DEFAULT_PROBE_WIDTHS = [256, 128, 64] as const;
/** Bounds the number of snapshots so `result.json` stays small. */
export const MAX_SNAPSHOTS = 2000;

const fail = (field: string, message: string): never => {
  throw new InvalidTrainingInputError(`${field}: ${message}`, field);
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function integer(v: unknown, field: string, min: number, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    return fail(field, `expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function finite(
  v: unknown,
  field: string,
  check: (n: number) => boolean,
  what: string,
  fallback?: number,
): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
    return fail(field, `expected ${what}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    return fail(
      field,
      `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}

function uri(v: unknown, field: string): string {
  if (typeof v !== 'string' || !/^(file|s3|https?):\/\/./.test(v)) {
    return fail(field, `expected a file://, s3:// or http(s):// URI, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Expands a normalisation preset or object. */
export function resolveNormalisation(
  n: Normalisation | undefined,
  field = 'dataset.normalisation',
): ResolvedNormalisation {
  if (n === undefined) {
    return fail(
      field,
      "is required: say how pixels are scaled, e.g. '[0,1]', '[-1,1]', 'none' or { scale, offset, mean, std }",
    );
  }
  if (n === 'none') return { scale: 1, offset: 0, mean: [], std: [] };
  if (n === '[0,1]') return { scale: 1 / 255, offset: 0, mean: [], std: [] };
  if (n === '[-1,1]') return { scale: 2 / 255, offset: -1, mean: [], std: [] };
  if (!isObject(n))
    return fail(field, `expected 'none', '[0,1]', '[-1,1]' or an object, got ${JSON.stringify(n)}`);
  const scale = finite(n.scale, `${field}.scale`, () => true, 'a finite number', 1);
  const offset = finite(n.offset, `${field}.offset`, () => true, 'a finite number', 0);
  const list = (v: unknown, name: string, positive: boolean): number[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.length === 0)
      return fail(`${field}.${name}`, 'expected a non-empty array of numbers, one per channel');
    return v.map((x, i) =>
      finite(
        x,
        `${field}.${name}[${i}]`,
        (y) => !positive || y > 0,
        positive ? 'a number > 0' : 'a finite number',
      ),
    );
  };
  const mean = list(n.mean, 'mean', false);
  const std = list(n.std, 'std', true);
  if (mean.length > 0 && std.length > 0 && mean.length !== std.length) {
    fail(`${field}.std`, `has ${std.length} entries but mean has ${mean.length}; give one per channel`);
  }
  return { scale, offset, mean, std };
}

function segment(v: unknown, field: string): string {
  try {
    return validateSegment(v as string, field);
  } catch (error) {
    if (error instanceof InvalidKeyError)
      throw new InvalidTrainingInputError(error.message, field, { cause: error });
    throw error;
  }
}

/**
 * Validates the input and applies every default.
 * @throws InvalidTrainingInputError naming the field and the fix.
 */
export function resolveTrainingInput(input: CandidateTrainingInput): ResolvedTrainingInput {
  if (!isObject(input)) return fail('input', 'expected an object');
  const sweepId = segment(input.sweepId, 'sweepId');
  const candidateId = segment(input.candidateId, 'candidateId');

  if (!isObject(input.model)) return fail('model', 'expected { uri, featureLayer?, featurePooling? }');
  const featureLayer = input.model.featureLayer;
  if (featureLayer !== undefined && (typeof featureLayer !== 'string' || featureLayer === '')) {
    fail(
      'model.featureLayer',
      'expected a non-empty layer name or no value (the layer before the classifier)',
    );
  }

  if (!isObject(input.dataset)) return fail('dataset', 'expected { uri, normalisation, … }');
  const d = input.dataset;
  const validationFraction = finite(
    d.validationFraction,
    'dataset.validationFraction',
    (x) => x >= 0 && x < 1,
    'a number in [0, 1)',
    0.2,
  );
  const maxSamples = d.maxSamples === undefined ? undefined : integer(d.maxSamples, 'dataset.maxSamples', 2);
  const numClasses = d.numClasses === undefined ? undefined : integer(d.numClasses, 'dataset.numClasses', 2);

  const probe = input.probe ?? {};
  if (!isObject(probe)) return fail('probe', 'expected { widths?, trainable? }');
  const widthsRaw: unknown = probe.widths ?? [...DEFAULT_PROBE_WIDTHS];
  if (!Array.isArray(widthsRaw))
    return fail('probe.widths', 'expected an array of layer widths, e.g. [256, 128, 64]');
  const widths = widthsRaw.map((w, i) => integer(w, `probe.widths[${i}]`, 1));
  if (widths.length < 2) {
    fail(
      'probe.widths',
      `the probed network (NCP unit + head) needs at least 3 weight layers for a non-zero β_eff; give at least 2 widths, got ${widths.length}`,
    );
  }
  const trainable: unknown = probe.trainable ?? true;
  if (typeof trainable !== 'boolean') return fail('probe.trainable', 'expected true or false');
  const recordBatchStats: unknown = probe.recordBatchStats ?? false;
  if (typeof recordBatchStats !== 'boolean') return fail('probe.recordBatchStats', 'expected true or false');

  if (!isObject(input.training)) return fail('training', 'expected { epochs, batchSize?, learningRate?, … }');
  const t = input.training;
  return {
    sweepId,
    candidateId,
    model: {
      uri: uri(input.model.uri, 'model.uri'),
      featureLayer,
      featurePooling: oneOf(input.model.featurePooling, 'model.featurePooling', FEATURE_POOLINGS, 'none'),
    },
    dataset: {
      uri: uri(d.uri, 'dataset.uri'),
      format: oneOf(d.format, 'dataset.format', DATASET_FORMATS, 'auto'),
      normalisation: resolveNormalisation(d.normalisation),
      validationFraction,
      seed: integer(d.seed, 'dataset.seed', 0, 0),
      maxSamples,
      numClasses,
    },
    mode: oneOf(input.mode, 'mode', TRAINING_MODES, 'finetune'),
    probe: { widths, trainable, recordBatchStats },
    monitor: {
      skipInputProjection: input.monitor?.skipInputProjection === true,
      interactionModel:
        input.monitor?.interactionModel === 'signed-product' ? 'signed-product' : 'abs-product',
    },
    training: {
      epochs: integer(t.epochs, 'training.epochs', 1),
      batchSize: integer(t.batchSize, 'training.batchSize', 1, 32),
      learningRate: finite(t.learningRate, 'training.learningRate', (x) => x > 0, 'a number > 0', 1e-3),
      optimizer: oneOf(t.optimizer, 'training.optimizer', OPTIMIZERS, 'adam'),
      momentum: finite(t.momentum, 'training.momentum', (x) => x >= 0 && x < 1, 'a number in [0, 1)', 0.9),
      snapshotEvery: integer(t.snapshotEvery, 'training.snapshotEvery', 1, 10),
      seed: integer(t.seed, 'training.seed', 0, 0),
    },
  };
}

/** Rejects a snapshot cadence that would write more than {@link MAX_SNAPSHOTS} snapshots. */
export function checkSnapshotCount(
  totalSteps: number,
  stepsPerEpoch: number,
  snapshotEvery: number,
  epochs: number,
): void {
  const count = 1 + Math.floor(totalSteps / snapshotEvery) + epochs;
  if (count > MAX_SNAPSHOTS) {
    const suggestion = Math.ceil(totalSteps / (MAX_SNAPSHOTS - 1 - epochs));
    fail(
      'training.snapshotEvery',
      `${snapshotEvery} gives about ${count} snapshots over ${totalSteps} steps (${stepsPerEpoch} per epoch); ` +
        `keep it under ${MAX_SNAPSHOTS}: use at least ${suggestion}`,
    );
  }
}
