/**
 * The sweep spec: what a user writes (YAML or JSON) to run a sweep. Validated with zod; every error names
 * the field path and the fix. Limits keep one sweep within what the orchestration is sized for.
 */
import { customAlphabet } from 'nanoid';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PREDICTOR_NAMES, type PredictorName } from '../selection/predictors.js';
import { describeIssue } from './issue-path.js';
import {
  betaSettingsShape,
  datasetSchema,
  featurePoolingSchema,
  idSchema,
  locationSchema,
  modeSchema,
  modelSchema,
  probeSchema,
  SPEC_LIMITS,
  trainingLoopSchema,
} from './training-schema.js';

export { SPEC_LIMITS } from './training-schema.js';
/** The rules that may pick the winner: every predictor of the selection module. */
export const SELECTION_RULES = PREDICTOR_NAMES;
/**
 * The rule that picks the winner when a spec names none: the one switch the selection benchmark
 * (`npm run bench:selection`) decides.
 */
export const DEFAULT_SELECTION_RULE: PredictorName = 'early-accuracy';
/** The rule applied when the chosen one cannot score any candidate (e.g. a hybrid with too few observed runs). */
export const DEFAULT_FALLBACK_RULE: PredictorName = 'early-accuracy';
export const DIRECTIONS = ['higher', 'lower', 'calibrate'] as const;

const storeUriSchema = z
  .string({ error: 'store must be a URI string' })
  .min(1, 'store must not be empty')
  .refine((s) => s.startsWith('file://') || s.startsWith('s3://') || s.startsWith('/') || s.startsWith('.'), {
    message: 'store must start with file://, s3:// (or be a local path)',
  });

const candidateSchema = z.strictObject({
  id: idSchema('candidate id'),
  model: locationSchema('candidate model'),
  featureLayer: modelSchema.shape.featureLayer,
  /** Global pooling of the feature layer's spatial output. @default 'none' (left out of the stored spec) */
  featurePooling: featurePoolingSchema.optional(),
  /** Free-form labels shown in the report (architecture, source accuracy…). */
  labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const trainingSchema = trainingLoopSchema.extend({
  /** Start-to-close budget of one candidate, minutes (retries resume from the last checkpoint). */
  maxMinutesPerCandidate: z.number().positive().max(SPEC_LIMITS.candidateMinutes).default(60),
  /** Seconds without a heartbeat after which a candidate's worker is presumed dead (the retry resumes). */
  heartbeatTimeoutSeconds: z.number().int().min(5).max(3600).default(60),
  /** Attempts per candidate, the first included (retries resume from the last checkpoint). */
  maxAttempts: z.number().int().min(1).max(20).default(3),
});

const selectionSchema = z.strictObject({
  ...betaSettingsShape,
  /**
   * Whether a higher β_eff predicts a better candidate. `calibrate` (the default: the direction is never
   * assumed) learns it from `observedRuns` and, with too few of them, ranks higher-first and says so.
   */
  direction: z.enum(DIRECTIONS).default('calibrate'),
  /** Which predictor picks the winner (see the README's selection rules). @default DEFAULT_SELECTION_RULE */
  rule: z.enum(SELECTION_RULES).default(DEFAULT_SELECTION_RULE),
  /** The rule used when `rule` cannot score any candidate; the report says when it was. @default DEFAULT_FALLBACK_RULE */
  fallbackRule: z.enum(SELECTION_RULES).default(DEFAULT_FALLBACK_RULE),
  /** Fewest observed runs to calibrate the β direction or fit a hybrid. @default 5 */
  minObservedRuns: z.number().int().min(2).max(10_000).default(5),
  /** Learn from the observed runs stored for this dataset (`ncap observe`, full-training sweeps). @default true */
  learnFromHistory: z.boolean().default(true),
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
    store: storeUriSchema.optional(),
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
    mode: modeSchema,
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
    if (spec.training.stopping && spec.dataset.validationFraction === 0 && !spec.dataset.validationUri) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'stopping'],
        message:
          'early stopping needs validation samples: set dataset.validationFraction > 0 or dataset.validationUri',
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
  readonly nonRetryable = true;
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

/** Validates a parsed spec object; fills defaults. @throws InvalidSpecError naming every bad field. */
export function validateSweepSpec(input: unknown): SweepSpec {
  const parsed = sweepSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidSpecError(parsed.error.issues.map(describeIssue), { cause: parsed.error });
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
