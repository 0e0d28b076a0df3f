/** What every command needs: config, a Temporal client, the store, and output helpers. */
import { Client, Connection } from '@temporalio/client';
import type { ConnectionOptions } from '@temporalio/client';
import type { Command } from 'commander';
import { createStoreProvider, type StoreProvider } from '../../activities/sweep/store-cache.js';
import { loadConfig, type NcapConfig } from '../../workers/worker-config.js';
import { codecFromEnv, dataConverterOption } from '../../workers/payload-codec.js';
import { temporalTarget } from '../../workers/temporal-config.js';

/** A user-facing error: printed without a stack, with its exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface GlobalOptions {
  address?: string;
  namespace?: string;
  store?: string;
  json?: boolean;
  /** How long to wait for the first connection, in milliseconds. @default the client's (10 s) */
  connectTimeoutMs?: number;
}

export interface CommandContext {
  config: NcapConfig;
  client: Client;
  connection: Connection;
  namespace: string;
  stores: StoreProvider;
  close(): Promise<void>;
}

export async function openContext(options: GlobalOptions): Promise<CommandContext> {
  const config = loadConfig();
  if (options.store) config.storeUri = options.store;
  const target = temporalTarget({
    ...(options.address ? { address: options.address } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  let connection: Connection;
  try {
    connection = await Connection.connect({
      ...(target.connectionOptions as ConnectionOptions),
      ...(options.connectTimeoutMs ? { connectTimeout: options.connectTimeoutMs } : {}),
    });
  } catch (error) {
    throw new CliError(
      `Cannot reach Temporal at ${target.connectionOptions.address ?? 'localhost:7233'}: ${(error as Error).message}. ` +
        'Start the dev stack (`ncap dev up`) and export what it prints, or set TEMPORAL_ADDRESS.',
      1,
      { cause: error },
    );
  }
  const stores = createStoreProvider();
  return {
    config,
    client: new Client({ connection, namespace: target.namespace, ...dataConverterOption(codecFromEnv()) }),
    connection,
    namespace: target.namespace,
    stores,
    async close() {
      await stores.closeAll();
      await connection.close();
    },
  };
}

/** Runs `fn` with a context and always closes it. */
export async function withContext<T>(
  options: GlobalOptions,
  fn: (ctx: CommandContext) => Promise<T>,
): Promise<T> {
  const ctx = await openContext(options);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** The options every Temporal-facing command takes; `store` adds `--store`. */
export function addConnectionOptions(command: Command, options: { store?: boolean } = {}): Command {
  command
    .option('--address <host:port>', 'Temporal frontend (default: TEMPORAL_ADDRESS or localhost:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default: TEMPORAL_NAMESPACE or default)');
  if (options.store) {
    command.option(
      '--store <uri>',
      'artifact store for sweeps whose spec names none (default: NCAP_STORE_URI or file://./.ncap/store)',
    );
  }
  return command.option('--json', 'machine-readable output');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
