/**
 * `ncap sweep start|validate|status|watch|result|cancel|resume|extend|list`: ops tooling over the sweep workflow.
 * Exit codes: 0 ok, 1 failure, 2 invalid input, 3 finished without a winner.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { InvalidSpecError } from '../../activities/spec/sweep-spec.js';
import { loadConfig } from '../../workers/worker-config.js';
import {
  cancelCandidateSignal,
  cancelSweepSignal,
  type SweepProgress,
  type SweepResult,
} from '../../workflows/sweep-api.js';
import { confidenceLines } from '../../activities/report/confidence-text.js';
import { bracketText } from '../../activities/report/report-summary.js';
import { rankingTable } from '../sweeps/progress-view.js';
import { validateSpecFile, validationLines, validationSummary } from '../sweeps/validate-spec.js';
import { listSweeps, sweepListLines } from '../sweeps/sweep-list.js';
import { statusLines } from '../sweeps/status-view.js';
import { closedScoreLines, closedScores, type ClosedScore } from '../sweeps/closed-status-view.js';
import { readReportRecord } from '../../activities/scoring/report-record.js';
import type { SweepReport } from '../../activities/scoring/report-types.js';
import { ArtifactNotFoundError } from '../../activities/store/errors.js';
import type { StoreProvider } from '../../activities/sweep/store-cache.js';
import { watchSweep } from '../sweeps/watch-sweep.js';
import { ExtensionRefusedError, extendSweep, type ExtendedSweep } from '../sweeps/extend-sweep.js';
import {
  SweepNotFoundError,
  loadSpecFile,
  resumeSweep,
  startSweep,
  sweepHandle,
  sweepProgress,
  sweepResultThroughOutages,
} from '../sweeps/sweep-client.js';
import { causeLine, failureCause } from '../sweeps/failure-cause.js';
import { findSweep, type SweepRecord } from '../sweeps/sweep-record.js';
import { CliError, addConnectionOptions, printJson, withContext, type GlobalOptions } from './context.js';
import { EXIT_CODES } from './exit-codes.js';
import { exitOnInterrupt, sweepGoesOnMessage } from './interrupt.js';

const addGlobal = (command: Command): Command => addConnectionOptions(command, { store: true });

function mapErrors(error: unknown): never {
  if (error instanceof InvalidSpecError)
    throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
  if (error instanceof ExtensionRefusedError)
    throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
  if (error instanceof SweepNotFoundError)
    throw new CliError(error.message, EXIT_CODES.failure, { cause: error });
  throw error;
}

function printResult(result: SweepResult, json: boolean | undefined): void {
  if (json) {
    printJson(result);
    return;
  }
  console.log(`Sweep ${result.sweepId}: ${result.status}`);
  console.log(rankingTable(result.ranking, result.winner));
  for (const f of result.failed)
    console.log(`  ${f.status}: ${f.candidateId}: ${f.failure.type}: ${f.failure.message}`);
  if (result.reused.length > 0) console.log(`  reused from an earlier run: ${result.reused.join(', ')}`);
  const bracket = bracketText(result.bracket);
  if (bracket && result.bracket) {
    console.log(`Budget: ${bracket}`);
    for (const e of result.bracket.entries.filter((x) => x.status === 'cut' || x.status === 'failed'))
      console.log(
        `  ${e.status} at ${e.epochs} epochs: ${e.candidateId}${e.score === null ? '' : ` (score ${e.score.toPrecision(3)})`}`,
      );
  }
  if (result.confidence) for (const line of confidenceLines(result.confidence)) console.log(line);
  console.log(result.winner ? `Winner: ${result.winner}` : 'No winner: no candidate finished.');
  for (const warning of result.warnings ?? []) console.log(`Warning: ${warning}`);
  if (result.reportKey)
    console.log(
      `Report: ${result.reportHtmlKey} in the sweep's store (\`ncap report ${result.sweepId}\` prints it and its location)`,
    );
}

async function finish(
  client: Client,
  sweepId: string,
  options: { json?: boolean; watch?: boolean },
): Promise<void> {
  let result: SweepResult;
  try {
    result = options.watch
      ? await watchSweep(client, sweepId, options)
      : await sweepResultThroughOutages(client, sweepId);
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      throw new CliError(`sweep ${sweepId} failed: ${causeLine(failureCause(error))}`, EXIT_CODES.failure, {
        cause: error,
      });
    }
    throw error;
  }
  printResult(result, options.json);
  if (!result.winner) process.exitCode = EXIT_CODES.noWinner;
}

function printExtension(sweepId: string, extended: ExtendedSweep, json: boolean | undefined): void {
  const { plan, archived, started } = extended;
  if (json) {
    printJson({
      sweepId,
      plan: plan.kind,
      message: plan.message,
      ...(plan.kind === 'extend' ? { extension: plan.extension } : {}),
      started: started?.started ?? false,
      ...(archived ? { previousReport: archived } : {}),
    });
    return;
  }
  console.log(`Sweep ${sweepId}: ${plan.message}`);
  if (archived) console.log(`  previous report kept as ${archived.html ?? archived.json}`);
  if (started)
    console.log(`${started.started ? 'Started' : 'Already running'}: sweep ${sweepId} (extension)`);
}

function printProgress(progress: SweepProgress, record: SweepRecord): void {
  const [head, ...rest] = statusLines(progress);
  for (const line of [head, `Store: ${record.storeUri}`, ...rest]) console.log(line);
}

/** The final state of a closed sweep, from its result or failure (no worker needed, no stale progress). */
interface ClosedStatus {
  sweepId: string;
  /** `completed`/`cancelled` from the result; else Temporal's status in lower case (`failed`, `terminated`…). */
  status: string;
  execution: SweepRecord['execution'];
  storeUri: string;
  winner: string | null;
  counts?: { succeeded: number; failed: number; cancelled: number };
  failure?: { type: string; message: string };
  closedAt: string | null;
  /** A completed sweep's score table, from its stored report (absent when the store has none). */
  scores?: { rule: string; candidates: ClosedScore[] };
}

