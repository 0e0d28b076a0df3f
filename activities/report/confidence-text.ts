/**
 * The decision's confidence in words, for the terminal (`ncap run`, the demo, `ncap sweep result`) and the
 * report's winner card: P(best) of the contenders at the deciding rung and, on a near-tie, plainly that it
 * is one, what settling it would cost and the command that buys it. P(best) is named by what it states
 * (`pBestLabel`): best on a fresh validation set of the same size, or, in records written before that
 * statement, best on the validation population.
 */
import type { DecisionConfidence } from '../scoring/report-types.js';
import { formatCount, formatDuration } from './report-format.js';

/** A probability as a whole percentage, never rounded to a certainty it does not have ("<1 %", ">99 %"). */
export function formatProbability(p: number): string {
  if (p > 0 && p < 0.005) return '<1 %';
  if (p < 1 && p > 0.995) return '>99 %';
  return `${Math.round(p * 100)} %`;
}

/** What P(best) means, in full: "P(best on a fresh validation set of 1000 images)". */
export function pBestLabel(confidence: Pick<DecisionConfidence, 'statement' | 'samples'>): string {
  return confidence.statement === 'fresh-sample'
    ? `P(best on a fresh validation set of ${confidence.samples} images)`
    : `P(best on the validation population)`;
}

/**
 * "; accuracies shrunk 35 % toward the contenders' mean against the winner's curse", or "" where the
 * record states no shrinkage (written before it: centred on the observed accuracies).
 */
export function shrinkageText(confidence: Pick<DecisionConfidence, 'shrinkage'>): string {
  const { shrinkage } = confidence;
  if (shrinkage === undefined || !Number.isFinite(shrinkage)) return '';
  return `; accuracies shrunk ${formatProbability(shrinkage)} toward the contenders' mean against the winner's curse`;
}

/** What the ranking's P(best) column holds, under its title: "fresh set" or "population". */
export function pBestColumnNote(confidence: Pick<DecisionConfidence, 'statement'>): string {
  return confidence.statement === 'fresh-sample' ? 'fresh set' : 'population';
}

/** The short name, after `pBestLabel` was said once: "P(best on a fresh set)". */
function pBestShortLabel(confidence: Pick<DecisionConfidence, 'statement'>): string {
  return confidence.statement === 'fresh-sample' ? 'P(best on a fresh set)' : 'P(best on the population)';
}

const epochsText = (epochs: number): string => `${epochs} epoch${epochs === 1 ? '' : 's'}`;

/** "a 41 %, b 33 %" over the deciding rung's contenders (tied ones only when `only` is given). */
function pBestText(confidence: DecisionConfidence, only?: readonly string[]): string {
  return confidence.candidates
    .filter((c) => c.status === 'contender' && (!only || only.includes(c.candidateId)))
    .map((c) => `${c.candidateId} ${formatProbability(c.pBest)}`)
    .join(', ');
}

/** The near-tie sentence, or null when the winner stands alone. */
export function nearTieText(confidence: DecisionConfidence): string | null {
  const tie = confidence.nearTie;
  if (!tie) return null;
  const cost = `${formatCount(tie.samples)} training samples${tie.seconds === null ? '' : `, about ${formatDuration(tie.seconds)} of training`}`;
  return (
    `near-tie: ${tie.candidates.join(', ')} cannot be told apart on ${confidence.samples} validation images ` +
    `(${pBestShortLabel(confidence)} ${pBestText(confidence, tie.candidates)}). Settling it trains them to ${epochsText(tie.epochs)}: ` +
    `${cost}. Run: ${tie.command}`
  );
}

/** "Cut at 0.25 epochs, P(best on a fresh set) there: a 2 %, b <1 %" per rung of cuts, the latest first. */
function cutText(confidence: DecisionConfidence): string[] {
  const cut = confidence.candidates.filter((c) => c.status === 'cut');
  const epochs = [...new Set(cut.map((c) => c.epochs))];
  return epochs.map(
    (e) =>
      `Cut at ${epochsText(e)}, ${pBestShortLabel(confidence)} there: ${cut
        .filter((c) => c.epochs === e)
        .map((c) => `${c.candidateId} ${formatProbability(c.pBest)}`)
        .join(', ')}`,
  );
}

/** The confidence as lines of plain text (the caller sanitises ids for its medium). */
export function confidenceLines(confidence: DecisionConfidence): string[] {
  const contenders = confidence.candidates.filter((c) => c.status === 'contender');
  const tie = nearTieText(confidence);
  const lines: string[] = [];
  // A near-tie of every contender already states each one's P(best).
  if (!tie || contenders.length > confidence.tieSet.length)
    lines.push(
      `Confidence at ${epochsText(confidence.epochs)}: ${pBestLabel(confidence)} ${pBestText(confidence)} (paired bootstrap over the images)`,
    );
  if (tie) lines.push(tie);
  else if (contenders.length > 1)
    lines.push(
      `Clear lead: ${confidence.winner} is ahead of every other contender by more than the stop rule's margin (z = ${confidence.margin.z}).`,
    );
  return [...lines, ...cutText(confidence)];
}
