/**
 * The report's `decision.confidence`: the per-image validation outcomes of each candidate at the rung
 * it was last compared at, read from the store, turned into P(best) and the tie set per rung
 * (activities/selection/decision-confidence.ts), and — when the deciding rung's tie set holds more than the
 * winner — what one more rung for the tied candidates would cost. For a fixed budget the whole window is
 * the one deciding rung. Only where the applied rule's score is a validation accuracy: the outcomes say
 * nothing about another rule's score.
 */
import { rungConfidence } from '../selection/decision-confidence.js';
import type { PredictorName } from '../selection/predictors.js';
import { DEFAULT_HALVING_STOP, type SweepSpec } from '../spec/sweep-spec.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { sweepKeys } from '../store/keys.js';
import { samplesForEpochs, stepsForEpochs } from '../training/epoch-steps.js';
import { readOutcomes } from '../training/outcome-bitmap.js';
import type { CandidateResult } from '../training/types.js';
import type { DecisionConfidence, RungConfidence, SweepBracket, TieResolution } from './report-types.js';
import { VALIDATION_ACCURACY_RULES } from './score-rung.js';

export interface DecisionConfidenceInput {
  store: ArtifactStore;
  sweepId: string;
  spec: SweepSpec;
  appliedRule: PredictorName;
  /** Every candidate with a readable result, in spec order. */
  results: readonly { candidateId: string; result: CandidateResult }[];
  /** A halving sweep's bracket; absent for a fixed budget. */
  bracket?: SweepBracket;
}

/** The confidence, or null with the reason it cannot be computed. */
export type DecisionConfidenceOutcome = { confidence: DecisionConfidence | null; reason?: string };

/** One rung's members: who was compared there, at how many epochs. */
interface RungGroup {
  rung: number;
  epochs: number;
  members: string[];
  /** Members that left the bracket at this rung (cut), for rungs before the deciding one. */
  cut: Set<string>;
}

function rungGroups(input: DecisionConfidenceInput): RungGroup[] | null {
  const { bracket, spec, results } = input;
  const ids = results.map((r) => r.candidateId);
  if (!bracket) return [{ rung: 0, epochs: spec.training.epochs, members: ids, cut: new Set() }];
  if (!bracket.decision) return null;
  const groups: RungGroup[] = [];
  for (let rung = 0; rung <= bracket.decision.rung; rung++) {
    const at = bracket.entries.filter(
      (e) => ids.includes(e.candidateId) && (e.rung > rung || (e.rung === rung && e.status !== 'failed')),
    );
    groups.push({
      rung,
      epochs: bracket.rungs[rung]!,
      members: ids.filter((id) => at.some((e) => e.candidateId === id)),
      cut: new Set(at.filter((e) => e.rung === rung && e.status === 'cut').map((e) => e.candidateId)),
    });
  }
  return groups;
}

/** The step of the evaluation that scored a window of `epochs` (the last at or before its end). */
function evaluationStep(result: CandidateResult, epochs: number, fixed: boolean): number | null {
  const evaluations = result.evaluations ?? [];
  if (fixed) return evaluations.at(-1)?.step ?? null;
  const window = stepsForEpochs(epochs, result.training.stepsPerEpoch);
  return evaluations.filter((e) => e.step <= window).at(-1)?.step ?? null;
}

async function confidenceAt(
  input: DecisionConfidenceInput,
  group: RungGroup,
  margin: { z: number; minGap: number },
): Promise<RungConfidence | string> {
  const keys = sweepKeys(input.sweepId);
  const contenders = [];
  for (const candidateId of group.members) {
    const { result } = input.results.find((r) => r.candidateId === candidateId)!;
    const step = evaluationStep(result, group.epochs, !input.bracket);
    const hits =
      step === null
        ? undefined
        : await readOutcomes(
            input.store,
            keys.candidate(candidateId).outcomes(step),
            result.dataset.valSamples,
          );
    if (!hits)
      return `${candidateId} has no validation outcomes at ${group.epochs} epochs (recorded before them)`;
    contenders.push({ candidateId, hits });
  }
  if (contenders.length === 0) return `no candidate was compared at ${group.epochs} epochs`;
  if (contenders[0]!.hits.length === 0) return 'no validation set: nothing to compare on';
  return rungConfidence({ contenders, margin });
}

