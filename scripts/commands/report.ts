/**
 * `ncap report <sweepId>`: print a sweep's report from the store (no Temporal needed). It reads and never
 * writes, unless `--save` asks it to store what it printed (report.json with `--rescore`, and report.html).
 * `--rescore` ranks again from the stored snapshots through the same scoring path as the reduce step —
 * the spec's rule, the dataset's observed runs — e.g. after a scoring change or new observed runs.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { renderReportHtml } from '../../activities/report/report-html.js';
import { renderReportMarkdown } from '../../activities/report/report-markdown.js';
import { renderReportText } from '../../activities/report/report-text.js';
import type { SweepReport } from '../../activities/scoring/report-types.js';
import { buildSweepReport } from '../../activities/scoring/build-sweep-report.js';
import { readReportRecord } from '../../activities/scoring/report-record.js';
import { InvalidObservedRunError } from '../../activities/selection/observed-runs.js';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import { readStoredSpec } from '../../activities/sweep/stored-spec.js';
import { outcomeFromResult, readCandidateResult } from '../../activities/sweep/training-activities.js';
import type { CandidateOutcome } from '../../activities/sweep/types.js';
import { ArtifactNotFoundError, InvalidKeyError } from '../../activities/store/errors.js';
import { sweepKeys } from '../../activities/store/keys.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import { loadConfig } from '../../workers/worker-config.js';
import { findSweep } from '../sweeps/sweep-record.js';
import { CliError, openContext, type CommandContext } from './context.js';
import { EXIT_CODES } from './exit-codes.js';

const FORMATS = ['text', 'json', 'md', 'html'] as const;
type Format = (typeof FORMATS)[number];

/**
 * The store Temporal recorded for the sweep (memo or start input); undefined when Temporal is unreachable
 * or has no such sweep (its history may have expired), so the report still works from the store alone.
 */
async function recordedStore(
  sweepId: string,
  options: { address?: string; namespace?: string },
): Promise<string | undefined> {
  let ctx: CommandContext;
  try {
    ctx = await openContext({ ...options, connectTimeoutMs: 3_000 });
  } catch {
    return undefined;
  }
  try {
    return (await findSweep(ctx.client, sweepId))?.storeUri || undefined;
  } catch {
    return undefined;
  } finally {
    await ctx.close();
  }
}

/** `ncap report`'s options, as commander parses them. */
interface ReportOptions {
  format: string;
  out?: string;
  store?: string;
  address?: string;
  namespace?: string;
  rescore?: boolean;
  save?: boolean;
  json?: boolean;
}

type SweepKeys = ReturnType<typeof sweepKeys>;

/** Where a report comes from and goes back to. */
interface ReportSource {
  store: ArtifactStore;
  storeUri: string;
  sweepId: string;
  keys: SweepKeys;
}

function reportFormat(options: ReportOptions): Format {
  const format = (options.json ? 'json' : options.format) as Format;
  if (!FORMATS.includes(format))
    throw new CliError(
      `--format must be one of ${FORMATS.join(', ')}, got '${options.format}'`,
      EXIT_CODES.usage,
    );
  return format;
}

/** The sweep's store keys; a bad sweep id is a usage error. */
function reportKeys(sweepId: string): SweepKeys {
  try {
    return sweepKeys(sweepId);
  } catch (error) {
    if (error instanceof InvalidKeyError)
      throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
    throw error;
  }
}

/** The report the sweep stored when it finished. */
async function storedReport({ store, storeUri, sweepId }: ReportSource): Promise<SweepReport> {
  try {
    return await readReportRecord(store, sweepId);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) {
      throw new CliError(
        `no report for sweep ${sweepId} in ${storeUri}: has it finished? (--store selects another store; --rescore builds one from snapshots)`,
        EXIT_CODES.failure,
      );
    }
    throw error;
  }
}

