/**
 * The reduce step's report: the finished candidates scored and ranked by the one scoring pipeline
 * (score-contenders.ts), decorated with their β_eff trajectories, the failed ones, the bracket's order, the
 * compute spent and, where candidates carry ground truth, how each predictor would have ranked them. β_eff is
 * always shown, whatever the rule. Pure over an ArtifactStore: the `scoreSweep` activity adds Temporal and
 * writes the report.
 */
import { selectionMetrics } from '../selection/metrics.js';
import { extractFeatures } from '../selection/features.js';
import { fullTrainingAccuracy, MAX_OBSERVED_WINDOW_EPOCHS } from '../selection/full-training.js';
import { datasetKeyOf, observedRunSetup, writeObservedRun } from '../selection/observed-runs.js';
import type { LabelledRow } from '../selection/predictor.js';
import {
  ACCURACY_PREDICTORS,
  createAllPredictors,
  createPredictor,
  type PredictorName,
  type PredictorSettings,
} from '../selection/predictors.js';
import type { RankedCandidate } from '../selection/rank.js';
import { normalisationText } from '../spec/normalisation.js';
import type { SweepSpec } from '../spec/sweep-spec.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { samplesForEpochs } from '../training/epoch-steps.js';
import type { CandidateOutcome } from '../sweep/types.js';
import { tensorLayout } from '../training/model-inspection.js';
import type { CandidateResult } from '../training/types.js';
import { decisionConfidence } from './decision-confidence-report.js';
import { REPORT_RECORD_VERSION } from './report-record.js';
import { reportWarnings } from './report-warnings.js';
import type {
  CandidateInput,
  ReportCandidate,
  SweepBracket,
  SweepCompute,
  SweepReport,
} from './report-types.js';
import {
  scoreContenders,
  type ContenderScores,
  type ScoreContendersInput,
  type ScoredContender,
} from './score-contenders.js';

/** The pipeline's `concurrency` and `observedRuns` (see {@link ScoreContendersInput}), and the report's own. */
export interface ScoreOptions extends Pick<ScoreContendersInput, 'concurrency' | 'observedRuns'> {
  /**
   * Store an observed run for every candidate whose result.json carries a full-training accuracy (the
   * reduce step does; a printing command must not). @default false
   */
  recordObservedRuns?: boolean;
  now?: () => Date;
  /**
   * A halving sweep's bracket: its decision is the winner, and the ranking follows it (the furthest rung
   * first, by score there). @default none: the rule's ranking over every candidate
   */
  bracket?: SweepBracket;
}

/** Ranks under a bracket: the winner, then by rung reached (furthest first), then by score at that rung. */
function bracketOrder(bracket: SweepBracket): Map<string, number> {
  const status = { winner: 0, contender: 1, cut: 1, failed: 2 } as const;
  const order = [...bracket.entries].sort(
    (a, b) =>
      (a.status === 'winner' ? 0 : 1) - (b.status === 'winner' ? 0 : 1) ||
      b.rung - a.rung ||
      status[a.status] - status[b.status] ||
      (b.score ?? -Infinity) - (a.score ?? -Infinity),
  );
  return new Map(order.map((e, i) => [e.candidateId, i]));
}

const finiteOrNull = (x: number | null | undefined): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;

