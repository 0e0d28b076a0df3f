/**
 * Runs one sweep spec to completion on the embedded stack ({@link withLocalSweeps}): the configured
 * Temporal or a dev server started here, the orchestrator in this process, the trainings in worker
 * processes, the given store; returns the result and the report, and stops what it started.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SweepReport } from '../../activities/scoring/report-types.js';
import { readReportRecord } from '../../activities/scoring/report-record.js';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import { sweepKeys } from '../../activities/store/keys.js';
import type { TfBackendName } from '../../activities/tf/runtime.js';
import type { SweepResult } from '../../workflows/sweep-api.js';
import { withLocalSweeps, type LocalSweepsOptions } from './local-sweeps.js';

export interface LocalSweepOptions extends Omit<LocalSweepsOptions, 'log'> {
  spec: SweepSpec;
  sweepId: string;
  /** Forget finished candidates of an earlier run with this id. @default false */
  fresh?: boolean;
  /** Draw progress bars. @default true */
  progress?: boolean;
  /** @default console.error */
  log?: (line: string) => void;
}

export interface LocalSweepOutcome {
  result: SweepResult;
  report: SweepReport;
  /** Path (file store) or URI of report.html. */
  reportHtml: string;
  wallSeconds: number;
  backend: TfBackendName;
  /** Training worker processes it ran. */
  processes: number;
  /** True when the Temporal dev server was started by this run (stopped at its end unless other ncap processes still use it). */
  startedStack: boolean;
}

/** Terminates the workflow of `sweepId` if it is running and waits until it has closed; true if it was. */
async function terminateOpenSweep(client: Client, sweepId: string): Promise<boolean> {
  const handle = client.workflow.getHandle(sweepId);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return false;
    await handle.terminate('--fresh: a new run of this sweep id starts from nothing');
    await handle.result().catch(() => undefined);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

export async function runLocalSweep(options: LocalSweepOptions): Promise<LocalSweepOutcome> {
  const { spec, sweepId, storeUri, fresh, progress, ...harness } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const t0 = performance.now();
  return withLocalSweeps({ ...harness, storeUri, log }, async (sweeps) => {
    if (fresh) {
      // A run of this id still open (an interrupted one whose cancellation did not finish) would write
      // into the objects removed below, and a start would attach to it: end it first.
      if (await terminateOpenSweep(sweeps.client, sweepId))
        log(`--fresh: terminated the open run of sweep ${sweepId}`);
      const removed = await sweeps.store.deletePrefix(sweepKeys(sweepId).root);
      if (removed > 0) log(`--fresh: removed ${removed} objects of the earlier run ${sweepId}`);
    }
    log(
      `Training in ${sweeps.processes} worker process${sweeps.processes > 1 ? 'es' : ''} (tf backend ${sweeps.backend})`,
    );
    const withId = { ...spec, id: sweepId };
    const result = await (progress === false ? sweeps.run(withId) : sweeps.watch(withId));
    const report = await readReportRecord(sweeps.store, sweepId);
    const reportHtml = storeUri.startsWith('file://')
      ? join(fileURLToPath(storeUri), sweepKeys(sweepId).reportHtml)
      : `${storeUri.replace(/\/$/, '')}/${sweepKeys(sweepId).reportHtml}`;
    return {
      result,
      report,
      reportHtml,
      wallSeconds: (performance.now() - t0) / 1000,
      backend: sweeps.backend,
      processes: sweeps.processes,
      startedStack: sweeps.startedStack,
    };
  });
}
