/**
 * The time-to-decision benchmark (issue 10): `npm run bench:ttd` replays fixed windows, ncap halving,
 * ASHA, a naive halving and full fine-tuning on the selection benchmark's recorded early runs and
 * rewrites the time-to-decision section of bench/selection/RESULTS.md (see bench/ttd/cli.ts).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runTtdCli } from './ttd/cli.js';

// `--run-product` starts Temporal workers in this process: only their warnings are worth printing.
Runtime.install({ logger: new DefaultLogger('WARN') });
runTtdCli(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
