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
import { formatProbability } from './confidence-text.js';
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
  /** Training time; in frozen mode the whole run's time (features + training + scoring). */
  trainTime: string;
  /** Frozen mode: "features 30.1 s · train 1.8 s · LogME 3.2 s"; else `null`. */
  timeBreakdown: string | null;
  /** Frozen mode, no LogME recorded: "LogME: — (came out NaN on the 200×512 training features)"; else `null`. */
  logmeNote: string | null;
  backend: string;
  /** "backbone + probe" parameter counts. */
  parameters: string;
  /** Input layout, size and normalisation ("NHWC 224×224×3 · imagenet"), or {@link MISSING}. */
  input: string;
  /** "Type: message" for failed/cancelled candidates, else `null`. */
  failure: string | null;
  /** Where a halving bracket left it ("cut at 0.25 epochs (score 0.412)"), else `null`. */
  bracket: string | null;
  /**
   * Its stated P(best) ("41 %") at the rung it last raced at (the deciding rung, or its cut), from
   * `decision.confidence`; `null` when the report states none for it.
   */
  pBest: string | null;
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
  /** The report states the decision's confidence (`decision.confidence`). */
  pBest: boolean;
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

/** The time cells: frozen candidates add feature extraction and scoring to training, and say each part. */
function timeCells(candidate: ReportCandidate): Pick<RankingRow, 'trainTime' | 'timeBreakdown'> {
  const { featureSeconds, scoringSeconds, trainSeconds } = candidate;
  if (featureSeconds === undefined && scoringSeconds === undefined)
    return { trainTime: formatDuration(trainSeconds), timeBreakdown: null };
  const parts: [string, number | null | undefined][] = [
    ['features', featureSeconds],
    ['train', trainSeconds],
    ['LogME', scoringSeconds],
  ];
  const known = parts.filter((p): p is [string, number] => typeof p[1] === 'number' && Number.isFinite(p[1]));
  return {
    trainTime: formatDuration(known.reduce((sum, [, s]) => sum + s, 0)),
    timeBreakdown: known.map(([name, s]) => `${name} ${formatDuration(s)}`).join(' · '),
  };
}

/** Why the candidate has no LogME, briefly: its note without the leading "LogME" the label already says. */
function logmeNoteText(note: string | undefined): string | null {
  if (note === undefined || note.trim() === '') return null;
  return `LogME: ${MISSING} (${note.trim().replace(/^LogME:?\s+/, '')})`;
}

/** Formats one candidate. */
export function rankingRow(
  candidate: ReportCandidate,
  winner: string | null,
  bracket: string | null = null,
  pBest: number | null = null,
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
    ...timeCells(candidate),
    logmeNote: logmeNoteText(candidate.logmeNote),
    backend: candidate.backend ?? MISSING,
    parameters: formatParameters(candidate.parameters),
    input: formatInput(candidate.input),
    failure: failureText(candidate),
    bracket,
    pBest: pBest === null ? null : formatProbability(pBest),
    labels: Object.keys(candidate.labels)
      .sort()
      .map((key) => [key, String(candidate.labels[key])]),
  };
}

/** Every candidate's row, in the report's order. */
export function rankingRows(report: SweepReport): RankingRow[] {
  const confidence = report.decision?.confidence?.candidates;
  return report.candidates.map((candidate) =>
    rankingRow(
      candidate,
      report.winner,
      bracketStop(report, candidate.candidateId),
      confidence?.find((c) => c.candidateId === candidate.candidateId)?.pBest ?? null,
    ),
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
    pBest: Boolean(report.decision?.confidence),
    input: report.candidates.some((c) => c.input !== undefined),
  };
}
