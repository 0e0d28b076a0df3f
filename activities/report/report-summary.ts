/** Facts about a whole sweep that every view of the report states the same way. */
import type { CandidateStatus, ReportCandidate, SweepBracket, SweepReport } from '../scoring/report-types.js';
import { formatEpochs } from './report-format.js';

/** "↑" when a higher β_eff ranks first, "↓" when a lower one does. */
export function directionArrow(direction: SweepReport['selection']['direction']): string {
  return direction === 'higher' ? '↑' : '↓';
}

/** The ranking direction in words, e.g. "higher β_eff ranks first". */
export function directionText(direction: SweepReport['selection']['direction']): string {
  return `${direction} β_eff ranks first`;
}

/** How many candidates ended in each status. */
export function statusCounts(report: SweepReport): Record<CandidateStatus, number> {
  const counts: Record<CandidateStatus, number> = { succeeded: 0, failed: 0, cancelled: 0 };
  for (const candidate of report.candidates) counts[candidate.status] += 1;
  return counts;
}

/** "6 candidates: 5 succeeded, 1 failed" (statuses with no candidate are left out). */
export function statusSummary(report: SweepReport): string {
  const counts = statusCounts(report);
  const total = report.candidates.length;
  const parts = (['succeeded', 'failed', 'cancelled'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`);
  const noun = total === 1 ? 'candidate' : 'candidates';
  return parts.length > 0 ? `${total} ${noun}: ${parts.join(', ')}` : `${total} ${noun}`;
}

/** The winner's entry, or `null` when there is none (or the id is not among the candidates). */
export function winnerCandidate(report: SweepReport): ReportCandidate | null {
  if (report.winner === null) return null;
  return report.candidates.find((c) => c.candidateId === report.winner) ?? null;
}

/** The dataset's display name: its name, else its URI. */
export function datasetName(report: SweepReport): string {
  return report.dataset.name ?? report.dataset.uri;
}

/**
 * The rule actually applied, in one line: "rule early-accuracy" or "rule beta-eff (asked: hybrid; rule
 * hybrid could not score…)".
 */
export function appliedRuleText(report: SweepReport): string {
  const { selection } = report;
  const applied = selection.appliedRule;
  if (applied !== selection.rule)
    return `rule ${applied} (asked: ${selection.rule}; ${selection.fallback ?? 'fell back'})`;
  return `rule ${applied}${selection.fallback ? ` (${selection.fallback})` : ''}`;
}

/**
 * How the ranking is ordered: "by rule early-accuracy", or for a halving sweep "by the rung reached, then
 * the score there under rule early-accuracy".
 */
export function rankingOrderText(report: SweepReport): string {
  const rule = report.selection.appliedRule;
  return report.bracket ? `by the rung reached, then the score there under rule ${rule}` : `by rule ${rule}`;
}

/** What the rule learned from: "learned from 12 observed runs (2 of another setup set aside)". */
export function observedRunsText(report: SweepReport): string {
  const runs = report.selection.observedRuns;
  if (!runs) return 'observed runs not recorded in this report';
  const parts = [`${runs.used} observed run${runs.used === 1 ? '' : 's'} of this dataset`];
  if (runs.otherSetup > 0) parts.push(`${runs.otherSetup} of another early-training setup set aside`);
  if (runs.recorded > 0) parts.push(`${runs.recorded} recorded from this sweep’s full-training results`);
  return `learned from ${parts.join('; ')}`;
}

/**
 * A halving sweep's bracket in one line: "halving over 0.25, 0.5, 1 epochs (keep 50 %): 8 → 4 → 2
 * contenders; decided after rung 3 (1 epoch): …". Null for a fixed sweep.
 */
export function bracketText(bracket: SweepBracket | undefined): string | null {
  if (!bracket) return null;
  const keep = `${Math.round(bracket.keepFraction * 1000) / 10} %${bracket.keepTies ? ' and ties with the leader' : ''}`;
  const head = `halving over ${bracket.rungs.join(', ')} epochs (keep ${keep}): ${bracket.rungSizes.join(' → ')} contenders`;
  if (!bracket.decision)
    return `${head}; not decided (the sweep stopped during rung ${bracket.rungSizes.length})`;
  const { rung, epochs, reason, message } = bracket.decision;
  return `${head}; decided after rung ${rung + 1} (${formatEpochs(epochs)}) by ${reason}: ${message}`;
}

/** Where the bracket left a candidate: "winner at 1 epoch", "cut at 0.25 epochs (score 0.412)"; null without one. */
export function bracketStop(report: SweepReport, candidateId: string): string | null {
  const entry = report.bracket?.entries.find((e) => e.candidateId === candidateId);
  if (!entry) return null;
  const score = entry.score === null ? '' : ` (score ${entry.score.toPrecision(3)})`;
  return `${entry.status} at ${formatEpochs(entry.epochs)}${score}`;
}

/** Training compute: "320 samples trained, 50 % of every candidate over the whole window (640)"; null when unknown. */
export function computeText(report: SweepReport): string | null {
  const compute = report.compute;
  if (!compute) return null;
  const full = compute.fullWindowTrainSamples;
  const share =
    full && full > 0
      ? `, ${Math.round((1000 * compute.trainSamples) / full) / 10} % of training every candidate over the whole window (${full})`
      : '';
  return `${compute.trainSamples} samples trained${share}`;
}