/** Epochs of the rung after `rung`: the bracket's next, else twice the deciding rung's. */
export function nextRungEpochs(rungs: readonly number[], rung: number): number {
  return rungs[rung + 1] ?? 2 * rungs[rung]!;
}

/** Seconds per training sample the run measured (its training and evaluation time over what it trained). */
function secondsPerSample(result: CandidateResult): number | null {
  const { trainSamples } = result.dataset;
  const { batchSize, stepsPerEpoch } = result.training;
  const resumedStep = result.resumedFromStep ?? 0;
  const whole = Math.floor(resumedStep / stepsPerEpoch);
  const before = whole * trainSamples + (resumedStep - whole * stepsPerEpoch) * batchSize;
  const trained = (result.compute?.trainSamples ?? 0) - before;
  const seconds = result.timing.trainSeconds;
  return trained > 0 && seconds > 0 ? seconds / trained : null;
}

function tieResolution(
  input: DecisionConfidenceInput,
  tieSet: readonly string[],
  epochs: number,
  next: number,
): TieResolution {
  let samples = 0;
  let seconds: number | null = 0;
  for (const id of tieSet) {
    const { result } = input.results.find((r) => r.candidateId === id)!;
    const { trainSamples } = result.dataset;
    const { batchSize } = result.training;
    const extra =
      samplesForEpochs(next, trainSamples, batchSize) - samplesForEpochs(epochs, trainSamples, batchSize);
    samples += extra;
    const perSample = secondsPerSample(result);
    seconds = seconds === null || perSample === null ? null : seconds + extra * perSample;
  }
  return {
    candidates: [...tieSet],
    epochs: next,
    samples,
    seconds,
    command: `ncap sweep extend ${input.sweepId}`,
  };
}

/** `report.decision`: the confidence in the pick, or why there is none. */
export async function decisionConfidence(input: DecisionConfidenceInput): Promise<DecisionConfidenceOutcome> {
  if (!VALIDATION_ACCURACY_RULES.has(input.appliedRule))
    return { confidence: null, reason: `rule ${input.appliedRule} does not score a validation accuracy` };
  const groups = rungGroups(input);
  if (!groups) return { confidence: null, reason: 'the bracket has no decision' };
  const stop = input.spec.budget.strategy === 'halving' ? input.spec.budget.stop : DEFAULT_HALVING_STOP;
  const margin = { z: stop.z, minGap: stop.minGap };
  const perRung: RungConfidence[] = [];
  for (const group of groups) {
    const rung = await confidenceAt(input, group, margin);
    if (typeof rung === 'string') return { confidence: null, reason: rung };
    perRung.push(rung);
  }
  const deciding = groups.at(-1)!;
  const last = perRung.at(-1)!;
  const { candidates: _c, leader, ...summary } = last;
  // Cut candidates at their cut: the latest cut first, each rung's best first.
  const cut = groups
    .slice(0, -1)
    .map((g, r) =>
      perRung[r]!.candidates.filter((c) => g.cut.has(c.candidateId)).map((c) => ({
        ...c,
        rung: g.rung,
        epochs: g.epochs,
        status: 'cut' as const,
      })),
    )
    .reverse()
    .flat();
  const rungs = input.bracket?.rungs ?? [input.spec.training.epochs];
  return {
    confidence: {
      ...summary,
      rung: deciding.rung,
      epochs: deciding.epochs,
      margin,
      winner: leader,
      candidates: [
        ...last.candidates.map((c) => ({
          ...c,
          rung: deciding.rung,
          epochs: deciding.epochs,
          status: 'contender' as const,
        })),
        ...cut,
      ],
      nearTie:
        last.tieSet.length > 1
          ? tieResolution(input, last.tieSet, deciding.epochs, nextRungEpochs(rungs, deciding.rung))
          : null,
    },
  };
}