function groundTruth(labels: Record<string, string | number | boolean>): number | null {
  const value = labels.groundTruthAccuracy;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

type Labels = ReadonlyMap<string, Record<string, string | number | boolean>>;

/** What a candidate was fed: its layout and size from its result (`null` without one), its normalisation. */
function inputOf(spec: SweepSpec, candidateId: string, result?: CandidateResult): CandidateInput {
  const candidate = spec.candidates.find((c) => c.id === candidateId);
  return {
    layout: result ? tensorLayout([null, ...result.model.inputShape]) : null,
    shape: result ? result.model.inputShape : null,
    normalisation: normalisationText(candidate?.normalisation ?? spec.dataset.normalisation),
  };
}

/** Scores a finished set of outcomes and returns the report (not yet written). */
export async function buildSweepReport(
  store: ArtifactStore,
  sweepId: string,
  spec: SweepSpec,
  outcomes: readonly CandidateOutcome[],
  options: ScoreOptions = {},
): Promise<SweepReport> {
  const labelsOf: Labels = new Map(spec.candidates.map((c) => [c.id, c.labels ?? {}]));
  const succeeded = outcomes.filter((o) => o.status === 'succeeded' && o.resultKey);
  const scores = await scoreContenders({
    store,
    sweepId,
    spec,
    contenders: succeeded.map((o) => ({ candidateId: o.candidateId, resultKey: o.resultKey! })),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.observedRuns ? { observedRuns: options.observedRuns } : {}),
  });
  const { scored, ranking } = scores;
  const rowOf = new Map(scored.map((s) => [s.candidateId, scoredRow(s, labelsOf, spec)]));
  const ranked = bracketRanking(ranking.candidates, options.bracket).map((r) =>
    withScore(rowOf.get(r.candidateId)!, r, ranking.appliedRule),
  );
  const recorded = options.recordObservedRuns
    ? await recordFullTrainingRuns(store, spec, sweepId, scored)
    : 0;
  // A candidate whose stored artifacts cannot be scored is reported as failed; it never sinks the sweep.
  const notSucceeded = [
    ...outcomes.filter((o) => !(o.status === 'succeeded' && o.resultKey)),
    ...scores.unscorable.map((u): CandidateOutcome => ({
      candidateId: u.candidateId,
      status: 'failed',
      failure: { type: 'ScoringError', message: `cannot score the stored snapshots: ${u.reason}` },
    })),
  ].map((o) => failedRow(o, labelsOf, spec));
  const dataset = datasetOf(spec, scored);
  const compute = computeOf(spec, scored, dataset);
  const decision = await decisionConfidence({
    store,
    sweepId,
    spec,
    appliedRule: ranking.appliedRule,
    results: scored.map(({ candidateId, result }) => ({ candidateId, result })),
    ...(options.bracket ? { bracket: options.bracket } : {}),
  });
  return {
    version: REPORT_RECORD_VERSION,
    sweepId,
    name: spec.name,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    storeUri: store.uri,
    dataset,
    mode: spec.mode,
    training: {
      epochs: spec.training.epochs,
      batchSize: spec.training.batchSize,
      learningRate: spec.training.learningRate,
      optimizer: spec.training.optimizer,
    },
    probe: { widths: spec.probe.widths, trainable: spec.probe.trainable },
    selection: selectionSummary(spec, scores, recorded),
    winner: options.bracket?.decision
      ? options.bracket.decision.winner
      : (ranked.find((c) => c.rank === 1)?.candidateId ?? null),
    budget: spec.budget.strategy,
    ...(options.bracket ? { bracket: options.bracket } : {}),
    ...(compute ? { compute } : {}),
    decision,
    warnings: reportWarnings(scored.map((s) => ({ result: s.result, row: rowOf.get(s.candidateId)! }))),
    candidates: [...ranked, ...notSucceeded],
    evaluation: evaluate(scored, labelsOf, scores.labelled, scores.settings),
  };
}

/** The rule's ranking, or under a bracket the bracket's order of the scored candidates (unscored last). */
function bracketRanking(
  candidates: readonly RankedCandidate[],
  bracket: SweepBracket | undefined,
): readonly RankedCandidate[] {
  if (!bracket) return candidates;
  const order = bracketOrder(bracket);
  return candidates
    .filter((r) => r.score !== null)
    .sort((a, b) => (order.get(a.candidateId) ?? Infinity) - (order.get(b.candidateId) ?? Infinity))
    .map((r, i): RankedCandidate => ({ ...r, rank: i + 1 }))
    .concat(candidates.filter((r) => r.score === null));
}

