/**
 * The one reader of a sweep's `report.json`. Records written now say `version: 2`; those of version 1 may
 * be of an older shape, told apart by their fields: no `budget` (written before budgets existed: a fixed
 * sweep), no `selection.appliedRule` (before fallbacks: the rule asked was applied), no
 * `selection.observedRuns` (before observed runs: not recorded, `null`), no `decision.confidence.statement`
 * (before the fresh-sample statement: its `pBest` is the population's, `parseDecisionConfidence`). It
 * returns the current shape, so the renderers see only that.
 */
import type { ArtifactStore } from '../store/artifact-store.js';
import { sweepKeys } from '../store/keys.js';
import type { DecisionConfidence, SweepReport } from './report-types.js';

/** The version of the `report.json` records written now. */
export const REPORT_RECORD_VERSION = 2;

type RecordedReport = Omit<SweepReport, 'version' | 'budget' | 'selection' | 'decision'> & {
  version: number;
  decision?: { confidence: unknown; reason?: string };
  budget?: SweepReport['budget'];
  selection: Omit<SweepReport['selection'], 'appliedRule' | 'observedRuns'> &
    Partial<Pick<SweepReport['selection'], 'appliedRule' | 'observedRuns'>>;
};

type RecordedConfidence = Omit<DecisionConfidence, 'statement' | 'candidates'> & {
  statement?: DecisionConfidence['statement'];
  candidates: (Omit<DecisionConfidence['candidates'][number], 'pBestPopulation'> & {
    pBestPopulation?: number;
  })[];
};

/**
 * A recorded `decision.confidence` (report.json, or a sweep's workflow result) in the current shape. One
 * written before the fresh-sample statement stated P(best on the validation population) as `pBest`: it
 * says so (`statement: 'population'`), with that figure as `pBestPopulation` too.
 */
export function parseDecisionConfidence(value: unknown): DecisionConfidence {
  const confidence = value as RecordedConfidence;
  if (confidence.statement) return confidence as DecisionConfidence;
  return {
    ...confidence,
    statement: 'population',
    candidates: confidence.candidates.map((c) => ({ ...c, pBestPopulation: c.pBest })),
  };
}

/** A parsed `report.json` of any version, in the current shape. */
export function parseReportRecord(value: unknown): SweepReport {
  const { decision, ...report } = value as RecordedReport;
  return {
    ...report,
    version: REPORT_RECORD_VERSION,
    budget: report.budget ?? 'fixed',
    selection: {
      ...report.selection,
      appliedRule: report.selection.appliedRule ?? report.selection.rule,
      observedRuns: report.selection.observedRuns ?? null,
    },
    ...(decision
      ? {
          decision: {
            ...decision,
            confidence: decision.confidence ? parseDecisionConfidence(decision.confidence) : null,
          },
        }
      : {}),
  };
}

/** The sweep's `report.json`, in the current shape. @throws ArtifactNotFoundError when it has none */
export async function readReportRecord(store: ArtifactStore, sweepId: string): Promise<SweepReport> {
  const bytes = await store.get(sweepKeys(sweepId).reportJson);
  return parseReportRecord(JSON.parse(Buffer.from(bytes).toString('utf8')));
}
