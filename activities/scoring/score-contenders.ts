/**
 * The one scoring pipeline, shared by the rung scorer and the report: read each contender's evidence
 * (result.json, β_eff of each snapshot with the sweep's scoring settings), set aside the runs whose stored
 * artifacts cannot be scored, extract features inside the window, and rank under the spec's rule, learning
 * from the observed runs of the sweep's setup. The callers only decorate what it returns.
 */
import { isUnscorableRunError } from './unscorable-run.js';
import { extractFeatures, type CandidateEvidence, type CandidateFeatures } from '../selection/features.js';
import {
  comparableRuns,
  loadObservedHistory,
  observedRunSetup,
  type ObservedRun,
} from '../selection/observed-runs.js';
import type { LabelledRow } from '../selection/predictor.js';
import type { PredictorSettings } from '../selection/predictors.js';
import { rankCandidates, type RankOutput } from '../selection/rank.js';
import { loadCandidateEvidence, SNAPSHOT_READ_CONCURRENCY } from '../selection/sweep-evidence.js';
import type { SweepSpec } from '../spec/sweep-spec.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { stepsForEpochs } from '../training/epoch-steps.js';
import type { CandidateResult } from '../training/types.js';
import { mapLimit } from '../sweep/map-limit.js';

export interface ScoreContendersInput {
  store: ArtifactStore;
  sweepId: string;
  spec: SweepSpec;
  contenders: readonly { candidateId: string; resultKey: string }[];
  /**
   * Scores each run's first `epochs` epochs (a halving rung), learning from observed runs of that window.
   * @default the whole run, learning from runs of the spec's `training.epochs`
   */
  windowEpochs?: number;
  /**
   * Snapshots of one candidate read at once; candidates are scored `max(1, ⌊concurrency / 2⌋)` at a time,
   * so up to that many times `concurrency` store reads are in flight. @default 8
   */
  concurrency?: number;
  /** Observed runs to learn from, already loaded. @default the sweep's history (loadObservedHistory) */
  observedRuns?: readonly ObservedRun[];
}

/** One contender the rule could read, with what it was scored from. */
export interface ScoredContender {
  candidateId: string;
  result: CandidateResult;
  evidence: CandidateEvidence;
  features: CandidateFeatures;
  /** Last optimizer step of the window scored (Infinity for the whole run). */
  step: number;
}

export interface ContenderScores {
  /** Readable contenders, in input order. */
  scored: ScoredContender[];
  /** Contenders whose stored artifacts cannot be read or scored, with the reason, as they were found. */
  unscorable: { candidateId: string; reason: string }[];
  ranking: RankOutput;
  /** Observed runs of the same setup that the rule learned from, and how many of another were set aside. */
  labelled: LabelledRow[];
  otherSetup: number;
  settings: PredictorSettings;
}

/** The predictor settings a spec's `selection` block asks for. */
export function predictorSettingsOf(selection: SweepSpec['selection']): PredictorSettings {
  return { betaDirection: selection.direction, minRuns: selection.minObservedRuns };
}

export async function scoreContenders(input: ScoreContendersInput): Promise<ContenderScores> {
  const { store, sweepId, spec, windowEpochs } = input;
  const concurrency = input.concurrency ?? SNAPSHOT_READ_CONCURRENCY;
  // A run whose stored artifacts cannot be scored (corrupt snapshot, undefined β_eff, missing result) is set
  // aside, never sinking the sweep; store outages still throw (the activity retries).
  const unscorable: ContenderScores['unscorable'] = [];
  const loaded = await mapLimit(
    input.contenders,
    Math.max(1, Math.floor(concurrency / 2)),
    async (c): Promise<ScoredContender | null> => {
      try {
        const { result, evidence } = await loadCandidateEvidence(
          store,
          sweepId,
          c.candidateId,
          spec.selection,
          { resultKey: c.resultKey, concurrency },
        );
        const step =
          windowEpochs === undefined ? Infinity : stepsForEpochs(windowEpochs, evidence.stepsPerEpoch);
        const features = extractFeatures(evidence, Number.isFinite(step) ? { maxStep: step } : {});
        return { candidateId: c.candidateId, result, evidence, features, step };
      } catch (error) {
        if (!isUnscorableRunError(error)) throw error;
        unscorable.push({ candidateId: c.candidateId, reason: error.message });
        return null;
      }
    },
  );
  const scored = loaded.filter((s): s is ScoredContender => s !== null);
  const history = input.observedRuns ?? (await loadObservedHistory(store, spec));
  const setup = {
    ...observedRunSetup(spec),
    ...(windowEpochs === undefined ? {} : { epochs: windowEpochs }),
  };
  const { labelled, otherSetup } = comparableRuns(history, setup);
  const settings = predictorSettingsOf(spec.selection);
  const ranking = rankCandidates({
    rule: spec.selection.rule,
    fallbackRule: spec.selection.fallbackRule,
    candidates: scored.map((s) => ({ candidateId: s.candidateId, features: s.features })),
    labelled,
    settings,
  });
  return { scored, unscorable, ranking, labelled, otherSetup, settings };
}
