/**
 * The calibration benchmark (issue 20): `npm run bench:calibration` (see bench/calibration/cli.ts).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runCalibrationCli } from './calibration/cli.js';

// `--run-seeds` starts Temporal workers in this process: only their warnings are worth printing.
Runtime.install({ logger: new DefaultLogger('WARN') });
runCalibrationCli(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
