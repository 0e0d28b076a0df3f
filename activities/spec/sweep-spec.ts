/**
 * The sweep spec: what a user writes (YAML or JSON) to run a sweep. Validated with zod; every error names
 * the field path and the fix. Limits keep one sweep within what the orchestration is sized for.
 */
import { customAlphabet } from 'nanoid';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DATASET_FORMATS, FEATURE_POOLINGS, OPTIMIZERS, TRAINING_MODES } from '../training/types.js';
import { MAX_SEGMENT_LENGTH } from '../store/keys.js';

/** Upper bounds enforced on every spec. */
export const SPEC_LIMITS = {
  /** Candidates per sweep. */
  candidates: 1000,
  /** Epochs of the observation window. */
  epochs: 100,
  /** Samples per step. */
  batchSize: 4096,
  /** NCP hidden layers. */
  probeLayers: 8,
  /** Width of one NCP layer. */
  probeWidth: 4096,
  /** Candidates trained at once. */
  maxParallel: 256,
  /** Minutes one candidate's training may take (the activity's start-to-close timeout). */
  candidateMinutes: 24 * 60,
} as const;

export const INTERACTION_MODELS = ['abs-product', 'signed-product', 'gradient-coupled'] as const;
export const SELECTION_RULES = ['beta-eff', 'predicted-accuracy'] as const;
export const DIRECTIONS = ['higher', 'lower', 'calibrate'] as const;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._=+@-]*$/;
const idSchema = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(MAX_SEGMENT_LENGTH, `${what} must be at most ${MAX_SEGMENT_LENGTH} characters`)
    .regex(
      ID_PATTERN,
      `${what} may use only letters, digits and . _ - = + @, starting with a letter or digit`,
    )
    .refine((s) => !s.includes('..'), `${what} must not contain '..'`);

const uriSchema = (what: string, schemes: readonly string[]) =>
  z
    .string({ error: `${what} must be a URI string` })
    .min(1, `${what} must not be empty`)
    .refine(
      (s) => schemes.some((scheme) => s.startsWith(`${scheme}://`)) || s.startsWith('/') || s.startsWith('.'),
      {
        message: `${what} must start with ${schemes.map((s) => `${s}://`).join(', ')} (or be a local path)`,
      },
    );

const normalisationSchema = z.union(
  [
    z.enum(['none', '[0,1]', '[-1,1]']),
    z.strictObject({
      scale: z.number().finite().optional(),
      offset: z.number().finite().optional(),
      mean: z.array(z.number().finite()).min(1).optional(),
      std: z.array(z.number().positive('std entries must be > 0')).min(1).optional(),
    }),
  ],
  { error: "dataset.normalisation must be 'none', '[0,1]', '[-1,1]' or { scale, offset, mean, std }" },
);

const datasetSchema = z.strictObject({
  uri: uriSchema('dataset.uri', ['file', 's3', 'http', 'https']),
  format: z.enum(DATASET_FORMATS).default('auto'),
  normalisation: normalisationSchema.default('[0,1]'),
  validationFraction: z.number().min(0).lt(1, 'dataset.validationFraction must be below 1').default(0.2),
  seed: z.number().int().nonnegative().default(0),
  maxSamples: z.number().int().positive().optional(),
  numClasses: z.number().int().min(2, 'dataset.numClasses must be at least 2').optional(),
  name: z.string().max(200).optional(),
});

