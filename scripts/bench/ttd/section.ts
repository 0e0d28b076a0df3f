/**
 * The time-to-decision section as both `npm run bench:ttd` and `npm run bench:selection` write it: the
 * replayed strategies on the given zoos' early runs, rendered with their plot.
 */
import { basename } from 'node:path';
import type { EarlySweep } from '../selection/run-early.js';
import type { BenchZoo } from '../selection/zoos.js';
import { runTtdBenchmark, type TtdResult } from './benchmark.js';
import type { ProductCheck } from './product-check.js';
import { renderTtdSection } from './results-md.js';

/** Plot file beside a RESULTS.md. */
export const ttdPlotPath = (resultsPath: string): string =>
  `${resultsPath.replace(/\.md$/, '')}-ttd-plot.svg`;

/**
 * The section and its plot for `zoos` (whose early sweeps are `sweeps`), as both commands write it.
 */
export async function ttdSection(input: {
  zoos: readonly BenchZoo[];
  sweeps: readonly EarlySweep[];
  storeUri: string;
  command: string;
  resultsPath: string;
  log: (line: string) => void;
  productChecks?: readonly ProductCheck[] | null;
}): Promise<{ markdown: string; svg: string; result: TtdResult }> {
  const started = Date.now();
  const result = await runTtdBenchmark({
    zoos: input.zoos,
    sweeps: input.sweeps,
    storeUri: input.storeUri,
    log: input.log,
  });
  const { markdown, svg } = await renderTtdSection({
    result,
    productChecks: input.productChecks ?? null,
    productCheckNote: input.productChecks
      ? null
      : "Not run in this generation: the product's `budget.strategy: halving` sweep is not on this branch yet.",
    command: input.command,
    wallSeconds: (Date.now() - started) / 1000,
    plotFile: basename(ttdPlotPath(input.resultsPath)),
  });
  return { markdown, svg, result };
}
