/**
 * The reduce step: read every finished candidate's snapshots, compute its β_eff trajectory with the
 * sweep's scoring settings, rank (direction from the spec or calibrated on observed runs), and build the
 * report. Pure over an ArtifactStore: the `scoreSweep` activity adds Temporal and writes the report.
 */
import { BayesianRidge } from '../capacitance/bayesian-ridge.js';
import { computeBetaEff } from '../capacitance/beta-eff.js';
import { calibrateDirection } from '../capacitance/direction.js';
import { kendallTau, spearman, top1Hit, topKRegret, weightedTau } from '../capacitance/ranking-metrics.js';
import { decodeSnapshot } from '../capacitance/snapshot.js';
import { trajectoryFeatures } from '../capacitance/trajectory.js';
import { CapacitanceError } from '../capacitance/errors.js';
import { createHash } from 'node:crypto';
import { ArtifactIntegrityError, ArtifactNotFoundError } from '../store/errors.js';
import type { SweepSpec } from '../spec/sweep-spec.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { sweepKeys } from '../store/keys.js';
import type { CandidateResult } from '../training/types.js';
import { mapLimit } from '../sweep/map-limit.js';
import type { CandidateOutcome } from '../sweep/types.js';
import type { BetaPoint, ReportCandidate, SweepReport } from './report-types.js';

/** An earlier run with a known final accuracy: the data calibration and prediction learn from. */
export interface ObservedRun {
  betaEff: number;
  betaSlope?: number;
  betaRelativeChange?: number;
  earlyValAccuracy?: number;
  finalAccuracy: number;
}

/** Snapshot reads at once, per candidate. */
const DEFAULT_CONCURRENCY = 8;

export interface ScoreOptions {
  /**
   * Snapshots of one candidate read at once; candidates are scored `max(1, ⌊concurrency / 2⌋)` at a time,
   * so up to that many times `concurrency` store reads are in flight. @default 8
   */
  concurrency?: number;
  /** Earlier runs for calibration / prediction (already loaded). @default none */
  observedRuns?: ObservedRun[];
  /** Fewest observed runs to calibrate a direction or fit the predictor. @default 5 */
  minObservedRuns?: number;
  now?: () => Date;
}

/**
 * β_eff per stored snapshot of one candidate, ascending by step. With `recorded` (the result's snapshot
 * list and the SHA-256 of each file as written) exactly those files are read and each is checked.
 * @throws ArtifactIntegrityError when a snapshot's bytes differ from the checksum recorded at write.
 */
export async function betaTrajectory(
  store: ArtifactStore,
  sweepId: string,
  candidateId: string,
  selection: Pick<SweepSpec['selection'], 'interactionModel' | 'skipInputProjection'>,
  concurrency = DEFAULT_CONCURRENCY,
  recorded?: CandidateResult['snapshots'],
): Promise<BetaPoint[]> {
  const candidateKeys = sweepKeys(sweepId).candidate(candidateId);
  const expected = new Map<string, string>();
  if (recorded?.sha256 && recorded.sha256.length === recorded.steps.length) {
    recorded.steps.forEach((step, i) => expected.set(candidateKeys.snapshot(step), recorded.sha256![i]!));
  }
  const keys: string[] = [...expected.keys()];
  if (keys.length === 0) {
    for await (const object of store.list(candidateKeys.snapshotsPrefix)) {
      if (object.key.endsWith('.safetensors')) keys.push(object.key);
    }
  }
  keys.sort();
  const points = await mapLimit(keys, concurrency, async (key) => {
    const bytes = await store.get(key);
    const sha256 = expected.get(key);
    if (sha256 !== undefined && createHash('sha256').update(bytes).digest('base64') !== sha256) {
      throw new ArtifactIntegrityError(
        `snapshot ${key} does not match the SHA-256 recorded when it was written; to retrain the candidate, delete its result.json and run \`ncap sweep resume\``,
        { uri: store.uri, key },
      );
    }
    const snapshot = decodeSnapshot(bytes);
    const { betaEff } = computeBetaEff(snapshot.kernels, {
      model: selection.interactionModel,
      skipInputProjection: selection.skipInputProjection,
      // Batch statistics recorded with the snapshot (probe.recordBatchStats), for activity-dependent models.
      stats: snapshot.extra,
    });
    return { step: snapshot.metadata.step, epoch: snapshot.metadata.epoch, betaEff };
  });
  return points.sort((a, b) => a.step - b.step);
}

