/**
 * `npm run bench:calibration`: states each contender's P(best) on one half of a zoo's validation set and
 * checks it on the other (bench/calibration/calibration.ts), over the early runs of training seeds
 * 2001–2003, and rewrites the calibration section of bench/selection/RESULTS.md and its plot.
 */
import { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../scripts/dev/tools.js';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import { DEFAULT_HALVING_STOP } from '../../activities/spec/sweep-spec.js';
import { parseEntryArgs } from '../../scripts/entry-args.js';
import {
  sharedBenchArgs,
  withSharedBenchOptions,
  type SharedBenchArgs,
  type SharedBenchValues,
} from '../selection/bench-args.js';
import { loadZoo } from '../selection/cli.js';
import type { BenchZoo } from '../selection/zoos.js';
import { calibrationGoalMet, calibrationPoints, reliabilityBins } from './calibration.js';
import {
  calibrationPlotPath,
  calibrationSection,
  replaceCalibrationSection,
  rungBestIsConvergedBest,
} from './results-md.js';
import { CALIBRATION_SEEDS, readOutcomeRuns, trainOutcomeRuns } from './outcome-runs.js';

/** The bracket replayed on the first half: the best third goes on, as the issue's default bracket. */
const KEEP_FRACTION = 1 / 3;

function calibrationCommand(): Command {
  const command = new Command('npm run bench:calibration')
    .usage(
      '[-- --zoos demo,reversed] [--run-seeds] [--splits N] [--resamples N] [--parallel N] [--store URI] [--out FILE] [--json]',
    )
    .description(
      "Calibration of the decision's confidence: on each early run (training seeds 2001–2003), a random half of the validation set states every contender's P(best) at each rung of a replayed bracket, the other half says who was best; a reliability table and plot go into the calibration section of RESULTS.md, with how often the rung's best was the converged best.",
    );
  return withSharedBenchOptions(command, {
    zoos: 'zoos (a zoo without early runs with outcome bitmaps is named in the output)',
    parallel: 'trainings at once for --run-seeds',
    store:
      'artifact store of the early runs with outcome bitmaps (default file://./.ncap/calibration-store: runs recorded before bitmaps existed would be reused without them)',
    out: 'the RESULTS.md to update (default bench/selection/RESULTS.md)',
  })
    .option(
      '--run-seeds',
      `first train the early runs (seeds ${CALIBRATION_SEEDS.join(', ')}) the store lacks`,
      false,
    )
    .option('--splits <n>', 'random halvings of each validation set', '20')
    .option('--resamples <n>', 'bootstrap resamples per stated probability', '1000');
}

interface CalibrationArgs extends SharedBenchArgs {
  runSeeds: boolean;
  splits: number;
  resamples: number;
}

function parseArgs(argv: readonly string[]): CalibrationArgs {
  const { options, help } = parseEntryArgs<
    SharedBenchValues & { runSeeds: boolean; splits: string; resamples: string }
  >(calibrationCommand(), argv);
  const positive = (name: string, value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new TypeError(`--${name} must be a positive integer, got '${value}'`);
    return n;
  };
  return {
    ...sharedBenchArgs({
      ...options,
      store: options.store ?? pathToFileURL(join(projectRoot(), '.ncap', 'calibration-store')).href,
      help: help !== undefined,
    }),
    runSeeds: options.runSeeds,
    splits: positive('splits', options.splits),
    resamples: positive('resamples', options.resamples),
  };
}

export async function runCalibrationCli(argv: readonly string[]): Promise<number> {
  const usage = calibrationCommand().helpInformation().trimEnd();
  let args: CalibrationArgs;
  try {
    args = parseArgs(argv.includes('--zoos') ? argv : ['--zoos', 'demo,reversed', ...argv]);
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  const log = (line: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);
  const zoos: BenchZoo[] = [];
  for (const name of args.zoos) zoos.push(await loadZoo(name));
  if (args.runSeeds) await trainOutcomeRuns(args.storeUri, zoos, args.parallel, log);
  const stores = createStoreProvider();
  try {
    const { runs, missing } = await readOutcomeRuns(stores.get(args.storeUri), zoos);
    for (const m of missing) log(`left out: ${m}`);
    if (runs.length === 0) {
      console.error(`no early run with outcome bitmaps in ${args.storeUri}: run with --run-seeds`);
      return 2;
    }
    const options = {
      splits: args.splits,
      keepFraction: KEEP_FRACTION,
      margin: DEFAULT_HALVING_STOP,
      resamples: args.resamples,
    };
    const points = calibrationPoints(runs, options);
    const bins = reliabilityBins(points);
    const populationBins = reliabilityBins(
      points.map((p) => ({ stated: p.population, observed: p.observed })),
    );
    const converged = rungBestIsConvergedBest(runs, zoos);
    for (const b of [...bins, ...populationBins])
      console.log(
        `[${b.lo.toFixed(1)}, ${b.hi.toFixed(1)}) n=${String(b.count).padStart(5)} stated ${b.stated === null ? '—' : (100 * b.stated).toFixed(1)} observed ${b.observed === null ? '—' : (100 * b.observed).toFixed(1)}`,
      );
    console.log(
      `goal (|stated − observed| ≤ 10 points in every bin of ≥ 30): product's P(best on a fresh set) ${calibrationGoalMet(bins) ? 'met' : 'NOT met'}, P(best on the population) ${calibrationGoalMet(populationBins) ? 'met' : 'NOT met'}`,
    );
    for (const c of converged)
      console.log(`${c.zoo} ${c.epochs} epochs: rung's best = converged best in ${c.hits}/${c.runs}`);
    const { markdown, svg } = await calibrationSection({
      runs,
      points,
      bins,
      populationBins,
      converged,
      missing,
      options,
      command: `npm run bench:calibration${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
      plotFile: calibrationPlotPath(args.out).split('/').at(-1)!,
    });
    const document = await readFile(args.out, 'utf8');
    await writeFile(args.out, replaceCalibrationSection(document, markdown));
    await writeFile(calibrationPlotPath(args.out), svg);
    if (args.json) console.log(JSON.stringify({ bins, populationBins, converged, points }, null, 2));
    log(`updated the calibration section of ${args.out}`);
    return 0;
  } finally {
    await stores.closeAll();
  }
}
