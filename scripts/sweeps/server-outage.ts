/**
 * Waiting clients ride through a Temporal server restart. The client's own gRPC retries give up after
 * about 20 s of `UNAVAILABLE` (`ServiceError: Failed to get Workflow execution history`); the same
 * `Connection` works again once the server is back on its address, so a call that failed that way is
 * simply made again, after one line saying the client waits for the server. Only an answer ends the wait:
 * a final workflow state, or an error that is not an outage.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isGrpcServiceError } from '@temporalio/client';

/** gRPC codes of a server that is down, restarting or not answering in time: UNAVAILABLE, DEADLINE_EXCEEDED. */
const OUTAGE_CODES: ReadonlySet<number> = new Set([14, 4]);

/** True when `error` (or an error it wraps) says the Temporal server cannot be reached right now. */
export function isServerOutage(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (isGrpcServiceError(e) && OUTAGE_CODES.has(e.code)) return true;
  }
  return false;
}

export interface ThroughOutageOptions {
  /** Says once per outage that the client waits, and once that the server is back. @default console.error */
  log?: (line: string) => void;
  /** What is waited for, for the log line, e.g. `sweep s-1`. */
  what: string;
  /** Pause between tries while the server is down, in milliseconds. @default 2000 */
  retryDelayMs?: number;
}

/** Calls `call` until it answers, waiting out every Temporal server outage in between. */
export async function throughServerOutages<T>(
  call: () => Promise<T>,
  options: ThroughOutageOptions,
): Promise<T> {
  const log = options.log ?? ((line: string) => console.error(line));
  let waitingSince: number | undefined;
  for (;;) {
    try {
      const value = await call();
      if (waitingSince !== undefined)
        log(`Temporal server is back after ${Math.round((Date.now() - waitingSince) / 1000)} s`);
      return value;
    } catch (error) {
      if (!isServerOutage(error)) throw error;
      if (waitingSince === undefined) {
        waitingSince = Date.now();
        log(
          `Temporal server unreachable; waiting for it to come back (${options.what} goes on where it runs; Ctrl-C stops only this client)`,
        );
      }
      await sleep(options.retryDelayMs ?? 2_000);
    }
  }
}
