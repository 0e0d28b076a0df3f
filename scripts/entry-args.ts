/**
 * Arguments of the entry points outside the `ncap` CLI (the demo, the workflow bundle, the production smoke
 * test, the benchmarks and the zoo builders), parsed with commander as the CLI parses its own, so every one
 * has `--help` and refuses an unknown option the same way.
 */
import { CommanderError, InvalidArgumentError, type Command, type OptionValues } from 'commander';

export interface EntryArgs<T> {
  /** The options, by commander's camel-case names (`--data-dir` → `dataDir`). */
  options: T;
  /** Positional arguments. */
  args: string[];
  /** The help text when `--help` (`-h`) was given: print it and exit 0 instead of running. */
  help?: string;
}

/**
 * Parses the arguments after the script name with `command`, without ever exiting the process: `--help`
 * comes back as text, and an unknown option, a missing value or a surplus argument throws a TypeError
 * with commander's message (each entry point reports it as it reports its other usage errors).
 */
export function parseEntryArgs<T extends OptionValues>(
  command: Command,
  argv: readonly string[],
): EntryArgs<T> {
  let help = '';
  command.exitOverride().configureOutput({
    writeOut: (text) => {
      help += text;
    },
    writeErr: () => {},
  });
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return { options: command.opts<T>(), args: command.args, help };
    throw new TypeError(error.message.replace(/^error: /, ''));
  }
  return { options: command.opts<T>(), args: command.args };
}

/**
 * An entry point's options, or the exit code it returns without running: 0 after printing the help for
 * `--help`, 2 after printing a usage error followed by the help.
 */
export function entryOptionsOrExit<T extends OptionValues>(
  command: Command,
  argv: readonly string[],
): T | number {
  const usage = command.helpInformation().trimEnd();
  try {
    const parsed = parseEntryArgs<T>(command, argv);
    if (parsed.help === undefined) return parsed.options;
    console.log(usage);
    return 0;
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
}

/** Commander argument parser for a positive integer (`--workers 4`). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

/** Runs an entry point's `main` and sets the exit code it resolves to (1 and the stack when it throws). */
export function runEntryMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    },
  );
}
