/**
 * The reduce step: read every finished candidate's evidence (result.json, β_eff of each snapshot with the
 * sweep's scoring settings), extract its features, rank through the selection module under the spec's
 * rule — learning from the observed runs of the dataset — and build the report. β_eff is always computed
 * and shown, whatever the rule. Pure over an ArtifactStore: the `scoreSweep` activity adds Temporal and
 * writes the report.
 */
import { isUnscorableRunError } from './unscorable-run.js';
import { selectionMetrics } from '../selection/metrics.js';
import { extractFeatures, type CandidateEvidence, type CandidateFeatures } from '../selection/features.js';
import { fullTrainingAccuracy, MAX_OBSERVED_WINDOW_EPOCHS } from '../selection/full-training.js';
import {
  comparableRuns,
  datasetKeyOf,
  writeObservedRun,
  type ObservedRun,
} from '../selection/observed-runs.js';
import type { CandidateRow } from '../selection/predictor.js';
import {
  ACCURACY_PREDICTORS,
  createAllPredictors,
  createPredictor,
  type PredictorSettings,
} from '../selection/predictors.js';
import { rankCandidates, type RankedCandidate } from '../selection/rank.js';
import { loadCandidateEvidence, SNAPSHOT_READ_CONCURRENCY } from '../selection/sweep-evidence.js';
import { normalisationText } from '../spec/normalisation.js';
import type { SweepSpec } from '../spec/sweep-spec.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import type { CandidateResult } from '../training/types.js';
import { samplesForEpochs } from '../training/epoch-steps.js';
import { tensorLayout } from '../training/model-inspection.js';
import { mapLimit } from '../sweep/map-limit.js';
import type { CandidateOutcome } from '../sweep/types.js';
import { loadObservedHistory, observedRunSetup } from './observed-history.js';
import type {
  CandidateInput,
  ReportCandidate,
  SweepBracket,
  SweepCompute,
  SweepReport,
} from './report-types.js';

