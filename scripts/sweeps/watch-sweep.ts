/**
 * Waiting for a sweep to close while drawing its progress: shared by `ncap sweep start --wait`, `watch`,
 * `resume --wait`, `ncap run` and the demo (commands import sweeps, never the reverse).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { SweepResult } from '../../workflows/sweep-api.js';
import { createProgressView } from './progress-view.js';
import { SweepNotFoundError, sweepProgress, sweepResultThroughOutages } from './sweep-client.js';

export interface WatchSweepOptions {
  /** No progress bars (the caller prints JSON). @default false */
  json?: boolean;
  /** Milliseconds between progress queries. @default 1000 */
  intervalMs?: number;
  /** Stops the polling (Ctrl-C); the returned promise still settles when the sweep closes. */
  signal?: AbortSignal;
}

/** Polls the progress query until the sweep closes, drawing the bars; returns the result. */
export async function watchSweep(
  client: Client,
  sweepId: string,
  options: WatchSweepOptions = {},
): Promise<SweepResult> {
  const view = options.json ? undefined : createProgressView();
  let done = false;
  // Only a final state ends the wait: a Temporal server restart is waited out (one line says so).
  const result = sweepResultThroughOutages(client, sweepId).finally(() => {
    done = true;
  });
  try {
    while (!done && !options.signal?.aborted) {
      try {
        view?.update(await sweepProgress(client, sweepId));
      } catch (error) {
        // Between continue-as-new runs or while a worker restarts the query may fail: keep watching.
        if (error instanceof SweepNotFoundError) throw error;
      }
      await Promise.race([sleep(options.intervalMs ?? 1000), result.catch(() => undefined)]);
    }
    if (done) {
      try {
        view?.update(await sweepProgress(client, sweepId));
      } catch {
        // A closed workflow still answers queries while a worker runs; without one, skip the final frame.
      }
    }
  } finally {
    view?.stop();
  }
  return result;
}
