/**
 * Heartbeats for an activity's whole run: one at its start and one every {@link keepaliveIntervalMs},
 * whatever the activity awaits (store calls waiting out an outage, scoring, rendering). A dead worker
 * stops heartbeating, since the timer dies with it, and Temporal retries the activity after its
 * heartbeat timeout instead of its start-to-close timeout. The timer only fires while the event loop is
 * free, so long computations inside such an activity yield (activities/sweep/yield-loop.ts).
 */
import { Context } from '@temporalio/activity';

/** Longest time between two keepalive heartbeats, ms: the heartbeat of a long timeout need not be rarer. */
export const KEEPALIVE_MAX_INTERVAL_MS = 10_000;

/**
 * Milliseconds between keepalive heartbeats for an activity with `heartbeatTimeoutMs`: a third of it
 * (two may be lost or late before Temporal gives up), at most {@link KEEPALIVE_MAX_INTERVAL_MS}, at least `floorMs`.
 */
export function keepaliveIntervalMs(heartbeatTimeoutMs: number | undefined, floorMs = 0): number {
  const third = heartbeatTimeoutMs ? heartbeatTimeoutMs / 3 : KEEPALIVE_MAX_INTERVAL_MS;
  return Math.max(floorMs, Math.min(KEEPALIVE_MAX_INTERVAL_MS, third));
}

/** Runs `work` while heartbeating `details()` every {@link keepaliveIntervalMs} of the activity's timeout. */
export async function withKeepalive<T>(
  context: Context,
  work: () => Promise<T>,
  details: () => unknown = () => undefined,
): Promise<T> {
  context.heartbeat(details());
  const timer = setInterval(
    () => context.heartbeat(details()),
    keepaliveIntervalMs(context.info.heartbeatTimeoutMs),
  );
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** `activities`, each running inside {@link withKeepalive} (the heartbeat carries no details). */
export function withKeepalives<T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      (input: never) => withKeepalive(Context.current(), () => activity(input)),
    ]),
  ) as T;
}
