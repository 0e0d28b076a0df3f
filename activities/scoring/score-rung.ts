/**
 * Scores a halving rung: each contender's features inside the rung's window (its first
 * round(rung epochs × steps per epoch) steps, so a result that has since trained further scores the same),
 * ranked through the selection module under the spec's rule, as the final report would. The score is the
 * rule's oriented value (higher = better); its uncertainty is the predictor's, or — for a rule whose score
 * is a validation accuracy and which has none (early-accuracy) — the binomial standard error
 * √(p(1 − p) / n_val) of that accuracy.
 */
import type { PredictorName } from '../selection/predictors.js';
import type { SweepSpec } from '../spec/sweep-spec.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { scoreContenders } from './score-contenders.js';

/** Rules whose raw score is a validation accuracy in [0, 1], measured on the validation split. */
export const VALIDATION_ACCURACY_RULES: ReadonlySet<PredictorName> = new Set(['early-accuracy']);

export interface RungScoreRow {
  candidateId: string;
  /** The applied rule's oriented score (higher = better); null when it cannot score the candidate. */
  score: number | null;
  /** Standard deviation of `score`, or null when neither the predictor nor the accuracy gives one. */
  uncertainty: number | null;
  /** Steps of the window scored. */
  step: number;
  /** Samples trained on up to the end of this rung (result.json's running total). */
  trainSamples: number | null;
}

export interface RungScores {
  appliedRule: PredictorName;
  rows: RungScoreRow[];
  /** Contenders whose stored artifacts cannot be read or scored, with the reason. */
  unscorable: { candidateId: string; failure: { type: string; message: string } }[];
}

/** Binomial standard error of an accuracy `p` measured on `n` samples (0 < n); 0 at p ∈ {0, 1}. */
export function accuracyStandardError(p: number, n: number): number {
  return Math.sqrt((p * (1 - p)) / n);
}

export async function scoreRung(
  store: ArtifactStore,
  sweepId: string,
  spec: SweepSpec,
  input: { epochs: number; contenders: readonly { candidateId: string; resultKey: string }[] },
): Promise<RungScores> {
  const { scored, unscorable, ranking } = await scoreContenders({
    store,
    sweepId,
    spec,
    contenders: input.contenders,
    windowEpochs: input.epochs,
  });
  const scoreOf = new Map(ranking.candidates.map((c) => [c.candidateId, c.score]));
  return {
    appliedRule: ranking.appliedRule,
    unscorable: unscorable.map((u) => ({
      candidateId: u.candidateId,
      failure: { type: 'ScoringError', message: `cannot score the stored run: ${u.reason}` },
    })),
    rows: scored.map(({ candidateId, result, step }) => {
      const score = scoreOf.get(candidateId) ?? null;
      const valSamples = result.dataset.valSamples;
      let uncertainty = score?.uncertainty ?? null;
      if (
        score &&
        uncertainty === null &&
        VALIDATION_ACCURACY_RULES.has(ranking.appliedRule) &&
        valSamples > 0
      )
        uncertainty = accuracyStandardError(score.raw, valSamples);
      const atRung = result.evaluations?.filter((e) => e.step <= step).at(-1);
      return {
        candidateId,
        score: score?.value ?? null,
        uncertainty,
        step,
        trainSamples: atRung?.trainSamples ?? result.compute?.trainSamples ?? null,
      };
    }),
  };
}
