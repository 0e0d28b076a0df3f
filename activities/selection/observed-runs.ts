/**
 * Observed runs: early-run features of a candidate together with its final accuracy (after full
 * fine-tuning), kept per dataset in the store (`observed/{datasetKey}/runs/…`, see store/keys.ts). The
 * fitted predictors — the calibrated β direction and the hybrids — learn from them, so scheduled sweeps on
 * a dataset get better as runs accumulate. They come from `ncap observe`, from sweeps whose result.json
 * carries a full-training accuracy, and from a spec's `selection.observedRuns` file.
 *
 * Features are comparable only between runs of the same early-training setup (mode, probe, interaction
 * model, window, optimiser): runs of another setup are kept but not learned from, and the report counts
 * them. A malformed run is an error naming the entry and the field, never silently dropped.
 *
 * A sweep's learning history ({@link loadObservedHistory}) is the runs stored for its dataset (when
 * `selection.learnFromHistory`) plus its spec's `selection.observedRuns` file: one loader for the reduce
 * step, the rung scorer, `ncap report --rescore` and `ncap observe`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { SweepSpec } from '../spec/sweep-spec.js';
import { standardisesFeatures } from '../spec/training-schema.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { observedRunKeys } from '../store/keys.js';
import { FEATURE_NAMES, type CandidateFeatures } from './features.js';
import type { LabelledRow } from './predictor.js';

/** The early-training settings that make two runs' features comparable. */
export interface ObservedRunSetup {
  mode: string;
  interactionModel: string;
  skipInputProjection: boolean;
  probeWidths: number[];
  probeTrainable: boolean;
  /** Frozen features standardised before the probe; absent in records written before it existed (raw). */
  standardisedFeatures?: boolean;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: string;
}

export const OBSERVED_RUN_SOURCES = ['observe', 'full-training', 'file'] as const;

const featureSchema = z.number().finite().nullable();
const setupSchema = z.strictObject({
  mode: z.string(),
  interactionModel: z.string(),
  skipInputProjection: z.boolean(),
  probeWidths: z.array(z.number().int().positive()),
  probeTrainable: z.boolean(),
  standardisedFeatures: z.boolean().optional(),
  epochs: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  optimizer: z.string(),
});
const accuracySchema = z
  .number({ error: 'must be a number: the final accuracy as a fraction in [0, 1]' })
  .min(0, 'must be in [0, 1] (a fraction, not a percentage)')
  .max(1, 'must be in [0, 1] (a fraction, not a percentage)');

export const observedRunSchema = z.strictObject({
  version: z.literal(1),
  sweepId: z.string().min(1),
  candidateId: z.string().min(1),
  datasetKey: z.string().min(1),
  setup: setupSchema,
  features: z.strictObject(
    Object.fromEntries(FEATURE_NAMES.map((name) => [name, featureSchema])) as Record<
      (typeof FEATURE_NAMES)[number],
      typeof featureSchema
    >,
  ),
  finalAccuracy: accuracySchema,
  source: z.enum(OBSERVED_RUN_SOURCES),
  recordedAt: z.string(),
});
export type ObservedRun = z.infer<typeof observedRunSchema>;

/** The format of a spec's `selection.observedRuns` file entries before observed runs were stored. */
const legacyRunSchema = z.strictObject({
  betaEff: z.number().finite(),
  betaSlope: z.number().finite().optional(),
  betaRelativeChange: z.number().finite().optional(),
  earlyValAccuracy: z.number().finite().optional(),
  finalAccuracy: accuracySchema,
});

/** An observed run that cannot be read: `entry` names the object or list entry, `field` the bad field. */
export class InvalidObservedRunError extends Error {
  override name = 'InvalidObservedRunError';
  readonly nonRetryable = true;
  constructor(
    readonly entry: string,
    readonly field: string,
    message: string,
  ) {
    super(`observed run ${entry}: ${field ? `${field}: ` : ''}${message}`);
  }
}

