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
    .action(
      async (
        sweepId: string,
        options: {
          format: string;
          out?: string;
          store?: string;
          address?: string;
          namespace?: string;
          rescore?: boolean;
          save?: boolean;
          json?: boolean;
        },
      ) => {
        const format = (options.json ? 'json' : options.format) as Format;
        if (!FORMATS.includes(format))
          throw new CliError(
            `--format must be one of ${FORMATS.join(', ')}, got '${options.format}'`,
            EXIT_CODES.usage,
          );
        const storeUri = options.store ?? (await recordedStore(sweepId, options)) ?? loadConfig().storeUri;
        const stores = createStoreProvider();
        try {
          const store = stores.get(storeUri);
          let keys: ReturnType<typeof sweepKeys>;
          try {
            keys = sweepKeys(sweepId);
          } catch (error) {
            if (error instanceof InvalidKeyError)
              throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
            throw error;
          }
          let report: SweepReport;
          if (options.rescore) {
            const stored = await readStoredSpec(store, sweepId);
            if (!stored)
              throw new CliError(
                `sweep ${sweepId} has no spec.json in ${storeUri}; pass --store`,
                EXIT_CODES.failure,
              );
            const outcomes: CandidateOutcome[] = [];
            for (const c of stored.spec.candidates) {
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
            try {
              report = await buildSweepReport(store, sweepId, stored.spec, outcomes);
            } catch (error) {
              if (error instanceof InvalidObservedRunError)
                throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
              throw error;
            }
            if (options.save)
              await store.put(keys.reportJson, `${JSON.stringify(report, null, 2)}\n`, {
                contentType: 'application/json',
              });
          } else {
            try {
              report = await readReportRecord(store, sweepId);
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
          const html = format === 'html' || options.save ? await renderReportHtml(report) : '';
          if (options.save)
            await store.put(keys.reportHtml, html, { contentType: 'text/html; charset=utf-8' });
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
        } finally {
          await stores.closeAll();
        }
      },
    );
}