async function readResult(store: ArtifactStore, key: string): Promise<CandidateResult> {
  return JSON.parse(Buffer.from(await store.get(key)).toString('utf8')) as CandidateResult;
}

const finiteOrNull = (x: number | null | undefined): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;

function groundTruth(labels: Record<string, string | number | boolean>): number | null {
  const value = labels.groundTruthAccuracy;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Scores a finished set of outcomes and returns the report (not yet written). */
export async function buildSweepReport(
  store: ArtifactStore,
  sweepId: string,
  spec: SweepSpec,
  outcomes: readonly CandidateOutcome[],
  options: ScoreOptions = {},
): Promise<SweepReport> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const minRuns = options.minObservedRuns ?? 5;
  const labelsOf = new Map(spec.candidates.map((c) => [c.id, c.labels ?? {}]));
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
  const scoredOrNull: (ReportCandidate | null)[] = await mapLimit(
    succeeded,
    Math.max(1, Math.floor(concurrency / 2)),
    async (outcome) => {
      try {
        const result = await readResult(store, outcome.resultKey!);
        datasetInfo = {
          ...datasetInfo,
          numClasses: result.dataset.numClasses,
          trainSamples: result.dataset.trainSamples,
          valSamples: result.dataset.valSamples,
        };
        const trajectory = await betaTrajectory(
          store,
          sweepId,
          outcome.candidateId,
          spec.selection,
          concurrency,
          result.snapshots,
        );
        const features = trajectory.length > 0 ? trajectoryFeatures(trajectory) : undefined;
        const lastEpoch = result.epochs.at(-1);
        return {
          candidateId: outcome.candidateId,
          rank: null,
          status: 'succeeded',
          betaEff: features ? features.final : null,
          betaTrajectory: trajectory,
          betaSlope: features ? finiteOrNull(features.slope) : null,
          betaRelativeChange: features ? finiteOrNull(features.relativeChange) : null,
          earlyValAccuracy: finiteOrNull(lastEpoch?.valAccuracy),
          trainLossSum:
            result.epochs.length > 0 ? result.epochs.reduce((sum, e) => sum + e.trainLoss, 0) : null,
          predictedAccuracy: null,
          trainSeconds: result.timing.trainSeconds,
          backend: result.backend,
          parameters: { backbone: result.parameters.backbone, probe: result.parameters.probe },
          failure: null as ReportCandidate['failure'],
          labels: labelsOf.get(outcome.candidateId) ?? {},
        };
      } catch (error) {
        if (!(
          error instanceof CapacitanceError ||
          error instanceof ArtifactNotFoundError ||
          error instanceof ArtifactIntegrityError ||
          error instanceof SyntaxError
        ))
          throw error;
        unscorable.push({
          candidateId: outcome.candidateId,
          status: 'failed',
          failure: { type: 'ScoringError', message: `cannot score the stored snapshots: ${error.message}` },
        });
        return null;
      }
    },
  );
  const scored = scoredOrNull.filter((c): c is ReportCandidate => c !== null);

  // Direction: from the spec, or calibrated on observed runs (docs/design.md §2: never assumed).
  const observed = options.observedRuns ?? [];
  let direction: 'higher' | 'lower' = spec.selection.direction === 'lower' ? 'lower' : 'higher';
  let directionSource: SweepReport['selection']['directionSource'] = 'spec';
  if (spec.selection.direction === 'calibrate') {
    const calibration = calibrateDirection(
      observed.map((r) => r.betaEff),
      observed.map((r) => r.finalAccuracy),
      { minRuns },
    );
    if (calibration.sign === 0) {
      direction = 'higher';
      directionSource = 'default (too few observed runs)';
    } else {
      direction = calibration.sign > 0 ? 'higher' : 'lower';
      directionSource = 'calibrated';
    }
  }
  const sign = direction === 'higher' ? 1 : -1;

  // Optional prediction of final accuracy from trajectory features (Bayesian ridge on observed runs).
  const featureRow = (c: {
    betaEff: number;
    betaSlope?: number | null;
    betaRelativeChange?: number | null;
    earlyValAccuracy?: number | null;
  }) => [c.betaEff, c.betaSlope ?? 0, c.betaRelativeChange ?? 0, c.earlyValAccuracy ?? 0];
  if (spec.selection.rule === 'predicted-accuracy' && observed.length >= minRuns) {
    const model = new BayesianRidge().fit(
      observed.map((r) => featureRow(r)),
      observed.map((r) => r.finalAccuracy),
    );
    const rows = scored.filter((c) => c.betaEff !== null);
    if (rows.length > 0) {
      const prediction = model.predict(rows.map((c) => featureRow({ ...c, betaEff: c.betaEff! })));
      rows.forEach((c, i) => {
        c.predictedAccuracy = { mean: prediction.mean[i]!, std: prediction.std[i]! };
      });
    }
  }

  const score = (c: ReportCandidate): number =>
    c.predictedAccuracy ? c.predictedAccuracy.mean : c.betaEff === null ? -Infinity : sign * c.betaEff;
  const ranked = [...scored].sort(
    (a, b) => score(b) - score(a) || a.candidateId.localeCompare(b.candidateId),
  );
  ranked.forEach((c, i) => {
    c.rank = c.betaEff === null ? null : i + 1;
  });

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
    earlyValAccuracy: null,
    trainLossSum: null,
    predictedAccuracy: null,
    trainSeconds: null,
    backend: null,
    parameters: null,
    failure: o.failure ?? { type: 'Unknown', message: 'no result was recorded' },
    labels: labelsOf.get(o.candidateId) ?? {},
  }));

  const winner = ranked.find((c) => c.rank === 1)?.candidateId ?? null;
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
      direction,
      directionSource,
    },
    winner,
    candidates: [...ranked, ...notSucceeded],
    evaluation: evaluate(ranked, sign),
  };
}

