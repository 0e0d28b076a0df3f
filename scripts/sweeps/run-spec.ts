/**
 * The main job for any spec, shared by `ncap run SPEC` and `npm run demo`: check every candidate without
 * training ({@link validateSpecModels}), then run the sweep to its end on the embedded stack
 * ({@link runLocalSweep}: the configured Temporal or a dev server started here, the orchestrator in this
 * process, a pool of worker processes), print the ranking, the winner and the report's path, and stop
 * what was started. Ctrl-C cancels the sweep (trainings checkpoint), stops what was started, and says how
 * to resume; running the same spec again reuses its finished candidates.
 */
import { createHash } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { trainingWindowText } from '../../activities/report/report-format.js';
import { renderReportText } from '../../activities/report/report-text.js';
import type { SweepReport } from '../../activities/scoring/report-types.js';
import { resolveSweepId, type SweepSpec } from '../../activities/spec/sweep-spec.js';
import { standardisesFeatures } from '../../activities/spec/training-schema.js';
import { canonicalJson } from '../../activities/sweep/stored-spec.js';
import { defaultStoreUri } from '../../workers/worker-config.js';
import { GpuWorkerPoolError, type GpuWorkerProcesses } from '../../workers/gpu-worker-pool.js';
import { DevStackError } from '../dev/stack.js';
import { SweepInterruptedError } from './local-sweeps.js';
import { runLocalSweep, type LocalSweepOutcome } from './run-local-sweep.js';
import {
  validateSpecFile,
  validationLines,
  validationSummary,
  type SpecValidation,
} from './validate-spec.js';

/** Exit codes of a run (the CLI's, written here so the demo and `ncap run` agree). */
export const RUN_EXIT = { ok: 0, failure: 1, invalid: 2, noWinner: 3, interrupted: 130 } as const;

/**
 * The sweep id of a spec run without `--id`: the spec's `id`, else `<name>-<hash of the spec>`, so a second
 * run of the same spec (same settings, same locations) is the same sweep and reuses finished candidates.
 * A frozen spec that standardises its features hashes with `probe.standardiseFeatures: true` written out:
 * its runs differ from those of the same spec before the field existed (raw features), whose finished
 * candidates and checkpoints must not be reused; every other spec keeps its id.
 */
export function specSweepId(spec: SweepSpec, explicitId?: string): string {
  if (explicitId !== undefined || spec.id !== undefined) return resolveSweepId(spec, explicitId);
  const identity = standardisesFeatures(spec.mode, spec.probe)
    ? { ...spec, probe: { ...spec.probe, standardiseFeatures: true } }
    : spec;
  const hash = createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 10);
  return `${spec.name}-${hash}`;
}

/** Some candidate (or the dataset) cannot run: nothing was started. */
export class SpecValidationError extends Error {
  override name = 'SpecValidationError';
  constructor(readonly validation: SpecValidation) {
    super(
      [
        validationSummary(validation),
        ...validation.problems.map((p) => `  ${p.candidateId}: ${p.message}`),
      ].join('\n'),
    );
  }
}

export interface RunSpecOptions {
  /** A validated spec whose locations are URIs (see `spec-file.ts`). */
  spec: SweepSpec;
  /** @default {@link specSweepId} */
  sweepId?: string;
  /** Store when the spec names none. @default NCAP_STORE_URI or `file://<cwd>/.ncap/store` */
  storeUri?: string;
  /** Retrain every candidate (removes the earlier run's objects). @default false */
  fresh?: boolean;
  /** Open every model and the dataset before anything starts. @default true */
  validate?: boolean;
  /** Training worker processes, or `auto`. @default 'auto' */
  processes?: GpuWorkerProcesses;
  /** Draw progress bars. @default true */
  progress?: boolean;
  /** Temporal address; without one (and without TEMPORAL_ADDRESS) the dev server is started. */
  temporalAddress?: string;
  /** Own task queues (tests). @default the standard queues */
  taskQueues?: { orchestrator: string; gpu: string };
  /** Ctrl-C. */
  signal?: AbortSignal;
  /** Progress lines. @default console.error */
  log?: (line: string) => void;
  /** The worker processes' output lines. @default log */
  workerLog?: (line: string) => void;
}

export interface RunSpecOutcome extends LocalSweepOutcome {
  sweepId: string;
  validation?: SpecValidation;
}

/**
 * Validates, then runs the spec to its end.
 * @throws SpecValidationError before anything starts; SweepInterruptedError on Ctrl-C.
 */