/** A scored candidate's report row, before its rank and score. */
function scoredRow(
  { candidateId, result, evidence, features }: ScoredContender,
  labelsOf: Labels,
  spec: SweepSpec,
): ReportCandidate {
  return {
    candidateId,
    rank: null,
    status: 'succeeded',
    betaEff: features.betaEff,
    betaTrajectory: evidence.beta.map((p) => ({ step: p.step, epoch: p.epoch, betaEff: p.betaEff })),
    betaSlope: features.betaSlope,
    betaRelativeChange: features.betaRelativeChange,
    betaScaleFree: features.betaScaleFree,
    // The last validation point: an epoch's end, or the end of a fractional window (a halving rung).
    earlyValAccuracy: finiteOrNull(features.earlyValAccuracy),
    trainLossSum: features.tse,
    score: null,
    predictedAccuracy: null,
    trainSeconds: result.timing.trainSeconds,
    ...(result.mode === 'frozen'
      ? {
          featureSeconds: result.timing.featureSeconds ?? null,
          scoringSeconds: result.timing.scoringSeconds ?? null,
          ...(result.selectionSignals?.logmeNote ? { logmeNote: result.selectionSignals.logmeNote } : {}),
        }
      : {}),
    backend: result.backend,
    parameters: { backbone: result.parameters.backbone, probe: result.parameters.probe },
    input: inputOf(spec, candidateId, result),
    failure: null,
    labels: labelsOf.get(candidateId) ?? {},
  };
}

/** The row with its rank and score; a predicted accuracy where the rule predicts one with an uncertainty. */
function withScore(row: ReportCandidate, r: RankedCandidate, appliedRule: PredictorName): ReportCandidate {
  const score = r.score ? { value: r.score.value, uncertainty: r.score.uncertainty } : null;
  const predicted =
    r.score && r.score.uncertainty !== null && ACCURACY_PREDICTORS.has(appliedRule)
      ? { mean: r.score.value, std: r.score.uncertainty }
      : null;
  return { ...row, rank: r.rank, score, predictedAccuracy: predicted };
}

/** The row of a candidate that failed, was cancelled, or could not be scored. */
function failedRow(o: CandidateOutcome, labelsOf: Labels, spec: SweepSpec): ReportCandidate {
  return {
    candidateId: o.candidateId,
    rank: null,
    status: o.status === 'succeeded' ? 'failed' : o.status,
    betaEff: null,
    betaTrajectory: [],
    betaSlope: null,
    betaRelativeChange: null,
    betaScaleFree: null,
    earlyValAccuracy: null,
    trainLossSum: null,
    score: null,
    predictedAccuracy: null,
    trainSeconds: null,
    backend: null,
    parameters: null,
    input: inputOf(spec, o.candidateId),
    failure: o.failure ?? { type: 'Unknown', message: 'no result was recorded' },
    labels: labelsOf.get(o.candidateId) ?? {},
  };
}

/** The dataset as the spec names it and the scored results measured it. */
function datasetOf(spec: SweepSpec, scored: readonly ScoredContender[]): SweepReport['dataset'] {
  const measured = scored.at(-1)?.result.dataset;
  return {
    uri: spec.dataset.uri,
    ...(spec.dataset.name ? { name: spec.dataset.name } : {}),
    numClasses: measured?.numClasses ?? null,
    trainSamples: measured?.trainSamples ?? null,
    valSamples: measured?.valSamples ?? null,
  };
}

/** Samples trained, against every candidate training the whole window; none when no result recorded them. */
function computeOf(
  spec: SweepSpec,
  scored: readonly ScoredContender[],
  dataset: SweepReport['dataset'],
): SweepCompute | undefined {
  const recorded = scored.map((s) => s.result.compute?.trainSamples).filter((x) => x !== undefined);
  if (recorded.length === 0) return undefined;
  return {
    trainSamples: recorded.reduce((a, b) => a + b, 0),
    // The window is training.epochs: the spec schema holds it to a halving sweep's last rung.
    fullWindowTrainSamples:
      dataset.trainSamples === null
        ? null
        : spec.candidates.length *
          samplesForEpochs(spec.training.epochs, dataset.trainSamples, spec.training.batchSize),
  };
}

