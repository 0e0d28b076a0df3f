/**
 * The selection benchmark (DESIGN §7, issue 9). `npm run bench:selection` runs every zoo's early sweeps
 * through the product (a real Temporal dev server, workers in this process; finished candidates reused),
 * scores every predictor at the windows ¼, ½, 1 and 2 epochs against the zoos' converged ground truth, and
 * writes bench/selection/RESULTS.md (tables, plot, protocol, wall time) from scratch.
 *
 * `--build-truth`: measure a zoo's converged ground truth instead (bench/truth/build-truth.ts).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runBuildTruthCli } from './truth/build-truth.js';
import { runSelectionBenchCli } from './selection/cli.js';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // `--build-truth`: measure a zoo's converged ground truth (bench/truth/build-truth.ts).
  if (process.argv.includes('--build-truth')) {
    process.exitCode = await runBuildTruthCli(process.argv.slice(2));
    return;
  }
  process.exitCode = await runSelectionBenchCli(process.argv.slice(2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
