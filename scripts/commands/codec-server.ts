/** `ncap codec-server`: decrypts payloads for the Temporal UI (keys from NCAP_CODEC_KEYS / NCAP_CODEC_KEYS_FILE). */
import type { Command } from 'commander';
import { createCodecServer } from '../../workers/codec-server.js';
import { codecFromEnv } from '../../workers/payload-codec.js';
import { CliError } from './context.js';
import { EXIT_CODES } from './exit-codes.js';

export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description(
      'Serve /encode and /decode for the Temporal UI (its "codec server" setting), with the keys of NCAP_CODEC_KEYS or NCAP_CODEC_KEYS_FILE',
    )
    .option('--port <port>', 'port to listen on', '8888')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--origin <url>', 'the Temporal UI origin allowed to call it (CORS)', 'http://localhost:8233')
    .option('--json', 'print the address as JSON once listening')
    .action(async (options: { port: string; host: string; origin: string; json?: boolean }) => {
      const codec = codecFromEnv();
      if (!codec)
        throw new CliError(
          'no codec keys: set NCAP_CODEC_KEYS=<id>:<base64 of 32 bytes>[,…] or NCAP_CODEC_KEYS_FILE',
          EXIT_CODES.usage,
        );
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CliError(`--port must be a port number, got '${options.port}'`, EXIT_CODES.usage);
      const server = createCodecServer({ codec, allowOrigin: options.origin });
      await new Promise<void>((resolve) => server.listen(port, options.host, resolve));
      const address = server.address();
      const url = `http://${options.host}:${typeof address === 'object' && address ? address.port : port}`;
      if (options.json) console.log(JSON.stringify({ url, keyId: codec.encryptingKeyId }));
      else
        console.error(
          `codec server on ${url} (encrypting with key ${codec.encryptingKeyId}); Ctrl-C stops it`,
        );
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const)
          process.once(signal, () => server.close(() => resolve()));
      });
    });
}
