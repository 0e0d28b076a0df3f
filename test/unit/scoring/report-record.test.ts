/**
 * The report record reader: a version-1 `report.json` written before budgets, fallbacks and observed runs
 * existed comes back in the current shape (a fixed sweep, the asked rule applied, observed runs not
 * recorded) and renders; a current record reads back as written.
 */
import { describe, expect, it } from 'vitest';
import { observedRunsText, rankingOrderText } from '../../../activities/report/report-summary.js';
import { renderReportText } from '../../../activities/report/report-text.js';
import { parseReportRecord, REPORT_RECORD_VERSION } from '../../../activities/scoring/report-record.js';
import { makeReport } from '../../fixtures/report/make-report.js';

/** A current report stripped to the version-1 shape of early sweeps. */
function oldShapeReport(): Record<string, unknown> {
  const current = makeReport({ seed: 3 });
  const { budget: _budget, selection, ...rest } = current;
  const { appliedRule: _applied, observedRuns: _runs, ...oldSelection } = selection;
  return JSON.parse(JSON.stringify({ ...rest, version: 1, selection: oldSelection }));
}

describe('report record reader', () => {
  it('reads an old-shape report as a fixed sweep ranked by the asked rule, observed runs not recorded', () => {
    const old = oldShapeReport();
    expect(old).not.toHaveProperty('budget');
    const report = parseReportRecord(old);
    expect(report.version).toBe(REPORT_RECORD_VERSION);
    expect(report.budget).toBe('fixed');
    expect(report.selection.appliedRule).toBe((old.selection as { rule: string }).rule);
    expect(report.selection.observedRuns).toBeNull();
    expect(rankingOrderText(report)).toBe(`by rule ${(old.selection as { rule: string }).rule}`);
    expect(observedRunsText(report)).toBe('observed runs not recorded in this report');
    expect(renderReportText(report)).toContain(report.candidates[0]!.candidateId);
  });

  it('reads a current report back as written', () => {
    const current = makeReport({ seed: 5 });
    expect(current.version).toBe(2);
    expect(parseReportRecord(JSON.parse(JSON.stringify(current)))).toEqual(current);
  });
});
