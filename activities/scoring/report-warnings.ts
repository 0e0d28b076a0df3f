/**
 * Outcomes that look like a result but are not one, said in the report and the CLI summary: every
 * candidate at chance (nothing learned, yet a winner is declared) and a class count inferred from the
 * labels (labels beyond the data's classes grow the head silently).
 */
import { accuracyStandardError, DEFAULT_MARGIN_Z, scoreMargin } from '../selection/score-margin.js';
import type { CandidateResult } from '../training/types.js';
import type { ReportCandidate } from './report-types.js';

/** The warning's opening words, for tools that look for it. */
export const NOTHING_LEARNED = 'no candidate learned';

/** Accuracy of always guessing: the larger of 1/numClasses and the validation set's majority-class rate. */
export function chanceAccuracy(dataset: CandidateResult['dataset']): number {
  return Math.max(1 / dataset.numClasses, dataset.valMajorityRate ?? 0);
}

/**
 * Whether `accuracy` on `n` validation samples cannot be told apart from `chance`: it is not above it by
 * more than the halving stop rule's margin (two standard errors of the gap, activities/selection/score-margin.ts).
 */
export function atChance(accuracy: number, chance: number, n: number): boolean {
  const margin = scoreMargin(
    DEFAULT_MARGIN_Z,
    0,
    accuracyStandardError(accuracy, n),
    accuracyStandardError(chance, n),
  );
  return accuracy - chance <= margin;
}

const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** The warnings of a sweep whose succeeded candidates have these results and report rows. */
export function reportWarnings(
  scored: readonly { result: CandidateResult; row: ReportCandidate }[],
): string[] {
  const warnings: string[] = [];
  const judged = scored.filter(
    ({ result, row }) => row.earlyValAccuracy !== null && result.dataset.valSamples > 0,
  );
  if (judged.length > 0) {
    const { dataset } = judged[0]!.result;
    const chance = chanceAccuracy(dataset);
    if (judged.every(({ row }) => atChance(row.earlyValAccuracy!, chance, dataset.valSamples))) {
      const best = Math.max(...judged.map(({ row }) => row.earlyValAccuracy!));
      warnings.push(
        `${NOTHING_LEARNED}: every candidate's validation accuracy (best ${percent(best)}) is within two standard errors of chance (${percent(chance)} on ${dataset.valSamples} samples), so the ranking means nothing; check the learning rate / data`,
      );
    }
  }
  const inferred = scored.find(({ result }) => result.dataset.inferredClasses)?.result.dataset
    .inferredClasses;
  if (inferred) {
    const empty =
      inferred.withoutSamples > 0
        ? `; ${inferred.withoutSamples} of them have no sample, so labels beyond the data's classes grew the head`
        : '';
    warnings.push(
      `dataset.numClasses is not set: ${inferred.numClasses} classes were inferred from the largest label${empty}; set dataset.numClasses to the number of classes`,
    );
  }
  return warnings;
}
