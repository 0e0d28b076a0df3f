/**
 * `ncap run SPEC`: the main job for any spec in one command, on the embedded defaults the demo uses (the
 * configured Temporal or a dev server started here, the orchestrator in this process, a pool of training
 * worker processes, a `file://` store under `.ncap/` unless the spec or NCAP_STORE_URI names one).
 * Every candidate is opened first (`ncap sweep validate`); Ctrl-C cancels the sweep and stops what was
 * started; running it again resumes. Exit codes: 0 a winner, 1 failure, 2 invalid spec or candidate,
 * 3 no winner, 130 interrupted.
 */
import type { Command } from 'commander';
import { InvalidSpecError } from '../../activities/spec/sweep-spec.js';
import { ConfigError, loadConfig, parseGpuProcesses } from '../../workers/worker-config.js';
import { runSpecCli, specSweepId } from '../sweeps/run-spec.js';
import { SweepNotFoundError, loadSpecFile } from '../sweeps/sweep-client.js';
import { CliError } from './context.js';
import { EXIT_CODES } from './exit-codes.js';

interface RunOptions {
  id?: string;
  fresh?: boolean;
  processes?: string;
  store?: string;
  address?: string;
  json?: boolean;
}

/** A spec that cannot be read or is invalid: exit 2, nothing started. */
async function readSpec(path: string) {
  try {
    return await loadSpecFile(path);
  } catch (error) {
    if (error instanceof InvalidSpecError || error instanceof SweepNotFoundError)
      throw new CliError(error.message, EXIT_CODES.usage, { cause: error });
    throw error;
  }
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .argument('<spec>', 'sweep spec file (YAML or JSON); model and dataset paths are relative to it')
    .description(
      'Run a sweep to its winner in one command: validates every candidate, starts what it needs (Temporal dev server, worker processes), shows progress, prints the ranking and the report, and stops what it started',
    )
    .option('--id <sweepId>', 'sweep id (default: the spec’s id, else <name>-<hash of the spec>)')
    .option('--fresh', 'retrain every candidate (default: reuse those an earlier run of this sweep finished)')
    .option('--processes <n>', "training worker processes, or 'auto' (one per core; one per GPU)", 'auto')
    .option(
      '--store <uri>',
      'artifact store when the spec names none (default: NCAP_STORE_URI or file://./.ncap/store)',
    )
    .option(
      '--address <host:port>',
      'Temporal frontend (default: TEMPORAL_ADDRESS, else a dev server started here)',
    )
    .option('--json', 'print the result as JSON (no progress bars)')
    .addHelpText(
      'after',
      '\nCtrl-C cancels the sweep (trainings keep their checkpoints), stops what was started and exits 130;\n' +
        'the same command again resumes it.',
    )
    .action(async (specPath: string, options: RunOptions) => {
      let processes;
      let taskQueues;
      try {
        processes = parseGpuProcesses('--processes', options.processes ?? 'auto');
        // NCAP_TASK_QUEUE_ORCHESTRATOR / _GPU, as for every worker.
        taskQueues = loadConfig().taskQueues;
      } catch (error) {
        if (error instanceof ConfigError) throw new CliError(error.message, EXIT_CODES.usage);
        throw error;
      }
      const spec = await readSpec(specPath);
      let sweepId: string | undefined;
      if (options.id !== undefined) {
        try {
          sweepId = specSweepId(spec, options.id);
        } catch (error) {
          throw new CliError((error as Error).message, EXIT_CODES.usage, { cause: error });
        }
      }
      process.exitCode = await runSpecCli({
        spec,
        ...(sweepId ? { sweepId } : {}),
        fresh: options.fresh ?? false,
        processes,
        taskQueues,
        json: options.json ?? false,
        ...(options.store ? { storeUri: options.store } : {}),
        ...(options.address ? { temporalAddress: options.address } : {}),
        resumeCommand: `ncap run ${specPath}${options.id ? ` --id ${options.id}` : ''}`,
      });
    });
}
