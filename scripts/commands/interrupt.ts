/**
 * Ctrl-C on a command that only waits (`sweep start --wait`, `watch`, `result`): the sweep goes on where
 * it runs, so the client says so and how to follow or stop it, and exits 130 without a stack trace.
 */
import { EXIT_CODES } from './exit-codes.js';

/** ANSI: make the terminal's cursor visible. */
const SHOW_CURSOR = '\u001b[?25h';

/**
 * Runs `fn`; a SIGINT (or SIGTERM) meanwhile prints `message` on stderr and exits with 130 at once
 * (pending Temporal calls die with the process; nothing of the sweep is touched).
 */
export async function exitOnInterrupt<T>(message: string, fn: () => Promise<T>): Promise<T> {
  const onSignal = (): void => {
    // The progress bars hide the cursor until they stop, which an exit skips: show it again.
    if (process.stderr.isTTY) process.stderr.write(SHOW_CURSOR);
    process.stderr.write(`\n${message}\n`);
    process.exit(EXIT_CODES.interrupted);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** What a waiting client prints when interrupted: the sweep goes on; how to watch or cancel it. */
export const sweepGoesOnMessage = (sweepId: string): string =>
  `Interrupted: sweep ${sweepId} goes on. Watch it: \`ncap sweep watch ${sweepId}\`; cancel it: \`ncap sweep cancel ${sweepId}\`.`;
