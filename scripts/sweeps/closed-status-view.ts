/**
 * `ncap sweep status` of a closed sweep: the same score table as a running one (status-view.ts), read from
 * the sweep's stored report.json — each candidate where it ended, with the selection rule's score ± its
 * uncertainty at the rung that decided about it (`decidingScore`, as the report's ranking shows it).
 */
import { MISSING } from '../../activities/report/report-format.js';
import { decidingScore } from '../../activities/report/rule-score.js';
import type { SweepReport } from '../../activities/scoring/report-types.js';
import { scoreColumnTitle, statusScoreText, tableLines } from './status-view.js';

/** One candidate's line of a closed sweep's table (also `ncap sweep status --json`'s `scores`). */
export interface ClosedScore {
  candidateId: string;
  /** `winner`, or where the bracket left it (`contender`, `cut`, `failed`), else the run's status. */
  state: string;
  /** The rule's score at the deciding rung (null when it has none), its σ, and the rung's epochs (null: fixed budget). */
  score: number | null;
  uncertainty: number | null;
  epochs: number | null;
  /** Why it failed or was cancelled; null otherwise. */
  failure: { type: string; message: string } | null;
}

export function closedScores(report: SweepReport): ClosedScore[] {
  return report.candidates.map(({ candidateId, status, failure }) => {
    const entry = report.bracket?.entries.find((e) => e.candidateId === candidateId);
    const score = decidingScore(report, candidateId);
    return {
      candidateId,
      state: candidateId === report.winner ? 'winner' : (entry?.status ?? status),
      score: score?.value ?? null,
      uncertainty: score?.uncertainty ?? null,
      epochs: score?.epochs ?? entry?.epochs ?? null,
      failure,
    };
  });
}

/** The table's lines: header, then one row per candidate (the report's order), failures after their row. */
export function closedScoreLines(rule: string, scores: readonly ClosedScore[]): string[] {
  const rows = scores.map((s) => [
    s.candidateId,
    s.state,
    s.score === null
      ? MISSING
      : statusScoreText(rule, { value: s.score, uncertainty: s.uncertainty, epochs: s.epochs }),
  ]);
  const failures = scores.map(({ failure }) => (failure ? `  ${failure.type}: ${failure.message}` : ''));
  return tableLines(['CANDIDATE', 'STATE', scoreColumnTitle(rule)], rows, failures);
}