const candidateSchema = z.strictObject({
  id: idSchema('candidate id'),
  model: uriSchema('candidate model', ['file', 's3', 'http', 'https']),
  featureLayer: z.string().min(1).optional(),
  /** Global pooling of a spatial feature layer ('average' or 'max'); see FeaturePooling. */
  featurePooling: z.enum(FEATURE_POOLINGS).optional(),
  /** Free-form labels shown in the report (architecture, source accuracy…). */
  labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const trainingSchema = z.strictObject({
  epochs: z
    .number()
    .int()
    .min(1)
    .max(SPEC_LIMITS.epochs, `training.epochs must be at most ${SPEC_LIMITS.epochs}`)
    .default(3),
  batchSize: z.number().int().min(1).max(SPEC_LIMITS.batchSize).default(32),
  learningRate: z.number().positive('training.learningRate must be > 0').max(10).default(0.001),
  optimizer: z.enum(OPTIMIZERS).default('adam'),
  momentum: z.number().min(0).lt(1).optional(),
  snapshotEvery: z.number().int().min(1).default(10),
  seed: z.number().int().nonnegative().default(0),
  /** Start-to-close budget of one candidate, minutes (retries resume from the last checkpoint). */
  maxMinutesPerCandidate: z.number().positive().max(SPEC_LIMITS.candidateMinutes).default(60),
  /** Seconds without a heartbeat after which a candidate's worker is presumed dead (the retry resumes). */
  heartbeatTimeoutSeconds: z.number().int().min(5).max(3600).default(60),
  /** Attempts per candidate, the first included (retries resume from the last checkpoint). */
  maxAttempts: z.number().int().min(1).max(20).default(3),
});

const probeSchema = z.strictObject({
  widths: z
    .array(z.number().int().min(1).max(SPEC_LIMITS.probeWidth))
    .min(2, 'probe.widths needs at least 2 hidden layers: with the head, β_eff needs ≥ 3 weight layers')
    .max(SPEC_LIMITS.probeLayers)
    .default([256, 128, 64]),
  trainable: z.boolean().default(true),
  recordBatchStats: z.boolean().default(false),
});

const selectionSchema = z.strictObject({
  interactionModel: z.enum(INTERACTION_MODELS).default('abs-product'),
  /** Leave the input projection (backbone feature width × first NCP width) out of G_A: its width differs per candidate. */
  skipInputProjection: z.boolean().default(true),
  /**
   * Whether a higher β_eff predicts a better candidate. `calibrate` (the default: the direction is never
   * assumed) learns it from `observedRuns` and, with too few of them, ranks higher-first and says so.
   */
  direction: z.enum(DIRECTIONS).default('calibrate'),
  rule: z.enum(SELECTION_RULES).default('beta-eff'),
  /** Store key or URI of a JSON list of earlier runs with known final accuracy, for calibration/prediction. */
  observedRuns: z.string().optional(),
});

const concurrencySchema = z.strictObject({
  maxParallel: z.number().int().min(1).max(SPEC_LIMITS.maxParallel).default(4),
  /** Above this many candidates, each runs in a child workflow (bounded history). */
  childWorkflowThreshold: z.number().int().min(1).default(24),
  /** In child-workflow mode, candidates started per workflow run before continue-as-new (bounds history). */
  candidatesPerRun: z.number().int().min(1).max(1000).default(100),
});

export const sweepSpecSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    /** Makes starts idempotent; without it every start is a new sweep `<name>-<nanoid>`. */
    id: idSchema('id').optional(),
    name: idSchema('name').default('sweep'),
    description: z.string().max(2000).optional(),
    store: uriSchema('store', ['file', 's3']).optional(),
    dataset: datasetSchema,
    candidates: z
      .array(candidateSchema)
      .min(1, 'candidates needs at least one entry')
      .max(
        SPEC_LIMITS.candidates,
        `candidates may hold at most ${SPEC_LIMITS.candidates} entries; split the zoo into several sweeps`,
      )
      .superRefine((candidates, ctx) => {
        const seen = new Set<string>();
        candidates.forEach((c, i) => {
          if (seen.has(c.id))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'id'],
              message: `duplicate candidate id '${c.id}'; ids must be unique`,
            });
          seen.add(c.id);
        });
      }),
    mode: z.enum(TRAINING_MODES).default('finetune'),
    training: trainingSchema.default(() => trainingSchema.parse({})),
    probe: probeSchema.default(() => probeSchema.parse({})),
    selection: selectionSchema.default(() => selectionSchema.parse({})),
    concurrency: concurrencySchema.default(() => concurrencySchema.parse({})),
  })
  .superRefine((spec, ctx) => {
    // β_eff needs ≥ 3 scored weight layers: hidden widths + head, minus the input projection when skipped.
    const scored = spec.probe.widths.length + 1 - (spec.selection.skipInputProjection ? 1 : 0);
    if (spec.selection.interactionModel === 'gradient-coupled' && !spec.probe.recordBatchStats) {
      ctx.addIssue({
        code: 'custom',
        path: ['selection', 'interactionModel'],
        message:
          'gradient-coupled reads batch statistics from the snapshots: set probe.recordBatchStats: true',
      });
    }
    if (scored < 3) {
      ctx.addIssue({
        code: 'custom',
        path: ['probe', 'widths'],
        message: `gives ${scored} scored weight layers; β_eff needs at least 3: add a hidden width${spec.selection.skipInputProjection ? ' or set selection.skipInputProjection: false' : ''}`,
      });
    }
  });

/** What the user wrote (defaults optional). */
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
/** A validated spec with every default filled in. */
export type SweepSpec = z.output<typeof sweepSpecSchema>;
export type CandidateSpec = SweepSpec['candidates'][number];

/** Invalid spec: `issues` lists every problem as `path: message`. */
export class InvalidSpecError extends Error {
  override name = 'InvalidSpecError';
  constructor(
    readonly issues: { path: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      `Invalid sweep spec:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`,
      options,
    );
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
    '',
  );
}

/** Validates a parsed spec object; fills defaults. @throws InvalidSpecError naming every bad field. */
export function validateSweepSpec(input: unknown): SweepSpec {
  const parsed = sweepSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidSpecError(
      parsed.error.issues.map((issue) => {
        let message = issue.message;
        if (issue.code === 'unrecognized_keys')
          message = `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}: remove them or check the spelling`;
        return { path: formatPath(issue.path), message };
      }),
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseSweepSpec(text: string, source = 'spec'): SweepSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new InvalidSpecError(
      [{ path: '', message: `${source} is not valid YAML/JSON: ${(error as Error).message}` }],
      { cause: error },
    );
  }
  return validateSweepSpec(raw);
}

const sweepSuffix = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 10);

/** The sweep id: an explicit `--id`, else the spec's `id`, else `<name>-<nanoid>` (a new sweep each time). */
export function resolveSweepId(spec: SweepSpec, explicitId?: string): string {
  if (explicitId !== undefined) {
    const checked = idSchema('--id').safeParse(explicitId);
    if (!checked.success)
      throw new InvalidSpecError([
        { path: '--id', message: checked.error.issues[0]?.message ?? 'invalid id' },
      ]);
    return explicitId;
  }
  return spec.id ?? `${spec.name}-${sweepSuffix()}`;
}