/**
 * When candidates carry `labels.groundTruthAccuracy` (the accuracy after full fine-tuning), how well each
 * predictor ranks them: β_eff (in the direction used), early validation accuracy, and −TSE.
 */
function evaluate(ranked: ReportCandidate[], sign: number): SweepReport['evaluation'] {
  const rows = ranked.filter((c) => groundTruth(c.labels) !== null && c.betaEff !== null);
  if (rows.length < 3) return null;
  const truth = rows.map((c) => groundTruth(c.labels)!);
  const predictors: { predictor: string; scores: (number | null)[] }[] = [
    {
      predictor: `β_eff (${sign > 0 ? 'higher' : 'lower'} is better)`,
      scores: rows.map((c) => sign * c.betaEff!),
    },
    { predictor: 'early validation accuracy', scores: rows.map((c) => c.earlyValAccuracy) },
    {
      predictor: 'TSE (lower is better)',
      scores: rows.map((c) => (c.trainLossSum === null ? null : -c.trainLossSum)),
    },
  ];
  if (rows.every((c) => c.predictedAccuracy)) {
    predictors.push({ predictor: 'predicted accuracy', scores: rows.map((c) => c.predictedAccuracy!.mean) });
  }
  const metrics = predictors
    .filter((p) => p.scores.every((s) => s !== null && Number.isFinite(s)))
    .map((p) => {
      const scores = p.scores as number[];
      return {
        predictor: p.predictor,
        kendallTau: kendallTau(scores, truth),
        weightedTau: weightedTau(scores, truth),
        spearman: spearman(scores, truth),
        top1Hit: top1Hit(scores, truth),
        regret: topKRegret(scores, truth, 1),
      };
    });
  return { truthSource: 'labels.groundTruthAccuracy (accuracy after full fine-tuning)', metrics };
}
