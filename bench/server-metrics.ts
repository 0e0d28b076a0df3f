/**
 * What the benchmark reads from the dev server process: its CPU time (Linux `/proc`) and its Prometheus
 * counters (the address the Temporal CLI prints at start-up into the stack's log).
 */
import { readFileSync } from 'node:fs';

/** User + system CPU milliseconds of a process so far, or null where `/proc` is not available. */
export function processCpuMs(pid: number): number | null {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 per s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** The metrics endpoint from the Temporal CLI's start-up banner (`Temporal Metrics: http://…/metrics`). */
export function metricsUrlFromLog(log: string): string | undefined {
  return /Temporal Metrics:\s+(http:\/\/\S+\/metrics)/.exec(log)?.[1]?.replace('localhost', '127.0.0.1');
}

/**
 * The server's retries of history tasks that could not take a workflow's lock in time, from a Prometheus
 * text page: `task_errors_throttled` with cause BusyWorkflow, summed over task types; each waits a back-off.
 */
export function sumBusyWorkflowRetries(metricsText: string): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (line.startsWith('task_errors_throttled{') && line.includes('resource_exhausted_cause="BusyWorkflow"'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** {@link sumBusyWorkflowRetries} of the server's counters so far, or null when they cannot be read. */
export async function busyWorkflowRetries(metricsUrl: string): Promise<number | null> {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(30_000) });
    return sumBusyWorkflowRetries(await response.text());
  } catch (error) {
    console.error(`server metrics unavailable (${metricsUrl}): ${String(error)}`);
    return null;
  }
}