function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0]!;
  const field = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`
      : issue.message;
  return { field, message };
}

/** Validates one stored observed run. @throws InvalidObservedRunError naming `entry` and the field. */
export function parseObservedRun(value: unknown, entry: string): ObservedRun {
  const parsed = observedRunSchema.safeParse(value);
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error);
    throw new InvalidObservedRunError(entry, field, message);
  }
  return parsed.data;
}

/**
 * The dataset's key segment: the spec's `dataset.name` when set (the user's statement that two sweeps use
 * the same data), else its URI; slugged, with a hash of the identity so distinct ones never collide.
 */
export function datasetKeyOf(dataset: { uri: string; name?: string | undefined }): string {
  const identity = dataset.name ?? dataset.uri;
  const slug =
    identity
      .replace(/^[a-z0-9]+:\/\//i, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/\.{2,}/g, '.')
      .replace(/^[^A-Za-z0-9]+/, '')
      .replace(/-+$/, '')
      .slice(-60) || 'dataset';
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 12);
  return `${slug.replace(/^[^A-Za-z0-9]+/, '')}-${hash}`;
}

/** A stable string of a setup, to compare two runs' setups. */
export function setupKey(setup: ObservedRunSetup): string {
  return JSON.stringify([
    setup.mode,
    setup.interactionModel,
    setup.skipInputProjection,
    setup.probeWidths,
    setup.probeTrainable,
    setup.standardisedFeatures ?? false,
    setup.epochs,
    setup.batchSize,
    setup.learningRate,
    setup.optimizer,
  ]);
}

/** Writes (or overwrites) one observed run under its dataset. Returns the key. */
export async function writeObservedRun(store: ArtifactStore, run: ObservedRun): Promise<string> {
  const checked = parseObservedRun(run, `${run.sweepId}/${run.candidateId}`);
  const key = observedRunKeys(checked.datasetKey).run(
    checked.sweepId,
    checked.candidateId,
    checked.setup.epochs,
  );
  await store.put(key, `${JSON.stringify(checked, null, 2)}\n`, { contentType: 'application/json' });
  return key;
}

/** Every observed run stored for a dataset, by key order. @throws InvalidObservedRunError */
export async function readObservedRuns(store: ArtifactStore, datasetKey: string): Promise<ObservedRun[]> {
  const keys: string[] = [];
  for await (const object of store.list(observedRunKeys(datasetKey).prefix)) {
    if (object.key.endsWith('.json')) keys.push(object.key);
  }
  keys.sort();
  const runs: ObservedRun[] = [];
  for (const key of keys) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(await store.get(key)).toString('utf8'));
    } catch (error) {
      if (error instanceof SyntaxError)
        throw new InvalidObservedRunError(key, '', `is not valid JSON: ${error.message}`);
      throw error;
    }
    runs.push(parseObservedRun(value, key));
  }
  return runs;
}

const emptyFeatures = (): CandidateFeatures =>
  Object.fromEntries(FEATURE_NAMES.map((name) => [name, null])) as CandidateFeatures;

/**
 * The entries of a `selection.observedRuns` file: stored-format runs, or the older `{ betaEff,
 * finalAccuracy, betaSlope?, betaRelativeChange?, earlyValAccuracy? }`, which are taken to share the
 * sweep's setup. @throws InvalidObservedRunError naming the entry (`source[i]`) and the field.
 */
export function parseObservedRunFile(
  value: unknown,
  source: string,
  context: { datasetKey: string; setup: ObservedRunSetup },
): ObservedRun[] {
  const list = Array.isArray(value) ? value : (value as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(list))
    throw new InvalidObservedRunError(source, '', 'must hold a JSON array of runs (or { "runs": [...] })');
  return list.map((entry: unknown, i) => {
    const name = `${source}[${i}]`;
    if (typeof entry === 'object' && entry !== null && 'version' in entry)
      return parseObservedRun(entry, name);
    const parsed = legacyRunSchema.safeParse(entry);
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error);
      throw new InvalidObservedRunError(name, field, message);
    }
    const r = parsed.data;
    return {
      version: 1,
      sweepId: source.replace(/[^A-Za-z0-9._=+@-]/g, '_').slice(-100) || 'file',
      candidateId: `entry-${i}`,
      datasetKey: context.datasetKey,
      setup: context.setup,
      features: {
        ...emptyFeatures(),
        betaEff: r.betaEff,
        betaSlope: r.betaSlope ?? null,
        betaRelativeChange: r.betaRelativeChange ?? null,
        earlyValAccuracy: r.earlyValAccuracy ?? null,
      },
      finalAccuracy: r.finalAccuracy,
      source: 'file',
      recordedAt: new Date(0).toISOString(),
    };
  });
}

/** The runs a sweep of `setup` can learn from, and how many were set aside for another setup. */
export function comparableRuns(
  runs: readonly ObservedRun[],
  setup: ObservedRunSetup,
): { labelled: LabelledRow[]; otherSetup: number } {
  const key = setupKey(setup);
  const same = runs.filter((r) => setupKey(r.setup) === key);
  return {
    labelled: same.map((r) => ({
      candidateId: `${r.sweepId}/${r.candidateId}`,
      features: r.features,
      finalAccuracy: r.finalAccuracy,
    })),
    otherSetup: runs.length - same.length,
  };
}

/** The early-training setup of a sweep, as observed runs record it. */
export function observedRunSetup(spec: SweepSpec): ObservedRunSetup {
  return {
    mode: spec.mode,
    interactionModel: spec.selection.interactionModel,
    skipInputProjection: spec.selection.skipInputProjection,
    probeWidths: [...spec.probe.widths],
    probeTrainable: spec.probe.trainable,
    ...(standardisesFeatures(spec.mode, spec.probe) ? { standardisedFeatures: true } : {}),
    epochs: spec.training.epochs,
    batchSize: spec.training.batchSize,
    learningRate: spec.training.learningRate,
    optimizer: spec.training.optimizer,
  };
}

/** Every observed run the sweep may learn from (not yet filtered by setup). @throws InvalidObservedRunError */
export async function loadObservedHistory(store: ArtifactStore, spec: SweepSpec): Promise<ObservedRun[]> {
  const datasetKey = datasetKeyOf(spec.dataset);
  const stored = spec.selection.learnFromHistory ? await readObservedRuns(store, datasetKey) : [];
  const ref = spec.selection.observedRuns;
  if (!ref) return stored;
  let text: string;
  try {
    text =
      ref.startsWith('file://') || ref.startsWith('/')
        ? await readFile(ref.startsWith('file://') ? new URL(ref) : ref, 'utf8')
        : Buffer.from(await store.get(ref)).toString('utf8');
  } catch (error) {
    throw new InvalidObservedRunError(
      ref,
      'selection.observedRuns',
      `cannot be read (${(error as Error).message}); give a store key or a file:// URI of a JSON list`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidObservedRunError(ref, '', `is not valid JSON: ${(error as Error).message}`);
  }
  return [...stored, ...parseObservedRunFile(parsed, ref, { datasetKey, setup: observedRunSetup(spec) })];
}
