/**
 * The one reader of a sweep's `report.json`. Records written now say `version: 2`; those of version 1 may
 * be of an older shape, told apart by their fields: no `budget` (written before budgets existed: a fixed
 * sweep), no `selection.appliedRule` (before fallbacks: the rule asked was applied), no
 * `selection.observedRuns` (before observed runs: not recorded, `null`). It returns the current shape, so
 * the renderers see only that.
 */
import type { ArtifactStore } from '../store/artifact-store.js';
import { sweepKeys } from '../store/keys.js';
import type { SweepReport } from './report-types.js';

/** The version of the `report.json` records written now. */
export const REPORT_RECORD_VERSION = 2;

type RecordedReport = Omit<SweepReport, 'version' | 'budget' | 'selection'> & {
  version: number;
  budget?: SweepReport['budget'];
  selection: Omit<SweepReport['selection'], 'appliedRule' | 'observedRuns'> &
    Partial<Pick<SweepReport['selection'], 'appliedRule' | 'observedRuns'>>;
};

/** A parsed `report.json` of any version, in the current shape. */
export function parseReportRecord(value: unknown): SweepReport {
  const report = value as RecordedReport;
  return {
    ...report,
    version: REPORT_RECORD_VERSION,
    budget: report.budget ?? 'fixed',
    selection: {
      ...report.selection,
      appliedRule: report.selection.appliedRule ?? report.selection.rule,
      observedRuns: report.selection.observedRuns ?? null,
    },
  };
}

/** The sweep's `report.json`, in the current shape. @throws ArtifactNotFoundError when it has none */
export async function readReportRecord(store: ArtifactStore, sweepId: string): Promise<SweepReport> {
  const bytes = await store.get(sweepKeys(sweepId).reportJson);
  return parseReportRecord(JSON.parse(Buffer.from(bytes).toString('utf8')));
}
