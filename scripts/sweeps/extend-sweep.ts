/**
 * `ncap sweep extend`: a closed halving sweep that ended on a near-tie starts again under the same id, from
 * the bracket its report recorded; only the tied contenders train one rung further (from their
 * checkpoints), the bracket decides again, and the previous report is kept beside the new one.
 */
import type { Client } from '@temporalio/client';
import { readReportRecord } from '../../activities/scoring/report-record.js';
import type { SweepReport } from '../../activities/scoring/report-types.js';
import { readStoredSpec } from '../../activities/sweep/stored-spec.js';
import type { StoreProvider } from '../../activities/sweep/store-cache.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { ArtifactNotFoundError } from '../../activities/store/errors.js';
import { sweepKeys } from '../../activities/store/keys.js';
import { extensionPlan, halvingConfigOf, type ExtensionPlan } from '../../workflows/halving.js';
import type { TaskQueues } from '../../workflows/sweep-api.js';
import { SweepNotFoundError, startSweep, sweepHandle, type StartedSweep } from './sweep-client.js';
import { findSweep } from './sweep-record.js';

/** The sweep cannot be extended as asked (not halving, still running, no report with a bracket). */
export class ExtensionRefusedError extends Error {
  override name = 'ExtensionRefusedError';
}

export interface ExtendSweepOptions {
  sweepId: string;
  /** The sweep's store. @default the one Temporal recorded for the sweep (memo or start input) */
  storeUri?: string;
  searchAttributes?: boolean;
  taskQueues?: TaskQueues;
}

export interface ExtendedSweep {
  plan: ExtensionPlan;
  /** Where the previous report was kept (absent when nothing was started). */
  archived?: { json: string; html: string | null };
  started?: StartedSweep;
}

/** Copies report.json (and report.html, when there is one) to the first free `report-run<n>` pair. */
async function keepPreviousReport(store: ArtifactStore, sweepId: string): Promise<ExtendedSweep['archived']> {
  const keys = sweepKeys(sweepId);
  let n = 1;
  while (await store.exists(keys.previousReport(n).json)) n += 1;
  const target = keys.previousReport(n);
  await store.put(target.json, await store.get(keys.reportJson), { contentType: 'application/json' });
  if (!(await store.exists(keys.reportHtml))) return { json: target.json, html: null };
  await store.put(target.html, await store.get(keys.reportHtml), { contentType: 'text/html; charset=utf-8' });
  return { json: target.json, html: target.html };
}

/**
 * The decision confidence's tie set (contenders paired image by image) when the report recorded one for
 * the deciding rung (`decision.confidence`, absent in reports written before it); else undefined and the
 * stop rule's margin on the bracket's standings decides who is tied.
 */
function recordedTieSet(report: SweepReport, rung: number | undefined): string[] | undefined {
  const confidence = report.decision?.confidence;
  return confidence && confidence.rung === rung ? confidence.tieSet : undefined;
}

async function isRunning(client: Client, sweepId: string): Promise<boolean> {
  try {
    return (await sweepHandle(client, sweepId).describe()).status.name === 'RUNNING';
  } catch {
    return false;
  }
}

/** Plans the extension from the stored report and, when there is a tie to settle, starts it. */
export async function extendSweep(
  client: Client,
  stores: StoreProvider,
  options: ExtendSweepOptions,
): Promise<ExtendedSweep> {
  const { sweepId } = options;
  const storeUri = options.storeUri ?? (await findSweep(client, sweepId))?.storeUri;
  if (!storeUri)
    throw new SweepNotFoundError(
      `no sweep '${sweepId}' on this Temporal namespace to extend; pass --store with the sweep's store`,
    );
  const stored = await readStoredSpec(stores.get(storeUri), sweepId);
  if (!stored)
    throw new SweepNotFoundError(
      `sweep ${sweepId} has no spec.json in ${storeUri}; pass --store with the sweep's store`,
    );
  const { spec } = stored;
  if (spec.budget.strategy !== 'halving')
    throw new ExtensionRefusedError(
      `sweep ${sweepId} trains every candidate to the same epochs (budget.strategy '${spec.budget.strategy}'): only a halving sweep has rungs to extend`,
    );
  if (await isRunning(client, sweepId))
    throw new ExtensionRefusedError(`sweep ${sweepId} is still running: extend it once it has decided`);
  const store = stores.get(stored.storeUri);
  const report = await readReportRecord(store, sweepId).catch((error: unknown) => {
    if (error instanceof ArtifactNotFoundError)
      throw new ExtensionRefusedError(
        `sweep ${sweepId} has no report.json in ${stored.storeUri}: resume it (\`ncap sweep resume ${sweepId}\`) before extending`,
        { cause: error },
      );
    throw error;
  });
  if (!report.bracket)
    throw new ExtensionRefusedError(`sweep ${sweepId}'s report records no bracket: nothing to extend`);
  const plan = extensionPlan(
    halvingConfigOf(spec.budget),
    report.bracket,
    recordedTieSet(report, report.bracket.decision?.rung),
  );
  if (plan.kind !== 'extend') return { plan };
  const archived = await keepPreviousReport(store, sweepId);
  const started = await startSweep(client, {
    spec,
    sweepId,
    defaultStoreUri: stored.storeUri,
    ...(options.searchAttributes !== undefined ? { searchAttributes: options.searchAttributes } : {}),
    ...(options.taskQueues ? { taskQueues: options.taskQueues } : {}),
    extend: { ...plan.extension, bracket: report.bracket },
  });
  return { plan, archived, started };
}
