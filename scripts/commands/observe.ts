/**
 * `ncap observe SWEEP CANDIDATE ACCURACY`: record a candidate's final accuracy obtained elsewhere (e.g. a
 * full fine-tuning run outside ncap) as an observed run of the sweep's dataset, so the calibrated β
 * direction and the hybrids of later sweeps learn from it. Needs only the store.
 */
import type { Command } from 'commander';
import { observeRun, ObserveTargetError } from '../../activities/scoring/observe-run.js';
import { InvalidObservedRunError } from '../../activities/selection/observed-runs.js';
import { InvalidKeyError } from '../../activities/store/errors.js';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import { loadConfig } from '../../workers/worker-config.js';
import { CliError, printJson } from './context.js';
import { EXIT_CODES } from './exit-codes.js';

/** Parses ACCURACY: a fraction in [0, 1], or a percentage with a trailing `%`. */
export function parseAccuracy(text: string): number {
  const percent = text.trim().endsWith('%');
  const value = Number(percent ? text.trim().slice(0, -1) : text);
  const fraction = percent ? value / 100 : value;
  if (text.trim() === '' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1)
    throw new CliError(
      `ACCURACY must be a fraction in [0, 1] (e.g. 0.873) or a percentage with % (e.g. 87.3%), got '${text}'`,
      EXIT_CODES.usage,
    );
  return fraction;
}

export function registerObserveCommand(program: Command): void {
  program
    .command('observe')
    .argument('<sweepId>')
    .argument('<candidateId>')
    .argument('<accuracy>', 'final accuracy after full fine-tuning: 0.873 or 87.3%')
    .description(
      'Record a candidate’s final accuracy (obtained elsewhere) as an observed run that later sweeps on the dataset learn from',
    )
    .option('--store <uri>', 'the sweep’s store (default: NCAP_STORE_URI or file://./.ncap/store)')
    .option('--json', 'machine-readable output')
    .action(
      async (
        sweepId: string,
        candidateId: string,
        accuracyText: string,
        options: { store?: string; json?: boolean },
      ) => {
        const finalAccuracy = parseAccuracy(accuracyText);
        const storeUri = options.store ?? loadConfig().storeUri;
        const stores = createStoreProvider();
        try {
          const { key, run } = await observeRun({
            store: stores.get(storeUri),
            sweepId,
            candidateId,
            finalAccuracy,
          });
          if (options.json) printJson({ key, run });
          else
            process.stdout.write(
              `Observed ${candidateId} of ${sweepId}: final accuracy ${(finalAccuracy * 100).toFixed(2)}% ` +
                `(dataset ${run.datasetKey}, early window ${run.setup.epochs} epoch${run.setup.epochs === 1 ? '' : 's'})\n` +
                `Stored at ${storeUri.replace(/\/$/, '')}/${key}\n`,
            );
        } catch (error) {
          if (error instanceof InvalidKeyError || error instanceof InvalidObservedRunError)
            throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
          if (error instanceof ObserveTargetError)
            throw new CliError(error.message, EXIT_CODES.failure, { cause: error });
          throw error;
        } finally {
          await stores.closeAll();
        }
      },
    );
}
