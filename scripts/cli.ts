/**
 * The `ncap` command line: one commander program, one module per command group under
 * `scripts/commands/`. Exit codes: 0 success, 1 failure, 2 bad usage or invalid input,
 * 3 a sweep finished without a winner, 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError } from './commands/context.js';
import { EXIT_CODES } from './commands/exit-codes.js';
import { registerCommands } from './commands/index.js';

export const EXIT = EXIT_CODES;

/** The package's version, from package.json (one place), for `ncap --version`. */
export function packageVersion(): string {
  // From scripts/cli.ts (tsx, vitest) or dist/scripts/cli.js (built), package.json is one or two levels up.
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'ncap' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not this level; try the next.
    }
  }
  return 'unknown';
}

export function buildProgram(): Command {
  const program = new Command()
    .name('ncap')
    .description(
      'Select the pre-trained network that will fine-tune best, from early training dynamics (neural capacitance).',
    )
    .version(packageVersion(), '-V, --version', 'print the version of ncap')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CliError) {
      console.error(error.message);
      return error.exitCode;
    }
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
}
