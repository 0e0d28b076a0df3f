/**
 * `npm run demo`: `ncap run` (scripts/sweeps/run-spec.ts, one code path) on the bundled demo spec. Starts
 * the Temporal dev server if none is configured, runs the orchestrator in this process and the trainings
 * in a pool of worker processes (one per core), sweeps the bundled demo zoo (Fashion-MNIST, zoos/demo-zoo)
 * with live progress, prints the ranking and the winner, writes the report and stops what it started.
 * A second run reuses finished candidates unless --fresh; Ctrl-C cancels and stops, and the same command
 * resumes.
 */
import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DEFAULT_EARLY_EPOCHS,
  DEFAULT_HALVING_RUNGS,
  validateSweepSpec,
  type SweepSpec,
} from '../../activities/spec/sweep-spec.js';
import type { GpuWorkerProcesses } from '../../workers/gpu-worker-pool.js';
import { ConfigError, parseGpuProcesses } from '../../workers/worker-config.js';
import { runSpec, runSpecCli, specSweepId, type RunSpecOutcome } from '../sweeps/run-spec.js';
import { projectRoot } from '../dev/tools.js';
import { parseEntryArgs } from '../entry-args.js';
import { readManifest, type ZooManifest } from '../../zoos/fashion/manifest.js';

export interface DemoOptions {
  /** Folder holding the zoo's manifest.json. @default `<repo>/zoos/demo-zoo` */
  zooDir?: string;
  /** @default NCAP_STORE_URI or `file://<cwd>/.ncap/store` */
  storeUri?: string;
  /** Sweep only the first N candidates. @default all */
  candidates?: number;
  /**
   * A fixed early window of this many epochs (fractions allowed) for every candidate, instead of the
   * spec's default budget (successive halving over `DEFAULT_HALVING_RUNGS`). @default halving
   */
  epochs?: number;
  /** Target training samples used (stratified subset; the zoo ships 3000). @default 3000 */
  maxSamples?: number;
  /** Forget finished candidates of an earlier demo run with the same settings. @default false */
  fresh?: boolean;
  /** Temporal address; without one (and without TEMPORAL_ADDRESS) the dev server is started. */
  temporalAddress?: string;
  /** Own task queues (tests). @default the standard queues */
  taskQueues?: { orchestrator: string; gpu: string };
  /** Draw progress bars. @default true */
  progress?: boolean;
  /**
   * Training worker processes: a count, or `auto` (one per core on the CPU backends, one per GPU on
   * tfjs-node-gpu).
   * @default 'auto'
   */
  processes?: GpuWorkerProcesses;
  log?: (line: string) => void;
  /** The worker processes' output lines. @default log */
  workerLog?: (line: string) => void;
}

export type DemoOutcome = RunSpecOutcome;

export class DemoSetupError extends Error {
  override name = 'DemoSetupError';
}

export function demoSpec(
  manifest: ZooManifest,
  zooDir: string,
  options: { candidates?: number; epochs?: number; maxSamples: number },
): SweepSpec {
  const chosen = manifest.candidates.slice(0, options.candidates ?? manifest.candidates.length);
  const spec = validateSweepSpec({
    name: 'demo',
    description: 'Fashion-MNIST target task (classes 0–4) over a zoo pre-trained on classes 5–9',
    dataset: {
      name: 'fashion-mnist-target',
      uri: pathToFileURL(join(zooDir, manifest.dataset.target.train.path)).href,
      // The zoo's own validation split: the one its ground truth was early-stopped on.
      validationUri: pathToFileURL(join(zooDir, manifest.dataset.target.validation.path)).href,
      normalisation: manifest.dataset.normalisation,
      numClasses: manifest.dataset.target.classNames.length,
      seed: 0,
      maxSamples: options.maxSamples,
    },
    candidates: chosen.map((c) => ({
      id: c.id,
      model: pathToFileURL(join(zooDir, c.modelPath)).href,
      featureLayer: c.featureLayer,
      labels: {
        architecture: c.architecture,
        params: c.params,
        sourceAccuracy: Number(c.sourceAccuracy.toFixed(4)),
        ...(c.groundTruth ? { groundTruthAccuracy: Number(c.groundTruth.accuracyMean.toFixed(4)) } : {}),
      },
    })),
    mode: 'finetune',
    // The first steps of the training the zoo's ground truth ran to convergence (Adam 1e-3, batch 64), spent
    // by the default budget (halving, the time-to-decision benchmark's choice) unless a fixed window is asked.
    training: {
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      batchSize: 64,
      learningRate: 0.001,
      optimizer: 'adam',
      snapshotEvery: 5,
      evaluationsPerEpoch: 4,
      seed: 0,
    },
    // The spec's default probe (trainable, β_eff from abs-product): the setting the time-to-decision
    // benchmark chose halving with.
    probe: { widths: [256, 128, 64] },
    concurrency: { maxParallel: 2 },
  });
  // The id follows the settings: a second run with the same settings reuses its finished candidates.
  return { ...spec, id: specSweepId(spec) };
}

/** The bundled demo zoo's folder. */
export function defaultDemoZooDir(): string {
  return join(projectRoot(), 'zoos', 'demo-zoo');
}

