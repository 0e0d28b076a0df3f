/**
 * The sweep spec: what a user writes (YAML or JSON) to run a sweep. Validated with zod; every error names
 * the field path and the fix. Limits keep one sweep within what the orchestration is sized for.
 */
import { customAlphabet } from 'nanoid';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PREDICTOR_NAMES, type PredictorName } from '../selection/predictors.js';
import { describeIssue } from './issue-path.js';
import { isOnnxUri, ONNX_FINETUNE_MESSAGE } from './model-format.js';
import { upgradeRecordedSpec } from './recorded-spec.js';
import { DEFAULT_MARGIN_Z } from '../selection/score-margin.js';
import { specTextLimitProblem } from './spec-text-limits.js';
import {
  betaSettingsShape,
  datasetSchema,
  featurePoolingSchema,
  idSchema,
  modelLocationSchema,
  modeSchema,
  modelSchema,
  normalisationSchema,
  probeSchema,
  SPEC_LIMITS,
  trainingLoopSchema,
} from './training-schema.js';

export { SPEC_LIMITS } from './training-schema.js';
export { SPEC_TEXT_LIMITS } from './spec-text-limits.js';
/** The rules that may pick the winner: every predictor of the selection module. */
export const SELECTION_RULES = PREDICTOR_NAMES;
/**
 * The rule that picks the winner when a spec names none: the one switch the selection benchmark
 * (`npm run bench:selection`) decides.
 */
export const DEFAULT_SELECTION_RULE: PredictorName = 'early-accuracy';
/**
 * The early-training window, in epochs, at which the selection benchmark scored {@link DEFAULT_SELECTION_RULE}
 * when it chose it: what the demo trains, and the window a spec should start from.
 */