/** Each candidate's outcome from its stored result; one without a result counts as failed. */
async function storedOutcomes(
  { store, sweepId, keys }: ReportSource,
  spec: SweepSpec,
): Promise<CandidateOutcome[]> {
  const outcomes: CandidateOutcome[] = [];
  for (const c of spec.candidates) {
    const result = await readCandidateResult(store, sweepId, c.id);
    outcomes.push(
      result
        ? outcomeFromResult(result, keys.candidate(c.id).result, true)
        : {
            candidateId: c.id,
            status: 'failed',
            failure: { type: 'NoResult', message: 'no result.json in the store' },
          },
    );
  }
  return outcomes;
}

/** A report ranked again from the stored snapshots (`--rescore`); stored as report.json with `--save`. */
async function rescoredReport(source: ReportSource, save: boolean | undefined): Promise<SweepReport> {
  const { store, storeUri, sweepId, keys } = source;
  const stored = await readStoredSpec(store, sweepId);
  if (!stored)
    throw new CliError(`sweep ${sweepId} has no spec.json in ${storeUri}; pass --store`, EXIT_CODES.failure);
  const outcomes = await storedOutcomes(source, stored.spec);
  let report: SweepReport;
  try {
    report = await buildSweepReport(store, sweepId, stored.spec, outcomes);
  } catch (error) {
    if (error instanceof InvalidObservedRunError)
      throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
    throw error;
  }
  if (save)
    await store.put(keys.reportJson, `${JSON.stringify(report, null, 2)}\n`, {
      contentType: 'application/json',
    });
  return report;
}

/** Prints (or writes to `--out`) the report in `format`; stores its HTML with `--save`. */
async function emitReport(
  report: SweepReport,
  format: Format,
  { store, storeUri, keys }: ReportSource,
  options: ReportOptions,
): Promise<void> {
  const html = format === 'html' || options.save ? await renderReportHtml(report) : '';
  if (options.save) await store.put(keys.reportHtml, html, { contentType: 'text/html; charset=utf-8' });
  const output =
    format === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : format === 'md'
        ? renderReportMarkdown(report)
        : format === 'html'
          ? html
          : renderReportText(report);
  if (options.out) {
    await writeFile(options.out, output);
    console.error(`Wrote ${options.out}`);
  } else {
    process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
  }
  if (format !== 'json' && !options.out)
    console.error(`report.html: ${storeUri.replace(/\/$/, '')}/${keys.reportHtml}`);
}

/** `ncap report`'s action. */
async function printReport(sweepId: string, options: ReportOptions): Promise<void> {
  const format = reportFormat(options);
  const storeUri = options.store ?? (await recordedStore(sweepId, options)) ?? loadConfig().storeUri;
  const stores = createStoreProvider();
  try {
    const store = stores.get(storeUri);
    const source: ReportSource = { store, storeUri, sweepId, keys: reportKeys(sweepId) };
    const report = options.rescore ? await rescoredReport(source, options.save) : await storedReport(source);
    await emitReport(report, format, source, options);
  } finally {
    await stores.closeAll();
  }
}

/** Registers `ncap report <sweepId>` on `program`. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .argument('<sweepId>')
    .description('Print a sweep’s report (read-only unless --save)')
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'text')
    .option('--out <file>', 'write the output to a file instead of stdout')
    .option(
      '--store <uri>',
      'the sweep’s store (default: the one Temporal recorded for the sweep, else NCAP_STORE_URI or file://./.ncap/store)',
    )
    .option(
      '--address <host:port>',
      'Temporal frontend, to find the sweep’s store (default: TEMPORAL_ADDRESS)',
    )
    .option('--namespace <ns>', 'Temporal namespace (default: TEMPORAL_NAMESPACE or default)')
    .option(
      '--rescore',
      'rank again from the stored snapshots (the spec’s rule, the dataset’s observed runs) before printing',
    )
    .option(
      '--save',
      'write the printed report back to the store (report.json with --rescore, and report.html)',
    )
    .option('--json', 'same as --format json')
    .action((sweepId: string, options: ReportOptions) => printReport(sweepId, options));
}
