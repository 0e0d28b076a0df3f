/** `ncap dev up|down|status`: the local dev stack (Temporal dev server + MinIO). */
import type { Command } from 'commander';
import { DEV_BUCKET, DEV_S3_STORE_URI } from '../dev/dev-bucket.js';
import { devStackStatus, startDevStack, stopDevStack, type DevStackState } from '../dev/stack.js';

function envLines(state: DevStackState): string[] {
  const { temporal, s3 } = state.info;
  const lines = [
    `export TEMPORAL_ADDRESS=${temporal.address}`,
    `export TEMPORAL_NAMESPACE=${temporal.namespace}`,
  ];
  if (s3.endpoint) {
    lines.push(
      `export AWS_ENDPOINT_URL_S3=${s3.endpoint}`,
      `export AWS_REGION=${s3.region}`,
      `export AWS_ACCESS_KEY_ID=${s3.accessKeyId}`,
      `export AWS_SECRET_ACCESS_KEY=${s3.secretAccessKey}`,
      'export NCAP_S3_FORCE_PATH_STYLE=1',
    );
  }
  return lines;
}

export function registerDevCommands(program: Command): void {
  const dev = program
    .command('dev')
    .description('Run the local dev stack: Temporal CLI dev server and MinIO (S3)');

  dev
    .command('up')
    .description(
      'Start the stack (or reuse the healthy one already running, which then runs until `down` even if a command started it; after a crash it comes back on its recorded address) and print the environment to use it',
    )
    .option('--no-s3', 'start only Temporal (the embedded store is file://)')
    .option('--data-dir <dir>', 'folder for server data, logs and stack.json (default: .ncap/dev)')
    .option('--json', 'print the stack as JSON')
    .action(async (options: { s3: boolean; dataDir?: string; json?: boolean }) => {
      const state = await startDevStack({
        s3: options.s3,
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      });
      if (options.json) {
        console.log(JSON.stringify(state, null, 2));
        return;
      }
      console.error(`${state.reused ? 'Reusing' : 'Started'} the dev stack in ${state.dataDir}`);
      for (const note of state.notes) console.error(`Note: ${note}`);
      console.error(`Temporal ${state.info.temporal.address} (UI ${state.info.temporal.uiUrl})`);
      if (state.info.s3.endpoint)
        console.error(
          `MinIO    ${state.info.s3.endpoint} (bucket ${DEV_BUCKET} ready: --store ${DEV_S3_STORE_URI}, or set it as NCAP_STORE_URI)`,
        );
      console.log(envLines(state).join('\n'));
    });

  dev
    .command('down')
    .description('Stop the stack by its recorded PIDs')
    .option('--data-dir <dir>', 'folder of the stack (default: .ncap/dev)')
    .option('--purge', 'also delete the servers’ data')
    .option('--json', 'print the outcome as JSON')
    .action(async (options: { dataDir?: string; purge?: boolean; json?: boolean }) => {
      const stopped = await stopDevStack({
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        removeData: Boolean(options.purge),
      });
      if (options.json) console.log(JSON.stringify({ stopped }));
      else console.error(stopped ? 'Stopped the dev stack.' : 'No dev stack was recorded; nothing to stop.');
    });

  dev
    .command('status')
    .description('Show whether the recorded stack is running and healthy')
    .option('--data-dir <dir>', 'folder of the stack (default: .ncap/dev)')
    .option('--json', 'print the status as JSON')
    .action(async (options: { dataDir?: string; json?: boolean }) => {
      const status = await devStackStatus(options.dataDir ? { dataDir: options.dataDir } : {});
      if (options.json) {
        console.log(JSON.stringify(status, null, 2));
      } else if (!status.state) {
        console.log('No dev stack recorded.');
      } else {
        console.log(
          `${status.healthy ? 'healthy' : 'NOT healthy'}: Temporal ${status.state.info.temporal.address}` +
            (status.state.info.s3.endpoint ? `, MinIO ${status.state.info.s3.endpoint}` : ''),
        );
      }
      if (!status.healthy) process.exitCode = 1;
    });
}