export const DEFAULT_EARLY_EPOCHS = 0.25;
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
  model: modelLocationSchema('candidate model'),
  featureLayer: modelSchema.shape.featureLayer,
  /**
   * Global pooling of the feature layer's spatial output; `'auto'` averages the automatic cut's spatial
   * map (a headless backbone's last feature map) and leaves anything else as it is.
   * @default 'auto' (a recorded spec without it reads as 'none': what it meant when it ran)
   */
  featurePooling: featurePoolingSchema.default('auto'),
  /**
   * This model's pixel normalisation, overriding `dataset.normalisation` (zoos mix `[-1,1]`, `imagenet`,
   * `caffe`…). @default dataset.normalisation
   */
  normalisation: normalisationSchema.optional(),
  /** Free-form labels shown in the report (architecture, source accuracy…). */
  labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const trainingSchema = trainingLoopSchema.extend({
  /** Start-to-close budget of one candidate, minutes (retries resume from the last checkpoint). */
  maxMinutesPerCandidate: z.number().positive().max(SPEC_LIMITS.candidateMinutes).default(60),
  /**
   * Seconds without a heartbeat after which a worker running one of the sweep's activities is presumed
   * dead and the activity retried: a candidate's training (the retry resumes from its checkpoint) and the
   * orchestrator's prepare and scoring. Bounds what a killed worker costs. @default 60
   */
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
  /** Which predictor picks the winner (see docs/spec.md's selection rules). @default DEFAULT_SELECTION_RULE */
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

/** How the sweep spends its training budget. */
export const BUDGET_STRATEGIES = ['fixed', 'halving'] as const;
export type BudgetStrategy = (typeof BUDGET_STRATEGIES)[number];
/**
 * The strategy of a spec without a `budget` block that asks for no window of its own (see
 * {@link defaultBudgetStrategy}): the one the time-to-decision table of `bench/selection/RESULTS.md`
 * (`npm run bench:ttd`) supports.
 */
export const DEFAULT_BUDGET_STRATEGY: BudgetStrategy = 'halving';
/** Whether halving keeps contenders tied with the leader when a spec does not say: the time-to-decision table's choice. */
export const DEFAULT_KEEP_TIES = false;
/** Halving's rungs when a spec names none, in epochs: the ones the time-to-decision table scored. */
export const DEFAULT_HALVING_RUNGS: readonly number[] = [0.25, 0.5, 1, 2];
/** Halving's stop rule when a spec does not say: a margin of 2 σ, any positive gap, no candidate-epoch budget. */
export const DEFAULT_HALVING_STOP = { z: DEFAULT_MARGIN_Z, minGap: 0 } as const;

const epochCount = (field: string) =>
  z
    .number({ error: `${field} must be a number of epochs, e.g. 0.5` })
    .positive(`${field} must be > 0 epochs`)
    .max(SPEC_LIMITS.epochs, `${field} must be at most ${SPEC_LIMITS.epochs} epochs`)
    .refine((e) => Number.isInteger(e * SPEC_LIMITS.epochFractionDenominator), {
      message: `${field} must be a multiple of 1/${SPEC_LIMITS.epochFractionDenominator} epoch, e.g. 0.25 or 1.5`,
    });

const epochCountSchema = epochCount('epochs');
const isEpochCount = (x: unknown): x is number => epochCountSchema.safeParse(x).success;

/**
 * `halving`: successive halving over rungs. Every candidate trains to the first rung; after each rung the
 * selection rule scores the contenders and the best `keepFraction` continue, from their checkpoint, to the
 * next; the bracket stops early once the leader is clear (`stop`).
 */
const halvingBudgetSchema = z.strictObject({
  strategy: z.literal('halving'),
  /** Epochs trained by the end of each rung, strictly increasing; fractions allowed. @default DEFAULT_HALVING_RUNGS */
  rungs: z
    .array(epochCount('budget.rungs[]'))
    .min(1, `budget.rungs needs at least one rung, e.g. [${DEFAULT_HALVING_RUNGS.join(', ')}]`)
    .max(16, 'budget.rungs may hold at most 16 rungs')
    .superRefine((rungs, ctx) => {
      rungs.forEach((r, i) => {
        if (i > 0 && !(r > rungs[i - 1]!))
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `${r} is not above the rung before (${rungs[i - 1]}): rungs must strictly increase`,
          });
      });
    })
    .default(() => [...DEFAULT_HALVING_RUNGS]),
  /** Fraction of a rung's contenders that go on to the next rung (at least one always does). @default 1/3 */
  keepFraction: z
    .number({ error: 'budget.keepFraction must be a number in (0, 1), e.g. 0.333' })
    .gt(0, 'budget.keepFraction must be > 0 (e.g. 0.333 keeps the best third)')
    .lt(1, 'budget.keepFraction must be below 1; keeping everyone is strategy: fixed')
    .default(1 / 3),
  /**
   * Also keep every contender the stop rule cannot tell apart from the leader (gap within the margin of
   * `stop.z` and `stop.minGap`), so a near-tie trains on instead of being cut by rank. Needs a rule with an
   * uncertainty (early-accuracy has one). @default DEFAULT_KEEP_TIES
   */
  keepTies: z.boolean({ error: 'budget.keepTies must be true or false' }).default(() => DEFAULT_KEEP_TIES),
  /** When the bracket stops before its last rung. */
  stop: z
    .strictObject({
      /**
       * Decided once the leader's score exceeds the runner-up's by more than z × √(σ₁² + σ₂²), σ the
       * predictor's uncertainty (for early-accuracy the binomial standard error of the validation accuracy).
       * @default DEFAULT_HALVING_STOP.z (2)
       */
      z: z
        .number({ error: 'budget.stop.z must be a number ≥ 0' })
        .min(0, 'budget.stop.z must be ≥ 0')
        .default(DEFAULT_HALVING_STOP.z),
      /**
       * Smallest score gap that counts as decided (score units; accuracy for early-accuracy).
       * @default DEFAULT_HALVING_STOP.minGap (0)
       */
      minGap: z
        .number({ error: 'budget.stop.minGap must be a number ≥ 0' })
        .min(0, 'budget.stop.minGap must be ≥ 0')
        .default(DEFAULT_HALVING_STOP.minGap),
      /**
       * Budget in candidate-epochs (Σ over candidates of the epochs each trained): the bracket stops before
       * a rung that would spend more. @default none: the rungs are the budget
       */
      maxCandidateEpochs: z
        .number({ error: 'budget.stop.maxCandidateEpochs must be a number of candidate-epochs' })
        .positive('budget.stop.maxCandidateEpochs must be > 0')
        .optional(),
    })
    .default(() => ({ ...DEFAULT_HALVING_STOP })),
});

/** `fixed`: every candidate trains `training.epochs` epochs. */
const fixedBudgetSchema = z.strictObject({ strategy: z.literal('fixed') });

const budgetSchema = z.discriminatedUnion('strategy', [fixedBudgetSchema, halvingBudgetSchema], {
  error: `budget.strategy must be one of ${BUDGET_STRATEGIES.join(', ')}`,
});