/** The stored report of a closed sweep, or null when its store has none (or cannot be read: said on stderr). */
async function storedReport(stores: StoreProvider, record: SweepRecord): Promise<SweepReport | null> {
  try {
    return await readReportRecord(stores.get(record.storeUri), record.sweepId);
  } catch (error) {
    if (!(error instanceof ArtifactNotFoundError))
      console.error(`the report in ${record.storeUri} could not be read: ${String(error)}`);
    return null;
  }
}

async function closedStatus(
  client: Client,
  stores: StoreProvider,
  record: SweepRecord,
): Promise<ClosedStatus> {
  const base = {
    sweepId: record.sweepId,
    execution: record.execution,
    storeUri: record.storeUri,
    closedAt: record.closedAt,
  };
  try {
    const result = await sweepHandle(client, record.sweepId).result();
    const report = await storedReport(stores, record);
    return {
      ...base,
      status: result.status,
      winner: result.winner,
      counts: {
        succeeded: result.ranking.length,
        failed: result.failed.filter((f) => f.status === 'failed').length,
        cancelled: result.failed.filter((f) => f.status === 'cancelled').length,
      },
      ...(report ? { scores: { rule: report.selection.appliedRule, candidates: closedScores(report) } } : {}),
    };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    return {
      ...base,
      status: record.execution.toLowerCase(),
      winner: null,
      failure: failureCause(error),
    };
  }
}

async function printClosedStatus(
  ctx: { client: Client; stores: StoreProvider },
  record: SweepRecord,
  json?: boolean,
): Promise<void> {
  const status = await closedStatus(ctx.client, ctx.stores, record);
  if (json) return printJson(status);
  const c = status.counts;
  console.log(
    `Sweep ${status.sweepId}: ${status.status.toUpperCase()}${status.closedAt ? ` at ${status.closedAt}` : ''}${c ? ` — ${c.succeeded} succeeded, ${c.failed} failed, ${c.cancelled} cancelled` : ''}`,
  );
  console.log(`Store: ${status.storeUri}`);
  if (status.failure) console.log(`Cause: ${causeLine(status.failure)}`);
  if (status.scores)
    for (const line of closedScoreLines(status.scores.rule, status.scores.candidates)) console.log(line);
  if (c) console.log(status.winner ? `Winner: ${status.winner}` : 'No winner.');
  if (status.execution !== 'COMPLETED')
    console.log(`\`ncap sweep resume ${status.sweepId}\` starts it again (finished candidates are reused).`);
}