/** The demo spec of these options (the bundled zoo unless `zooDir`). */
export async function demoSpecOf(options: DemoOptions): Promise<SweepSpec> {
  const zooDir = resolve(options.zooDir ?? defaultDemoZooDir());
  const manifest = await readManifest(zooDir);
  if (!manifest)
    throw new DemoSetupError(`No demo zoo at ${zooDir}: build it with \`npm run demo:build-zoo\``);
  return demoSpec(manifest, zooDir, {
    ...(options.candidates ? { candidates: options.candidates } : {}),
    ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
    maxSamples: options.maxSamples ?? 3000,
  });
}

/** The demo through {@link runSpec}, the path `ncap run` takes. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoOutcome> {
  const spec = await demoSpecOf(options);
  return runSpec({
    spec,
    sweepId: spec.id!,
    fresh: options.fresh ?? false,
    progress: options.progress ?? true,
    ...(options.storeUri ? { storeUri: options.storeUri } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.temporalAddress ? { temporalAddress: options.temporalAddress } : {}),
    ...(options.taskQueues ? { taskQueues: options.taskQueues } : {}),
    ...(options.processes !== undefined ? { processes: options.processes } : {}),
    ...(options.workerLog ? { workerLog: options.workerLog } : {}),
  });
}

/** The command line of `npm run demo`. */
function demoCommand(): Command {
  return new Command('npm run demo')
    .usage(
      '-- [--fresh] [--candidates N] [--epochs E] [--samples N] [--zoo DIR] [--store URI] [--processes N] [--json]',
    )
    .description(
      'Sweep a zoo (the bundled demo zoo by default) on its target data set, print the ranking and the winner, write the report.',
    )
    .option(
      '--fresh',
      'retrain every candidate (default: reuse finished ones of an earlier run with the same settings)',
    )
    .option('--candidates <n>', 'sweep only the first N candidates of the zoo')
    .option(
      '--epochs <e>',
      `train every candidate a fixed window of E epochs, fractions allowed (default: successive halving over rungs of ${DEFAULT_HALVING_RUNGS.join(', ')} epochs, the spec's default budget; ${DEFAULT_EARLY_EPOCHS} is the window the selection benchmark chose the default rule at)`,
    )
    .option('--samples <n>', 'target training samples (default 3000)')
    .option('--zoo <dir>', 'the zoo folder (default zoos/demo-zoo)')
    .option('--store <uri>', 'artifact store (default NCAP_STORE_URI or file://./.ncap/store)')
    .option(
      '--processes <n>',
      "training worker processes, or 'auto' (default: one per core on the CPU backends, one per GPU on tfjs-node-gpu); their output lines are prefixed [worker N]",
    )
    .option('--json', 'print the outcome as JSON')
    .addHelpText(
      'after',
      '\nTemporal: TEMPORAL_ADDRESS (and the other standard TEMPORAL_* variables), else the embedded dev server.\n' +
        'Ctrl-C cancels the sweep (trainings keep their checkpoints) and stops what the demo started; the same\n' +
        'command again resumes it. `ncap run SPEC` runs your own spec the same way.',
    );
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseEntryArgs<{
      fresh?: boolean;
      candidates?: string;
      epochs?: string;
      samples?: string;
      zoo?: string;
      store?: string;
      processes?: string;
      json?: boolean;
    }>(demoCommand(), process.argv.slice(2));
  } catch (error) {
    throw new DemoSetupError(`${(error as Error).message}; \`npm run demo -- --help\` lists the options`);
  }
  if (parsed.help !== undefined) {
    process.stdout.write(parsed.help);
    return 0;
  }
  const values = {
    ...parsed.options,
    fresh: parsed.options.fresh ?? false,
    json: parsed.options.json ?? false,
  };
  const int = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1)
      throw new DemoSetupError(`--${name} must be a positive integer, got '${raw}'`);
    return n;
  };
  const candidates = int('candidates', values.candidates);
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && !(Number.isFinite(epochs) && epochs > 0))
    throw new DemoSetupError(
      `--epochs must be a positive number of epochs such as 0.5 or 2, got '${values.epochs}'`,
    );
  const maxSamples = int('samples', values.samples);
  let processes: GpuWorkerProcesses | undefined;
  try {
    processes =
      values.processes === undefined ? undefined : parseGpuProcesses('--processes', values.processes);
  } catch (error) {
    throw error instanceof ConfigError ? new DemoSetupError(error.message) : error;
  }
  const spec = await demoSpecOf({
    ...(candidates ? { candidates } : {}),
    ...(epochs ? { epochs } : {}),
    ...(maxSamples ? { maxSamples } : {}),
    ...(values.zoo ? { zooDir: values.zoo } : {}),
  });
  // The same flags again resume the run: finished candidates are reused.
  const again = process.argv
    .slice(2)
    .filter((a) => a !== '--fresh')
    .join(' ');
  return runSpecCli({
    spec,
    sweepId: spec.id!,
    fresh: values.fresh,
    json: values.json,
    ...(values.store ? { storeUri: values.store } : {}),
    ...(processes !== undefined ? { processes } : {}),
    resumeCommand: `npm run demo${again ? ` -- ${again}` : ''}`,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof DemoSetupError ? error.message : error);
      process.exitCode = 1;
    },
  );
}