const sweepSpecObjectSchema = z
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
    /**
     * How training is spent: `fixed` (`training.epochs` each) or `halving` (rungs).
     * @default see {@link defaultBudgetStrategy}
     */
    budget: budgetSchema,
  })
  .superRefine((spec, ctx) => {
    const holdsValidation = spec.dataset.validationFraction > 0 || spec.dataset.validationUri !== undefined;
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
    if (spec.training.stopping && !holdsValidation) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'stopping'],
        message:
          'early stopping needs validation samples: set dataset.validationFraction > 0 or dataset.validationUri',
      });
    }
    if (spec.training.stopping && !Number.isInteger(spec.training.epochs)) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'epochs'],
        message: `${spec.training.epochs} is not a whole number of epochs; training.stopping counts whole epochs: use e.g. ${Math.ceil(spec.training.epochs)}`,
      });
    }
    if (spec.budget.strategy === 'halving') {
      if (spec.training.stopping)
        ctx.addIssue({
          code: 'custom',
          path: ['budget', 'strategy'],
          message:
            'halving stops candidates at its rungs; training.stopping trains to a plateau: remove one of them',
        });
      const { rungs, stop } = spec.budget;
      // An invalid last rung has its own issue.
      if (isEpochCount(rungs.at(-1)) && spec.training.epochs !== rungs.at(-1))
        ctx.addIssue({
          code: 'custom',
          path: ['training', 'epochs'],
          message: `is ${spec.training.epochs}, but halving trains to its rungs (the last is ${rungs.at(-1)}): remove training.epochs, or set budget.strategy: fixed for a fixed window`,
        });
      const firstRung = spec.candidates.length * rungs[0]!;
      if (stop.maxCandidateEpochs !== undefined && firstRung > stop.maxCandidateEpochs)
        ctx.addIssue({
          code: 'custom',
          path: ['budget', 'stop', 'maxCandidateEpochs'],
          message: `the first rung alone spends ${firstRung} candidate-epochs (${spec.candidates.length} × ${rungs[0]}): raise it or lower budget.rungs[0]`,
        });
    }
    if (spec.selection.rule === 'early-accuracy' && !holdsValidation) {
      ctx.addIssue({
        code: 'custom',
        path: ['selection', 'rule'],
        message:
          'early-accuracy ranks by validation accuracy and the spec holds out none: set dataset.validationFraction > 0 or dataset.validationUri, or choose a rule that needs no validation (e.g. tse)',
      });
    }
    if (spec.mode === 'finetune') {
      spec.candidates.forEach((c, i) => {
        if (isOnnxUri(c.model))
          ctx.addIssue({ code: 'custom', path: ['candidates', i, 'model'], message: ONNX_FINETUNE_MESSAGE });
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

/**
 * The budget strategy of a spec written without a `budget` block: {@link DEFAULT_BUDGET_STRATEGY}, unless the
 * spec asks for a window of its own — `training.epochs` (a fixed early window) or `training.stopping` (full
 * training to a plateau) — which it then gets, as `fixed`. A spec with `budget` keeps it.
 */
export function defaultBudgetStrategy(input: {
  training?: { epochs?: unknown; stopping?: unknown };
}): BudgetStrategy {
  const training = input.training;
  if (training && (training.epochs !== undefined || training.stopping !== undefined)) return 'fixed';
  return DEFAULT_BUDGET_STRATEGY;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The schema of a spec as written: fills `budget` per {@link defaultBudgetStrategy}, and under halving an
 * unwritten `training.epochs` with the last rung (the most any candidate trains; a written one must equal it).
 */
export const sweepSpecSchema = z.preprocess((raw) => {
  if (!isRecord(raw)) return raw;
  const training = isRecord(raw.training) ? raw.training : {};
  const budget = raw.budget ?? { strategy: defaultBudgetStrategy({ training }) };
  if (!isRecord(budget) || budget.strategy !== 'halving' || training.epochs !== undefined)
    return { ...raw, budget };
  const lastRung: unknown = (Array.isArray(budget.rungs) ? budget.rungs : DEFAULT_HALVING_RUNGS).at(-1);
  return isEpochCount(lastRung)
    ? { ...raw, budget, training: { ...training, epochs: lastRung } }
    : { ...raw, budget };
}, sweepSpecObjectSchema);

/** What the user wrote (defaults optional; `budget` per {@link defaultBudgetStrategy}). */
export type SweepSpecInput = Omit<z.input<typeof sweepSpecObjectSchema>, 'budget'> & {
  budget?: z.input<typeof budgetSchema>;
};
/** A validated spec with every default filled in. */
export type SweepSpec = z.output<typeof sweepSpecObjectSchema>;
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

/** Validates a spec a sweep recorded (its `spec.json`, its workflow input), older shapes first brought up to date. */
export function validateRecordedSpec(input: unknown): SweepSpec {
  return validateSweepSpec(upgradeRecordedSpec(input));
}

/**
 * The raw value of spec text, YAML or JSON (JSON is YAML), not validated: every reader of spec files
 * parses through here. A text over the size or nesting limit ({@link SPEC_TEXT_LIMITS}) is refused before
 * it reaches the parser. @throws InvalidSpecError naming the limit, or the YAML error.
 */
export function parseSpecYaml(text: string, source = 'spec'): unknown {
  const overLimit = specTextLimitProblem(text, source);
  if (overLimit) throw new InvalidSpecError([{ path: '', message: overLimit }]);
  try {
    return parseYaml(text);
  } catch (error) {
    throw new InvalidSpecError(
      [{ path: '', message: `${source} is not valid YAML/JSON: ${(error as Error).message}` }],
      { cause: error },
    );
  }
}

/** Parses YAML or JSON text ({@link parseSpecYaml}) and validates it. */
export function parseSweepSpec(text: string, source = 'spec'): SweepSpec {
  return validateSweepSpec(parseSpecYaml(text, source));
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