/** `ncap sweep start`: starts a sweep from a spec file, optionally waiting for its result. */
function registerStartCommand(sweep: Command): void {
  addGlobal(sweep.command('start').argument('<spec>', 'sweep spec file (YAML or JSON)'))
    .description('Start a sweep (idempotent for a given id: returns the running one)')
    .option('--id <sweepId>', 'sweep id (default: the spec’s id, else <name>-<random>)')
    .option('--wait', 'wait for the result, with live progress')
    .action(async (specPath: string, options: GlobalOptions & { id?: string; wait?: boolean }) => {
      const spec = await loadSpecFile(specPath).catch(mapErrors);
      await withContext(options, async (ctx) => {
        const started = await startSweep(ctx.client, {
          spec,
          ...(options.id ? { sweepId: options.id } : {}),
          defaultStoreUri: ctx.config.storeUri,
          searchAttributes: ctx.config.searchAttributes,
          taskQueues: ctx.config.taskQueues,
        }).catch(mapErrors);
        if (!options.wait) {
          if (options.json)
            printJson({ sweepId: started.sweepId, storeUri: started.storeUri, started: started.started });
          else
            console.log(
              `${started.started ? 'Started' : 'Already running'}: sweep ${started.sweepId} (store ${started.storeUri})`,
            );
          return;
        }
        if (!options.json)
          console.error(`${started.started ? 'Started' : 'Attached to running'} sweep ${started.sweepId}`);
        await exitOnInterrupt(sweepGoesOnMessage(started.sweepId), () =>
          finish(ctx.client, started.sweepId, { ...options, watch: true }),
        );
      });
    });
}

/** `ncap sweep validate`: opens every candidate without training (no Temporal needed). */
function registerValidateCommand(sweep: Command): void {
  sweep
    .command('validate')
    .argument('<spec>', 'sweep spec file (YAML or JSON)')
    .description(
      'Open every candidate’s model and the dataset without training: print what each will be fed and where it is cut; exit 2 naming every candidate that cannot run',
    )
    .option(
      '--store <uri>',
      'the sweep’s store when the spec names none (models and data inside it are read)',
    )
    .option('--json', 'machine-readable output')
    .action(async (specPath: string, options: { json?: boolean; store?: string }) => {
      const spec = await loadSpecFile(specPath).catch(mapErrors);
      const validation = await validateSpecFile(spec, options.store ?? loadConfig().storeUri);
      if (options.json) printJson(validation);
      else for (const line of validationLines(validation)) console.log(line);
      if (!validation.ok) throw new CliError(validationSummary(validation), EXIT_CODES.usage);
    });
}

/** `ncap sweep status`: a running sweep’s progress, or a closed one’s final state. */
function registerStatusCommand(sweep: Command): void {
  addGlobal(sweep.command('status').argument('<sweepId>'))
    .description(
      'Show each candidate’s state, epoch, the rule’s score ± its uncertainty at its latest rung, and ETA; a closed sweep’s final state, with the same score table read from its stored report',
    )
    .action(async (sweepId: string, options: GlobalOptions) => {
      await withContext(options, async (ctx) => {
        const record = await findSweep(ctx.client, sweepId);
        if (!record) mapErrors(new SweepNotFoundError(`no sweep '${sweepId}' on this Temporal namespace`));
        if (record.execution !== 'RUNNING') return printClosedStatus(ctx, record, options.json);
        const progress = await sweepProgress(ctx.client, sweepId).catch(mapErrors);
        if (options.json) return printJson({ ...progress, storeUri: record.storeUri });
        printProgress(progress, record);
      });
    });
}

/** `ncap sweep watch`: live progress until the sweep ends, then its ranking. */
function registerWatchCommand(sweep: Command): void {
  addGlobal(sweep.command('watch').argument('<sweepId>'))
    .description('Live progress bars until the sweep ends, then the ranking')
    .action(async (sweepId: string, options: GlobalOptions) => {
      await withContext(options, (ctx) =>
        exitOnInterrupt(sweepGoesOnMessage(sweepId), () =>
          finish(ctx.client, sweepId, { ...options, watch: true }),
        ).catch(mapErrors),
      );
    });
}

/** `ncap sweep result`: waits for the result and prints the ranking and winner. */
function registerResultCommand(sweep: Command): void {
  addGlobal(sweep.command('result').argument('<sweepId>'))
    .description('Wait for the sweep’s result and print the ranking and winner')
    .action(async (sweepId: string, options: GlobalOptions) => {
      await withContext(options, (ctx) =>
        exitOnInterrupt(sweepGoesOnMessage(sweepId), () => finish(ctx.client, sweepId, options)).catch(
          mapErrors,
        ),
      );
    });
}