/** The report's `selection` block: the rule asked and applied, what it learned from, β's direction. */
function selectionSummary(
  spec: SweepSpec,
  scores: ContenderScores,
  recorded: number,
): SweepReport['selection'] {
  const { ranking, labelled, otherSetup, settings } = scores;
  // β_eff is shown whatever the rule: its direction is calibrated the same way.
  const betaFit = createPredictor('beta-eff', settings).fit(labelled).fit;
  return {
    interactionModel: spec.selection.interactionModel,
    skipInputProjection: spec.selection.skipInputProjection,
    rule: spec.selection.rule,
    appliedRule: ranking.appliedRule,
    fallback: ranking.fallback,
    fitNote: ranking.fit.note,
    observedRuns: { used: labelled.length, otherSetup, recorded, datasetKey: datasetKeyOf(spec.dataset) },
    direction: betaFit.direction,
    directionSource:
      betaFit.source === 'fixed'
        ? 'spec'
        : betaFit.source === 'fitted'
          ? 'calibrated'
          : 'default (too few observed runs)',
  };
}

/**
 * For each candidate whose result.json carries a full-training accuracy, an observed run per early window
 * of 1…MAX_OBSERVED_WINDOW_EPOCHS epochs (features from that prefix of the run). Returns how many.
 */
async function recordFullTrainingRuns(
  store: ArtifactStore,
  spec: SweepSpec,
  sweepId: string,
  scored: readonly ScoredContender[],
): Promise<number> {
  const datasetKey = datasetKeyOf(spec.dataset);
  let count = 0;
  for (const s of scored) {
    const finalAccuracy = fullTrainingAccuracy(s.result);
    if (finalAccuracy === null) continue;
    const epochs = Math.min(MAX_OBSERVED_WINDOW_EPOCHS, s.result.epochs.length);
    for (let window = 1; window <= epochs; window++) {
      await writeObservedRun(store, {
        version: 1,
        sweepId,
        candidateId: s.candidateId,
        datasetKey,
        setup: { ...observedRunSetup(spec), epochs: window },
        features: extractFeatures(s.evidence, { maxStep: window * s.evidence.stepsPerEpoch }),
        finalAccuracy,
        source: 'full-training',
        recordedAt: new Date().toISOString(),
      });
      count++;
    }
  }
  return count;
}

/** Bootstrap resamples of the evaluation's intervals (seeded: the same report gives the same intervals). */
const EVALUATION_RESAMPLES = 1000;

/**
 * When candidates carry `labels.groundTruthAccuracy` (the accuracy after full fine-tuning), how well each
 * predictor — fitted on the observed runs, as the rule would be — ranks them.
 */
function evaluate(
  scored: readonly ScoredContender[],
  labelsOf: Labels,
  labelled: readonly LabelledRow[],
  settings: PredictorSettings,
): SweepReport['evaluation'] {
  const truthOf = (s: ScoredContender): number | null => groundTruth(labelsOf.get(s.candidateId) ?? {});
  const rows = scored.filter((s) => truthOf(s) !== null);
  if (rows.length < 3) return null;
  const truth = rows.map((s) => truthOf(s)!);
  const metrics: NonNullable<SweepReport['evaluation']>['metrics'] = [];
  for (const predictor of createAllPredictors(settings)) {
    const fitted = predictor.fit(labelled);
    const scores = rows.map((s) => fitted.score({ candidateId: s.candidateId, features: s.features }));
    if (scores.some((x) => x === null)) continue;
    const m = selectionMetrics(
      scores.map((x) => x!.value),
      truth,
      { resamples: EVALUATION_RESAMPLES },
    );
    if (!Number.isFinite(m.kendallTau.value)) continue;
    metrics.push({
      predictor: `${predictor.name} (${fitted.fit.direction === 'higher' ? 'higher' : 'lower'} is better)`,
      kendallTau: m.kendallTau.value,
      weightedTau: m.weightedTau.value,
      spearman: m.spearman.value,
      top1Hit: m.top1Hit.value,
      regret: m.regret.value,
      ...(Number.isFinite(m.kendallTau.low)
        ? { kendallTauInterval: [m.kendallTau.low, m.kendallTau.high] }
        : {}),
      ...(Number.isFinite(m.regret.low) ? { regretInterval: [m.regret.low, m.regret.high] } : {}),
    });
  }
  return {
    truthSource: 'labels.groundTruthAccuracy (accuracy after full fine-tuning)',
    metrics,
    resamples: EVALUATION_RESAMPLES,
  };
}
