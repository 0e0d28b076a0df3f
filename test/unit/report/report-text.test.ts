import { describe, expect, it } from 'vitest';
import { WINNER_MARK, renderReportText } from '../../../activities/report/report-text.js';
import type { SweepReport } from '../../../activities/scoring/report-types.js';
import { makeReport } from '../../fixtures/report/make-report.js';

/** The table: from the header line (containing "CANDIDATE") to the first blank line. */
function tableLines(text: string): { header: string; rows: string[] } {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.includes('CANDIDATE'));
  const end = lines.indexOf('', start);
  return { header: lines[start]!, rows: lines.slice(start + 1, end < 0 ? undefined : end) };
}

describe('renderReportText', () => {
  it('prints one aligned line per candidate, in order, the winner marked', () => {
    const report = makeReport({ seed: 31, candidates: 7, failed: 1, cancelled: 1 });
    const text = renderReportText(report);
    const { header, rows } = tableLines(text);
    expect(rows).toHaveLength(report.candidates.length);
    const column = header.indexOf('CANDIDATE');
    for (const [i, candidate] of report.candidates.entries()) {
      expect(rows[i]!.slice(column, column + candidate.candidateId.length)).toBe(candidate.candidateId);
      expect(rows[i]!.startsWith(WINNER_MARK)).toBe(candidate.candidateId === report.winner);
    }
    const statusColumn = header.indexOf('STATUS');
    expect(rows.map((r) => r.slice(statusColumn).split(' ')[0])).toEqual(
      report.candidates.map((c) => c.status),
    );
    expect(text).toContain(`winner: ${report.winner}`);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says there is no winner', () => {
    const text = renderReportText(makeReport({ seed: 32, candidates: 2, failed: 2 }));
    expect(text).toContain('winner: none');
    expect(tableLines(text).rows.some((r) => r.startsWith(WINNER_MARK))).toBe(false);
  });

  it('cuts long ids and failure messages and neutralises terminal control characters', () => {
    const base = makeReport({ seed: 33, candidates: 3, failed: 1 });
    const longId = 'x'.repeat(80);
    const report: SweepReport = {
      ...base,
      candidates: base.candidates.map((c, i) =>
        i === 0
          ? { ...c, candidateId: longId }
          : c.status === 'failed'
            ? { ...c, failure: { type: 'E', message: '\u001b[2J\u001b[31mboom\u0007 ' + 'y'.repeat(200) } }
            : c,
      ),
    };
    const text = renderReportText(report, { maxCandidateWidth: 20, maxFailureWidth: 40 });
    expect(text.includes('\u001b') || text.includes('\u0007')).toBe(false);
    const { rows } = tableLines(text);
    expect(rows[0]).toContain('x'.repeat(19) + '…');
    expect(rows[0]).not.toContain('x'.repeat(20));
    expect(rows.find((r) => r.includes('boom'))!).toContain('…');
    expect(Math.max(...rows.map((r) => [...r].length))).toBeLessThan(200);
  });

  it('states the rule actually applied, any fallback, and the observed runs it rests on', () => {
    const report = makeReport({ seed: 5, candidates: 4 });
    const fellBack: SweepReport = {
      ...report,
      selection: {
        ...report.selection,
        rule: 'hybrid',
        appliedRule: 'beta-eff',
        fallback:
          'rule hybrid could not score any candidate (3 labelled runs; the ridge needs at least 5); fell back to beta-eff',
        observedRuns: { used: 3, otherSetup: 2, recorded: 0, datasetKey: 'd-1' },
      },
    };
    const text = renderReportText(fellBack);
    expect(text).toContain(
      'Selection: rule beta-eff (asked: hybrid; rule hybrid could not score any candidate (3 labelled runs; the ridge needs at least 5); fell back to beta-eff)',
    );
    expect(text).toContain(
      'learned from 3 observed runs of this dataset; 2 of another early-training setup set aside',
    );
    expect(renderReportText(report)).toMatch(/Selection: rule \S+ · learned from 12 observed runs/);
  });
});