/** `ncap sweep cancel`: cancels the whole sweep or one candidate. */
function registerCancelCommand(sweep: Command): void {
  addGlobal(sweep.command('cancel').argument('<sweepId>'))
    .description(
      'Cancel the sweep (running trainings stop at the next batch and keep their checkpoint), or one candidate',
    )
    .option('--candidate <candidateId>', 'cancel only this candidate')
    .action(async (sweepId: string, options: GlobalOptions & { candidate?: string }) => {
      await withContext(options, async (ctx) => {
        const handle = sweepHandle(ctx.client, sweepId);
        await (
          options.candidate
            ? handle.signal(cancelCandidateSignal, options.candidate)
            : handle.signal(cancelSweepSignal)
        ).catch((e: unknown) =>
          mapErrors(
            e instanceof Error && e.name === 'WorkflowNotFoundError'
              ? new SweepNotFoundError(`no running sweep '${sweepId}'`)
              : e,
          ),
        );
        if (options.json) printJson({ sweepId, cancelled: options.candidate ?? 'sweep' });
        else
          console.log(
            options.candidate
              ? `Cancelling candidate ${options.candidate} of ${sweepId}`
              : `Cancelling sweep ${sweepId}`,
          );
      });
    });
}

/** `ncap sweep resume`: starts a failed or terminated sweep again. */
function registerResumeCommand(sweep: Command): void {
  addGlobal(sweep.command('resume').argument('<sweepId>'))
    .description(
      'Start a failed or terminated sweep again: finished candidates are reused, the rest resume from checkpoints',
    )
    .option('--wait', 'wait for the result, with live progress')
    .action(async (sweepId: string, options: GlobalOptions & { wait?: boolean }) => {
      await withContext(options, async (ctx) => {
        const started = await resumeSweep(ctx.client, ctx.stores, {
          sweepId,
          ...(options.store ? { storeUri: options.store } : {}),
          searchAttributes: ctx.config.searchAttributes,
          taskQueues: ctx.config.taskQueues,
        }).catch(mapErrors);
        if (!options.wait) {
          if (options.json) printJson({ sweepId, started: started.started, storeUri: started.storeUri });
          else console.log(`${started.started ? 'Resumed' : 'Already running'}: sweep ${sweepId}`);
          return;
        }
        await exitOnInterrupt(sweepGoesOnMessage(sweepId), () =>
          finish(ctx.client, sweepId, { ...options, watch: true }),
        );
      });
    });
}

/** `ncap sweep extend`: trains a near-tie’s contenders one rung further. */
function registerExtendCommand(sweep: Command): void {
  addGlobal(sweep.command('extend').argument('<sweepId>'))
    .description(
      'Settle a near-tie: train only the contenders the stop rule could not separate one rung further (from their checkpoints) and decide again; the previous report is kept as report-run<n>.json/.html. Exits 0 when there is no tie, 2 when the tie is at the last rung',
    )
    .option('--wait', 'wait for the result, with live progress')
    .action(async (sweepId: string, options: GlobalOptions & { wait?: boolean }) => {
      await withContext(options, async (ctx) => {
        const extended = await extendSweep(ctx.client, ctx.stores, {
          sweepId,
          ...(options.store ? { storeUri: options.store } : {}),
          searchAttributes: ctx.config.searchAttributes,
          taskQueues: ctx.config.taskQueues,
        }).catch(mapErrors);
        if (!(options.wait && options.json && extended.started))
          printExtension(sweepId, extended, options.json);
        if (extended.plan.kind !== 'extend') {
          if (extended.plan.kind !== 'no-tie') process.exitCode = EXIT_CODES.usage;
          return;
        }
        if (options.wait)
          await exitOnInterrupt(sweepGoesOnMessage(sweepId), () =>
            finish(ctx.client, sweepId, { ...options, watch: true }),
          );
      });
    });
}

/** `ncap sweep list`: recent sweeps, newest first. */
function registerListCommand(sweep: Command): void {
  addGlobal(sweep.command('list'))
    .description('List recent sweeps, newest first: id, name, status, winner, created')
    .option('--limit <n>', 'at most this many', '20')
    .action(async (options: GlobalOptions & { limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new CliError(`--limit must be a whole number ≥ 1, got '${options.limit}'`, EXIT_CODES.usage);
      await withContext(options, async (ctx) => {
        const rows = await listSweeps(ctx.client, limit);
        if (options.json) return printJson(rows);
        for (const line of sweepListLines(rows)) console.log(line);
      });
    });
}

/** Registers `ncap sweep` and its subcommands on `program`. */
export function registerSweepCommands(program: Command): void {
  const sweep = program.command('sweep').description('Start, watch and manage sweeps over a model zoo');
  registerStartCommand(sweep);
  registerValidateCommand(sweep);
  registerStatusCommand(sweep);
  registerWatchCommand(sweep);
  registerResultCommand(sweep);
  registerCancelCommand(sweep);
  registerResumeCommand(sweep);
  registerExtendCommand(sweep);
  registerListCommand(sweep);
}
