/**
 * The ranking table as display strings, shared by the HTML, Markdown and terminal views so they show the
 * same values. Rows keep the report's order (succeeded candidates by rank, then failed/cancelled ones).
 */
import type { CandidateStatus, ReportCandidate, SweepReport } from '../scoring/report-types.js';
import {
  MISSING,
  betaTrend,
  formatAccuracy,
  formatBeta,
  formatDuration,
  formatNumber,
  formatInput,
  formatParameters,
  formatPredicted,
  type BetaTrend,
} from './report-format.js';
import { bracketStop } from './report-summary.js';

/** One candidate's row, every cell already formatted (not yet escaped). */
export interface RankingRow {
  candidateId: string;
  /** The candidate is the sweep's pick (`report.winner`). */
  isWinner: boolean;
  /** "1", "2", … or {@link MISSING} for candidates without a rank. */
  rank: string;
  status: CandidateStatus;
  betaEff: string;
  trend: BetaTrend;
  /** Predicted final accuracy "mean ± std", or {@link MISSING}. */
  predicted: string;
  earlyValAccuracy: string;
  /** Summed early training loss (TSE). */
  trainLossSum: string;
  trainTime: string;
  backend: string;
  /** "backbone + probe" parameter counts. */
  parameters: string;
  /** Input layout, size and normalisation ("NHWC 224×224×3 · imagenet"), or {@link MISSING}. */
  input: string;
  /** "Type: message" for failed/cancelled candidates, else `null`. */
  failure: string | null;
  /** Where a halving bracket left it ("cut at 0.25 epochs (score 0.412)"), else `null`. */
  bracket: string | null;
  /** The spec's free-form labels as `[key, value]` pairs, in key order. */
  labels: [string, string][];
}

/** Which optional columns carry information for this report. */
export interface RankingColumns {
  /** Some candidate has a predicted accuracy. */
  predicted: boolean;
  /** Some candidate failed or was cancelled with a reason. */
  failure: boolean;
  /** The sweep ran a halving bracket. */
  bracket: boolean;
  /** Some candidate records what it was fed (reports of earlier versions do not). */
  input: boolean;
}

function failureText(candidate: ReportCandidate): string | null {
  if (!candidate.failure)
    return candidate.status === 'succeeded' ? null : `${candidate.status} (no reason recorded)`;
  const { type, message } = candidate.failure;
  if (!type) return message;
  if (!message) return type;
  return `${type}: ${message}`;
}

/** Formats one candidate. */
export function rankingRow(
  candidate: ReportCandidate,
  winner: string | null,
  bracket: string | null = null,
): RankingRow {
  return {
    candidateId: candidate.candidateId,
    isWinner: winner !== null && candidate.candidateId === winner,
    rank: candidate.rank === null || !Number.isFinite(candidate.rank) ? MISSING : String(candidate.rank),
    status: candidate.status,
    betaEff: formatBeta(candidate.betaEff),
    trend: betaTrend(candidate.betaRelativeChange, candidate.betaSlope),
    predicted: formatPredicted(candidate.predictedAccuracy),
    earlyValAccuracy: formatAccuracy(candidate.earlyValAccuracy),
    trainLossSum: formatNumber(candidate.trainLossSum),
    trainTime: formatDuration(candidate.trainSeconds),
    backend: candidate.backend ?? MISSING,
    parameters: formatParameters(candidate.parameters),
    input: formatInput(candidate.input),
    failure: failureText(candidate),
    bracket,
    labels: Object.keys(candidate.labels)
      .sort()
      .map((key) => [key, String(candidate.labels[key])]),
  };
}

/** Every candidate's row, in the report's order. */
export function rankingRows(report: SweepReport): RankingRow[] {
  return report.candidates.map((candidate) =>
    rankingRow(candidate, report.winner, bracketStop(report, candidate.candidateId)),
  );
}

/** The optional columns worth showing: a column of dashes only is left out. */
export function rankingColumns(report: SweepReport): RankingColumns {
  return {
    predicted: report.candidates.some(
      (c) => c.predictedAccuracy !== null && Number.isFinite(c.predictedAccuracy.mean),
    ),
    failure: report.candidates.some((c) => c.status !== 'succeeded'),
    bracket: report.bracket !== undefined,
    input: report.candidates.some((c) => c.input !== undefined),
  };
}