export interface ScoreOptions {
  /**
   * Snapshots of one candidate read at once; candidates are scored `max(1, ⌊concurrency / 2⌋)` at a time,
   * so up to that many times `concurrency` store reads are in flight. @default 8
   */
  concurrency?: number;
  /**
   * Observed runs to learn from, already loaded. @default the dataset's stored runs and the spec's
   * `selection.observedRuns` file (loadObservedHistory)
   */
  observedRuns?: readonly ObservedRun[];
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

interface Scored {
  row: ReportCandidate;
  result: CandidateResult;
  evidence: CandidateEvidence;
  features: CandidateFeatures;
}

/** Scores a finished set of outcomes and returns the report (not yet written). */
export async function buildSweepReport(
  store: ArtifactStore,
  sweepId: string,
  spec: SweepSpec,
  outcomes: readonly CandidateOutcome[],
  options: ScoreOptions = {},
): Promise<SweepReport> {
  const concurrency = options.concurrency ?? SNAPSHOT_READ_CONCURRENCY;
  const labelsOf = new Map(spec.candidates.map((c) => [c.id, c.labels ?? {}]));
  const normalisationOf = new Map(
    spec.candidates.map((c) => [c.id, normalisationText(c.normalisation ?? spec.dataset.normalisation)]),
  );
  const inputOf = (candidateId: string, result?: CandidateResult): CandidateInput => ({
    layout: result ? tensorLayout([null, ...result.model.inputShape]) : null,
    shape: result ? result.model.inputShape : null,
    normalisation: normalisationOf.get(candidateId) ?? normalisationText(spec.dataset.normalisation),
  });
  const succeeded = outcomes.filter((o) => o.status === 'succeeded' && o.resultKey);
  let datasetInfo: SweepReport['dataset'] = {
    uri: spec.dataset.uri,
    ...(spec.dataset.name ? { name: spec.dataset.name } : {}),
    numClasses: null,
    trainSamples: null,
    valSamples: null,
  };

  // A candidate whose stored artifacts cannot be scored (corrupt snapshot, undefined β_eff, missing result)
  // is reported as failed; it never sinks the sweep. Store outages still fail the activity (it retries).
  const unscorable: CandidateOutcome[] = [];
  const scoredOrNull = await mapLimit(
    succeeded,
    Math.max(1, Math.floor(concurrency / 2)),
    async (outcome): Promise<Scored | null> => {
      try {
        const { result, evidence } = await loadCandidateEvidence(
          store,
          sweepId,
          outcome.candidateId,
          spec.selection,
          { resultKey: outcome.resultKey!, concurrency },
        );
        datasetInfo = {
          ...datasetInfo,
          numClasses: result.dataset.numClasses,
          trainSamples: result.dataset.trainSamples,
          valSamples: result.dataset.valSamples,
        };
        const features = extractFeatures(evidence);
        const row: ReportCandidate = {
          candidateId: outcome.candidateId,
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
          backend: result.backend,
          parameters: { backbone: result.parameters.backbone, probe: result.parameters.probe },
          input: inputOf(outcome.candidateId, result),
          failure: null,
          labels: labelsOf.get(outcome.candidateId) ?? {},
        };
        return { row, result, evidence, features };
      } catch (error) {
        if (!isUnscorableRunError(error)) throw error;
        unscorable.push({
          candidateId: outcome.candidateId,
          status: 'failed',
          failure: { type: 'ScoringError', message: `cannot score the stored snapshots: ${error.message}` },
        });
        return null;
      }
    },
  );
  const scored = scoredOrNull.filter((c): c is Scored => c !== null);

  const setup = observedRunSetup(spec);
  const history = options.observedRuns ?? (await loadObservedHistory(store, spec));
  const { labelled, otherSetup } = comparableRuns(history, setup);
  const settings: PredictorSettings = {
    betaDirection: spec.selection.direction,
    minRuns: spec.selection.minObservedRuns,
  };
  const rows: CandidateRow[] = scored.map((s) => ({ candidateId: s.row.candidateId, features: s.features }));
  const ranking = rankCandidates({
    rule: spec.selection.rule,
    fallbackRule: spec.selection.fallbackRule,
    candidates: rows,
    labelled,
    settings,
  });
  // β_eff is shown whatever the rule: its direction is calibrated the same way.
  const betaFit = createPredictor('beta-eff', settings).fit(labelled).fit;
  const byId = new Map(scored.map((s) => [s.row.candidateId, s.row]));
  const bracketRank = options.bracket ? bracketOrder(options.bracket) : undefined;
  const ordered: RankedCandidate[] = bracketRank
    ? [...ranking.candidates]
        .filter((r) => r.score !== null)
        .sort(
          (a, b) =>
            (bracketRank.get(a.candidateId) ?? Infinity) - (bracketRank.get(b.candidateId) ?? Infinity),
        )
        .map((r, i): RankedCandidate => ({ ...r, rank: i + 1 }))
        .concat(ranking.candidates.filter((r) => r.score === null))
    : ranking.candidates;
  const ranked: ReportCandidate[] = ordered.map((r) => {
    const row = byId.get(r.candidateId)!;
    row.rank = r.rank;
    row.score = r.score ? { value: r.score.value, uncertainty: r.score.uncertainty } : null;
    if (r.score && r.score.uncertainty !== null && ACCURACY_PREDICTORS.has(ranking.appliedRule))
      row.predictedAccuracy = { mean: r.score.value, std: r.score.uncertainty };
    return row;
  });

  let recorded = 0;
  if (options.recordObservedRuns) recorded = await recordFullTrainingRuns(store, spec, sweepId, scored);

  const notSucceeded: ReportCandidate[] = [
    ...outcomes.filter((o) => !(o.status === 'succeeded' && o.resultKey)),
    ...unscorable,
  ].map((o) => ({
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
    input: inputOf(o.candidateId),
    failure: o.failure ?? { type: 'Unknown', message: 'no result was recorded' },
    labels: labelsOf.get(o.candidateId) ?? {},
  }));

  const winner = options.bracket?.decision
    ? options.bracket.decision.winner
    : (ranked.find((c) => c.rank === 1)?.candidateId ?? null);
  const windowEpochs = options.bracket ? options.bracket.rungs.at(-1)! : spec.training.epochs;
  const recordedSamples = scored.map((s) => s.result.compute?.trainSamples).filter((x) => x !== undefined);
  const compute: SweepCompute | undefined =
    recordedSamples.length > 0
      ? {
          trainSamples: recordedSamples.reduce((a, b) => a + b, 0),
          fullWindowTrainSamples:
            datasetInfo.trainSamples === null
              ? null
              : spec.candidates.length *
                samplesForEpochs(windowEpochs, datasetInfo.trainSamples, spec.training.batchSize),
        }
      : undefined;
  return {
    version: 1,
    sweepId,
    name: spec.name,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    storeUri: store.uri,
    dataset: datasetInfo,
    mode: spec.mode,
    training: {
      epochs: spec.training.epochs,
      batchSize: spec.training.batchSize,
      learningRate: spec.training.learningRate,
      optimizer: spec.training.optimizer,
    },
    probe: { widths: spec.probe.widths, trainable: spec.probe.trainable },
    selection: {
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
    },
    winner,
    budget: spec.budget.strategy,
    ...(options.bracket ? { bracket: options.bracket } : {}),
    ...(compute ? { compute } : {}),
    candidates: [...ranked, ...notSucceeded],
    evaluation: evaluate(scored, labelled, settings),
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
  scored: readonly Scored[],
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
        candidateId: s.row.candidateId,
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

/**
 * When candidates carry `labels.groundTruthAccuracy` (the accuracy after full fine-tuning), how well each
 * predictor — fitted on the observed runs, as the rule would be — ranks them.
 */
function evaluate(
  scored: readonly Scored[],
  labelled: Parameters<typeof rankCandidates>[0]['labelled'],
  settings: PredictorSettings,
): SweepReport['evaluation'] {
  const rows = scored.filter((s) => groundTruth(s.row.labels) !== null);
  if (rows.length < 3) return null;
  const truth = rows.map((s) => groundTruth(s.row.labels)!);
  const metrics: NonNullable<SweepReport['evaluation']>['metrics'] = [];
  for (const predictor of createAllPredictors(settings)) {
    const fitted = predictor.fit(labelled);
    const scores = rows.map((s) => fitted.score({ candidateId: s.row.candidateId, features: s.features }));
    if (scores.some((x) => x === null)) continue;
    const m = selectionMetrics(
      scores.map((x) => x!.value),
      truth,
      { resamples: 0 },
    );
    if (!Number.isFinite(m.kendallTau.value)) continue;
    metrics.push({
      predictor: `${predictor.name} (${fitted.fit.direction === 'higher' ? 'higher' : 'lower'} is better)`,
      kendallTau: m.kendallTau.value,
      weightedTau: m.weightedTau.value,
      spearman: m.spearman.value,
      top1Hit: m.top1Hit.value,
      regret: m.regret.value,
    });
  }
  return { truthSource: 'labels.groundTruthAccuracy (accuracy after full fine-tuning)', metrics };
}
