/**
 * `npm run bench:selection [-- --zoos demo,reversed,real] [--sweeps-only] [--parallel N] [--store URI]
 * [--out FILE] [--json]`: the selection benchmark's command line (see bench-selection.ts).
 */
import { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseEntryArgs } from '../../scripts/entry-args.js';
import { withLocalSweeps } from '../../scripts/sweeps/local-sweeps.js';
import {
  sharedBenchArgs,
  withSharedBenchOptions,
  type SharedBenchArgs,
  type SharedBenchValues,
  type ZooName,
} from './bench-args.js';
import { runEarlySweeps, storedEarlySweeps, type EarlySweep } from './run-early.js';
import { loadFashionZoo, type BenchZoo } from './zoos.js';
import { scoreBenchmark } from './score.js';
import { renderResults } from './results-md.js';
import { ttdPlotPath, ttdSection } from '../ttd/section.js';
import { replaceTtdSection } from '../ttd/results-md.js';

export { ZOO_NAMES, type ZooName } from './bench-args.js';

/** The command line of `npm run bench:selection` (`--build-truth` switches to bench/truth/build-truth.ts). */
function selectionBenchCommand(): Command {
  const command = new Command('npm run bench:selection')
    .usage(
      '[-- --zoos demo,reversed,real,real2] [--sweeps-only] [--parallel N] [--store URI] [--out FILE] [--json]',
    )
    .description(
      "Runs every zoo's early sweeps (2 epochs, 4 evaluations per epoch; a trainable probe with abs-product and a frozen probe with gradient-coupled; finished candidates are reused), scores every predictor at the windows 1/4, 1/2, 1 and 2 epochs against the zoos' converged ground truth, chooses the default rule on zoos demo + reversed only, reports the real zoos (real, real2) as held out, and writes RESULTS.md from scratch.",
    );
  return withSharedBenchOptions(command, {
    zoos: 'zoos to run (real needs npm run zoo:real:build, real2 npm run zoo:real2:build)',
    parallel: 'trainings at once, each in its own worker process',
    store: 'artifact store of the sweeps (default NCAP_STORE_URI or file://./.ncap/store)',
    out: 'where RESULTS.md goes (default bench/selection/RESULTS.md)',
  })
    .option('--sweeps-only', 'run or complete the early sweeps, score nothing', false)
    .option('--score-only', 'score the early sweeps already in the store (no Temporal, no training)', false)
    .option('--build-truth', "measure a zoo's ground truth instead (see --build-truth --help)");
}

export const SELECTION_BENCH_USAGE = selectionBenchCommand().helpInformation().trimEnd();

export interface SelectionBenchArgs extends SharedBenchArgs {
  sweepsOnly: boolean;
  scoreOnly: boolean;
}

/** @throws TypeError naming the option and the fix. */
export function parseSelectionBenchArgs(argv: readonly string[]): SelectionBenchArgs {
  const { options: values, help } = parseEntryArgs<
    SharedBenchValues & { sweepsOnly: boolean; scoreOnly: boolean }
  >(selectionBenchCommand(), argv);
  const shared = sharedBenchArgs({ ...values, help: help !== undefined });
  if (values.sweepsOnly && values.scoreOnly)
    throw new TypeError('--sweeps-only and --score-only exclude each other: give one');
  return { ...shared, sweepsOnly: values.sweepsOnly, scoreOnly: values.scoreOnly };
}

/** A zoo of the benchmark by name. @throws Error when it is not built (no manifest) */
export async function loadZoo(name: ZooName): Promise<BenchZoo> {
  if (name === 'real' || name === 'real2') {
    const { loadRealZoo } = await import('./real-zoo.js');
    return loadRealZoo(name);
  }
  return loadFashionZoo(name);
}

export async function runSelectionBenchCli(argv: readonly string[]): Promise<number> {
  let args: SelectionBenchArgs;
  try {
    args = parseSelectionBenchArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${SELECTION_BENCH_USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(SELECTION_BENCH_USAGE);
    return 0;
  }
  const started = Date.now();
  const log = (line: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);
  const zoos: BenchZoo[] = [];
  for (const name of args.zoos) {
    try {
      zoos.push(await loadZoo(name));
    } catch (error) {
      console.error(`zoo ${name}: ${(error as Error).message}`);
      return 2;
    }
  }
  const { sweeps, backend } = args.scoreOnly
    ? await storedEarlySweeps(args.storeUri, zoos)
    : await withLocalSweeps({ storeUri: args.storeUri, processes: args.parallel, log }, async (local) => {
        log(`TF.js backend ${local.backend}`);
        const all: EarlySweep[] = [];
        for (const zoo of zoos)
          all.push(...(await runEarlySweeps(local, zoo, { maxParallel: args.parallel, log })));
        return { sweeps: all, backend: local.backend };
      });
  const sweepSeconds = (Date.now() - started) / 1000;
  log(`early sweeps done in ${sweepSeconds.toFixed(0)} s`);
  if (args.sweepsOnly) return 0;
  const scores = await scoreBenchmark({ zoos, sweeps, storeUri: args.storeUri, log });
  const wallSeconds = (Date.now() - started) / 1000;
  const plotPath = `${args.out.replace(/\.md$/, '')}-plot.svg`;
  const markdown = await renderResults({
    scores,
    zoos,
    sweeps,
    wallSeconds,
    sweepSeconds,
    backend,
    argv,
    plotFile: basename(plotPath),
  });
  // The time-to-decision section (bench/ttd) replays strategies on the same early runs.
  const ttd = await ttdSection({
    zoos,
    sweeps,
    storeUri: args.storeUri,
    command: `npm run bench:selection${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    resultsPath: args.out,
    log,
  });
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, replaceTtdSection(markdown.markdown, ttd.markdown));
  await writeFile(plotPath, markdown.svg);
  await writeFile(ttdPlotPath(args.out), ttd.svg);
  if (args.json) console.log(JSON.stringify(scores, null, 2));
  console.log(markdown.summary);
  log(`wrote ${args.out} in ${wallSeconds.toFixed(0)} s`);
  return 0;
}