export async function runSpec(options: RunSpecOptions): Promise<RunSpecOutcome> {
  const { spec } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const sweepId = options.sweepId ?? specSweepId(spec);
  const storeUri = spec.store ?? options.storeUri ?? (process.env.NCAP_STORE_URI || defaultStoreUri());
  let validation: SpecValidation | undefined;
  if (options.validate ?? true) {
    validation = await validateSpecFile(spec, storeUri);
    if (!validation.ok) throw new SpecValidationError(validation);
    for (const line of validationLines(validation)) log(line);
  }
  if (options.signal?.aborted) throw new SweepInterruptedError();
  const rungs = spec.budget.strategy === 'halving' ? spec.budget.rungs : undefined;
  log(
    `Sweeping ${spec.candidates.length} candidates on ${spec.dataset.name ?? spec.dataset.uri}, ${trainingWindowText(spec.training.epochs, rungs)} — sweep ${sweepId}`,
  );
  const outcome = await runLocalSweep({
    spec,
    sweepId,
    storeUri,
    fresh: options.fresh ?? false,
    progress: options.progress ?? true,
    log,
    ...(options.temporalAddress ? { temporalAddress: options.temporalAddress } : {}),
    ...(options.taskQueues ? { taskQueues: options.taskQueues } : {}),
    ...(options.processes !== undefined ? { processes: options.processes } : {}),
    ...(options.workerLog ? { workerLog: options.workerLog } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { sweepId, ...outcome, ...(validation ? { validation } : {}) };
}

/** The outcome as the JSON `--json` prints. */
export function outcomeJson(outcome: RunSpecOutcome): Record<string, unknown> {
  return {
    sweepId: outcome.sweepId,
    status: outcome.result.status,
    winner: outcome.result.winner,
    ...(outcome.result.bracket ? { bracket: outcome.result.bracket } : {}),
    ...(outcome.report.decision?.confidence ? { confidence: outcome.report.decision.confidence } : {}),
    ranking: outcome.result.ranking,
    failed: outcome.result.failed,
    reused: outcome.result.reused,
    reportHtml: outcome.reportHtml,
    wallSeconds: outcome.wallSeconds,
    backend: outcome.backend,
    processes: outcome.processes,
    ...(outcome.validation ? { candidates: outcome.validation.candidates } : {}),
  };
}

/** The last word on the pick: the winner, with "a near-tie" when the data cannot tell it from others. */
export function winnerLine(report: SweepReport): string {
  if (!report.winner) return 'No winner: no candidate finished.';
  const tie = report.decision?.confidence?.nearTie;
  return tie
    ? `Winner: ${report.winner}, in a near-tie with ${tie.candidates.filter((c) => c !== report.winner).join(', ')} (see above; \`${tie.command}\` settles it)`
    : `Winner: ${report.winner}`;
}

function printOutcome(outcome: RunSpecOutcome): void {
  console.log('');
  console.log(renderReportText(outcome.report));
  console.log('');
  if (outcome.result.reused.length > 0)
    console.log(`Reused from an earlier run: ${outcome.result.reused.join(', ')} (--fresh retrains them)`);
  console.log(winnerLine(outcome.report));
  console.log(`Report: ${outcome.reportHtml}`);
  console.log(
    `Done in ${outcome.wallSeconds.toFixed(0)} s (TF.js backend ${outcome.backend}, ${outcome.processes} worker process${outcome.processes > 1 ? 'es' : ''}).`,
  );
}

/**
 * Ctrl-C (and SIGTERM) abort the returned signal instead of ending the process, for the duration of
 * `body`; a second one says that stopping is under way. Temporal's own shutdown on these signals is turned
 * off (it closed the connection under the running sweep: `Channel has been shut down`).
 */
export async function withInterrupt<T>(
  body: (signal: AbortSignal) => Promise<T>,
  log: (line: string) => void,
): Promise<T> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // Installed already (an embedding process, tests): its settings stand.
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) log('Still stopping what this run started…');
    else {
      log(`${signal}: stopping (the sweep is cancelled; trainings keep their checkpoints)…`);
      controller.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export interface RunSpecCliOptions extends Omit<RunSpecOptions, 'signal' | 'progress'> {
  /** Print the outcome as JSON (no progress bars). @default false */
  json?: boolean;
  /** The command that resumes this run, for the line printed on Ctrl-C, e.g. `ncap run spec.yaml`. */
  resumeCommand: string;
}

/** {@link runSpec} for a terminal: prints the outcome, handles Ctrl-C; returns the exit code. */
export async function runSpecCli(options: RunSpecCliOptions): Promise<number> {
  const { json, resumeCommand, ...rest } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  try {
    const outcome = await withInterrupt((signal) => runSpec({ ...rest, log, progress: !json, signal }), log);
    if (json) console.log(JSON.stringify(outcomeJson(outcome), null, 2));
    else printOutcome(outcome);
    return outcome.result.winner ? RUN_EXIT.ok : RUN_EXIT.noWinner;
  } catch (error) {
    if (error instanceof SweepInterruptedError) {
      log(
        `Interrupted: everything this run started is stopped. Run \`${resumeCommand}\` again to resume (finished candidates are reused).`,
      );
      return RUN_EXIT.interrupted;
    }
    if (error instanceof SpecValidationError) {
      if (json) console.log(JSON.stringify(error.validation, null, 2));
      else for (const line of validationLines(error.validation)) log(line);
      log(`Nothing was started: ${error.message.split('\n')[0]}`);
      return RUN_EXIT.invalid;
    }
    if (error instanceof GpuWorkerPoolError || error instanceof DevStackError) {
      log(error.message);
      return RUN_EXIT.failure;
    }
    if (error instanceof WorkflowFailedError) {
      log(`The sweep failed: ${error.cause?.message ?? error.message}`);
      return RUN_EXIT.failure;
    }
    throw error;
  }
}
