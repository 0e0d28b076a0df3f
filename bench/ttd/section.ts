/**
 * The time-to-decision section as both `npm run bench:ttd` and `npm run bench:selection` write it: the
 * replayed strategies on the given zoos' early runs, rendered with their plot.
 */
import { basename } from 'node:path';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import { REPLICATE_EARLY_SEEDS, type ProbeSetting } from '../selection/early-sweeps.js';
import { storedEarlySweeps, type EarlySweep } from '../selection/run-early.js';
import type { BenchZoo } from '../selection/zoos.js';
import { runTtdBenchmark, TTD_SETTING, type TtdResult } from './benchmark.js';
import type { ProductCheck } from './product-check.js';
import { storedProductChecks } from './product-check.js';
import { renderTtdSection } from './results-md.js';
import { ncapHalvingId } from './ncap-halving.js';
import { DEFAULT_KEEP_TIES } from '../../activities/spec/sweep-spec.js';

/** Plot file beside a RESULTS.md. */
export const ttdPlotPath = (resultsPath: string): string =>
  `${resultsPath.replace(/\.md$/, '')}-ttd-plot.svg`;

/**
 * The section and its plot for `zoos` (whose early sweeps are `sweeps`), as both commands write it; the
 * product's halving sweeps found in the store are compared with their replays.
 */
export async function ttdSection(input: {
  zoos: readonly BenchZoo[];
  sweeps: readonly EarlySweep[];
  /** The probe setting replayed. @default TTD_SETTING */
  setting?: ProbeSetting;
  storeUri: string;
  command: string;
  resultsPath: string;
  log: (line: string) => void;
}): Promise<{ markdown: string; svg: string; result: TtdResult; productChecks: ProductCheck[] }> {
  const started = Date.now();
  const result = await runTtdBenchmark({
    zoos: input.zoos,
    sweeps: input.sweeps,
    replicates: await storedReplicates(input.storeUri, input.zoos, input.log, input.setting),
    ...(input.setting ? { setting: input.setting } : {}),
    storeUri: input.storeUri,
    log: input.log,
  });
  const stores = createStoreProvider();
  let productChecks: ProductCheck[];
  try {
    productChecks = await storedProductChecks(
      stores.get(input.storeUri),
      result.zoos.map((z) => ({
        zoo: input.zoos.find((b) => b.name === z.zoo.zoo)!,
        setting: result.setting,
        // The product's sweep runs the spec's default cut rule.
        simulated: z.scores.find((s) => s.run.id === ncapHalvingId({ keepTies: DEFAULT_KEEP_TIES }))!.run,
      })),
    );
  } finally {
    await stores.closeAll();
  }
  const { markdown, svg } = await renderTtdSection({
    result,
    productChecks,
    productCheckNote:
      'No halving sweep of these zoos is in the store: `npm run bench:ttd -- --run-product` runs one per zoo through the product (needs the halving sweep workflow).',
    command: input.command,
    wallSeconds: (Date.now() - started) / 1000,
    plotFile: basename(ttdPlotPath(input.resultsPath)),
  });
  return { markdown, svg, result, productChecks };
}

/** The replicate early sweeps the store holds complete; an absent or partial one is named and left out. */
export async function storedReplicates(
  storeUri: string,
  zoos: readonly BenchZoo[],
  log: (line: string) => void,
  setting: ProbeSetting = TTD_SETTING,
): Promise<EarlySweep[]> {
  const out: EarlySweep[] = [];
  for (const zoo of zoos)
    for (const seed of REPLICATE_EARLY_SEEDS) {
      try {
        const { sweeps } = await storedEarlySweeps(storeUri, [zoo], { seed, settings: [setting] });
        const sweep = sweeps[0]!;
        if (sweep.failed.length > 0)
          log(
            `zoo ${zoo.name} seed ${seed}: ${sweep.failed.length} candidates without an early run; replicate left out (--run-seeds completes it)`,
          );
        else out.push(sweep);
      } catch (error) {
        log(`zoo ${zoo.name} seed ${seed}: ${(error as Error).message}`);
      }
    }
  return out;
}
