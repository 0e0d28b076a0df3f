/**
 * `npm run bench:ttd`: the time-to-decision benchmark's command line. Replays every strategy on the
 * selection benchmark's stored early runs and rewrites only the time-to-decision section of
 * bench/selection/RESULTS.md (and its plot); `npm run bench:selection` writes the same section through
 * `ttdSection` (section.ts) when it regenerates the file.
 */
import { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import {
  sharedBenchArgs,
  withSharedBenchOptions,
  type SharedBenchArgs,
  type SharedBenchValues,
} from '../selection/bench-args.js';
import { loadZoo } from '../selection/cli.js';
import { PROBE_SETTING_NAMES, REPLICATE_EARLY_SEEDS, type ProbeSetting } from '../selection/early-sweeps.js';
import { runEarlySweeps, storedEarlySweeps, type EarlySweep } from '../selection/run-early.js';
import type { BenchZoo } from '../selection/zoos.js';
import { parseEntryArgs } from '../../scripts/entry-args.js';
import { withLocalSweeps } from '../../scripts/sweeps/local-sweeps.js';
import { TTD_SETTING } from './benchmark.js';
import { halvingSweepSpec } from './product-check.js';
import { replaceTtdSection } from './results-md.js';
import { ttdPlotPath, ttdSection } from './section.js';
import { acrossSeeds, acrossZoos, supportedDefault } from './verdict.js';

/** The command line of `npm run bench:ttd`. */
function ttdCommand(): Command {
  const command = new Command('npm run bench:ttd')
    .usage(
      '[-- --zoos demo,reversed,real,real2] [--setting S] [--run-seeds] [--run-product] [--parallel N] [--store URI] [--out FILE] [--json]',
    )
    .description(
      "The time-to-decision benchmark: replays fixed windows, ncap halving, ASHA (Ray Tune's rule), a naive halving and full fine-tuning on the selection benchmark's recorded early runs (run them first with npm run bench:selection), scores compute against regret and τ on the zoos' converged ground truth, and rewrites the time-to-decision section of RESULTS.md (the rest of the file is left as it is) and its plot.",
    );
  return withSharedBenchOptions(command, {
    zoos: 'zoos to replay (a zoo without a manifest or early runs is skipped and named in the output)',
    parallel: 'trainings at once for --run-seeds and --run-product',
    store: 'artifact store of the early sweeps (default NCAP_STORE_URI or file://./.ncap/store)',
    out: 'the RESULTS.md to update (default bench/selection/RESULTS.md)',
  })
    .option(
      '--setting <s>',
      "the early runs replayed: trainable (the product's default probe) or frozen-probe",
      TTD_SETTING,
    )
    .option(
      '--run-seeds',
      `first train the replicate early runs (training seeds ${REPLICATE_EARLY_SEEDS.join(', ')}, of --setting) that the store lacks (embedded Temporal, worker processes; finished candidates reused); without it, the replicates the store holds are replayed and the others named in the output`,
      false,
    )
    .option(
      '--run-product',
      "first run the product's budget.strategy: halving sweep of each zoo for real (embedded Temporal, workers in this process; finished candidates reused) and compare its bracket with the replay (same survivors per rung, winner, samples)",
      false,
    );
}

export const TTD_USAGE = ttdCommand().helpInformation().trimEnd();

export interface TtdArgs extends SharedBenchArgs {
  setting: ProbeSetting;
  runSeeds: boolean;
  runProduct: boolean;
}

/** @throws TypeError naming the option and the fix. */
export function parseTtdArgs(argv: readonly string[]): TtdArgs {
  const { options: values, help } = parseEntryArgs<
    SharedBenchValues & { setting: string; runSeeds: boolean; runProduct: boolean }
  >(ttdCommand(), argv);
  const setting = values.setting;
  if (!(PROBE_SETTING_NAMES as readonly string[]).includes(setting))
    throw new TypeError(
      `--setting: unknown probe setting '${setting}'; choose from ${PROBE_SETTING_NAMES.join(', ')}`,
    );
  return {
    ...sharedBenchArgs({ ...values, help: help !== undefined }),
    setting: setting as ProbeSetting,
    runSeeds: values.runSeeds,
    runProduct: values.runProduct,
  };
}

export async function runTtdCli(argv: readonly string[]): Promise<number> {
  let args: TtdArgs;
  try {
    args = parseTtdArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${TTD_USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(TTD_USAGE);
    return 0;
  }
  const log = (line: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);
  const zoos: BenchZoo[] = [];
  const sweeps: EarlySweep[] = [];
  for (const name of args.zoos) {
    try {
      const zoo = await loadZoo(name);
      const stored = await storedEarlySweeps(args.storeUri, [zoo]);
      zoos.push(zoo);
      sweeps.push(...stored.sweeps);
    } catch (error) {
      log(`zoo ${name} skipped: ${(error as Error).message}`);
    }
  }
  if (zoos.length === 0) {
    console.error(`no zoo has early runs in ${args.storeUri}: run npm run bench:selection first`);
    return 2;
  }
  let document: string;
  try {
    document = await readFile(args.out, 'utf8');
  } catch {
    console.error(`${args.out} does not exist: run npm run bench:selection first (it writes the file)`);
    return 2;
  }
  if (args.runSeeds) await runReplicateSweeps(args, zoos, log);
  if (args.runProduct) await runProductSweeps(args, zoos, log);
  const { markdown, svg, result, productChecks } = await ttdSection({
    zoos,
    sweeps,
    setting: args.setting,
    storeUri: args.storeUri,
    command: `npm run bench:ttd${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    resultsPath: args.out,
    log,
  });
  await writeFile(args.out, replaceTtdSection(document, markdown));
  await writeFile(ttdPlotPath(args.out), svg);
  if (args.json) console.log(JSON.stringify(result, null, 2));
  for (const r of acrossZoos(result))
    console.log(
      `${r.id.padEnd(28)} ${r.perZoo
        .map((s) =>
          s
            ? `${s.zoo} ${(100 * s.computeFraction).toFixed(2)}% regret ${(100 * s.metrics.regret.value).toFixed(2)}`
            : '—',
        )
        .join('  ')}${r.goal ? '  GOAL' : ''}`,
    );
  if (result.replicates.length > 0) {
    console.log('across seeds (mean regret, compute):');
    for (const r of acrossSeeds(result))
      console.log(
        `${r.id.padEnd(28)} ${r.perZoo
          .map((s) =>
            s
              ? `${s.zoo} ×${s.seeds.length} ${(100 * s.meanComputeFraction).toFixed(2)}% regret ${(100 * s.meanRegret).toFixed(2)}`
              : '—',
          )
          .join('  ')}`,
      );
  }
  const chosen = supportedDefault(result);
  if (chosen) console.log(`supported default: ${chosen.id}`);
  for (const c of productChecks)
    console.log(
      `product halving ${c.zoo}: rungs ${c.productRungs.join('→')} (replay ${c.simulatedRungs.join('→')}), winner ${c.productWinner} (replay ${c.simulatedWinner}), samples ${c.productSamples} (replay ${c.simulatedSamples})${c.differences.length ? `; DIFFERS: ${c.differences.join('; ')}` : '; same'}`,
    );
  log(`updated the time-to-decision section of ${args.out}`);
  return 0;
}

/** Trains (or completes) each zoo's replicate early runs; a failed sweep is logged, the others run. */
async function runReplicateSweeps(
  args: TtdArgs,
  zoos: readonly BenchZoo[],
  log: (line: string) => void,
): Promise<void> {
  await withLocalSweeps({ storeUri: args.storeUri, processes: args.parallel, log }, async (local) => {
    for (const zoo of zoos)
      for (const seed of REPLICATE_EARLY_SEEDS) {
        try {
          await runEarlySweeps(local, zoo, {
            maxParallel: args.parallel,
            log,
            seed,
            settings: [args.setting],
          });
        } catch (error) {
          log(`  ${zoo.name} seed ${seed}: the early sweep failed: ${(error as Error).message}`);
        }
      }
  });
}

/** Runs (or completes) the product's halving sweep of each zoo; a failed one is logged, the others run. */
async function runProductSweeps(
  args: TtdArgs,
  zoos: readonly BenchZoo[],
  log: (line: string) => void,
): Promise<void> {
  await withLocalSweeps({ storeUri: args.storeUri, processes: args.parallel, log }, async (local) => {
    for (const zoo of zoos) {
      const spec = halvingSweepSpec(zoo, args.setting);
      const started = Date.now();
      log(`zoo ${zoo.name}: product halving sweep ${spec.id} (${spec.candidates.length} candidates)`);
      try {
        const result = await local.run(
          { ...spec, concurrency: { ...spec.concurrency, maxParallel: args.parallel } },
          (p) =>
            log(
              `  ${zoo.name}: ${p.candidates.filter((c) => c.state === 'succeeded').length}/${p.candidates.length} done, ${((Date.now() - started) / 1000).toFixed(0)} s`,
            ),
          15,
        );
        log(
          `  ${zoo.name}: ${result.status}, winner ${result.winner}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
        );
      } catch (error) {
        log(`  ${zoo.name}: the halving sweep failed: ${(error as Error).message}`);
      }
    }
  });
}
