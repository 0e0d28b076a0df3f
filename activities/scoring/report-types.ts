/**
 * The sweep report (`report.json`): everything the ranking table, the plots and `ncap report` show.
 * Built by `buildSweepReport` (the `scoreSweep` activity writes it); `report.html` is rendered from it.
 */

import type { PBestStatement } from '../selection/paired-bootstrap.js';

/** Where a candidate ended. */
export const CANDIDATE_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export type CandidateStatus = (typeof CANDIDATE_STATUSES)[number];

export interface BetaPoint {
  /** Global optimizer step of the snapshot. */
  step: number;
  /** 1-based epoch the step belongs to. */
  epoch: number;
  betaEff: number;
}

/** One candidate's place in a halving bracket. */
export interface BracketEntry {
  candidateId: string;
  /** Rung index (0-based) it reached. */
  rung: number;
  /** Epochs of that rung. */
  epochs: number;
  /** `winner`/`contender`: still in at the decision (or at a cancellation); `cut`; `failed` at that rung. */
  status: 'winner' | 'contender' | 'cut' | 'failed';
  /** Its score at that rung under the selection rule (null when it failed there or none yet). */
  score: number | null;
  uncertainty: number | null;
}

/** One contender's score at one rung under the selection rule: the bracket's evidence, rung by rung. */
export interface RungStanding {
  candidateId: string;
  /** Rung index (0-based). */
  rung: number;
  /** Epochs of that rung. */
  epochs: number;
  /** Higher = predicted better. */
  score: number;
  /** Standard deviation of `score`, or null when the rule has none. */
  uncertainty: number | null;
}

/** One candidate's standing against the leader of a rung, from paired per-sample validation outcomes. */
export interface CandidateConfidence {
  candidateId: string;
  /** Validation accuracy at the rung, in [0, 1]. */
  accuracy: number;
  /**
   * The stated probability that it has the rung's best accuracy on a fresh validation sample of the same
   * size (`RungConfidence.statement`; two-level paired bootstrap over the validation images, recentred on
   * the contenders' shrunk accuracies, `RungConfidence.shrinkage`): the
   * calibrated figure every view shows.
   */
  pBest: number;
  /**
   * The probability that it has the best accuracy on the validation population (one-level paired
   * bootstrap): closer to 0 or 1 than `pBest`, over-confident against fresh data; kept as information.
   */
  pBestPopulation: number;
  /** The leader's accuracy minus its own (0 for the leader). */
  gap: number;
  /** Paired standard error of `gap`: √(var(d) / n), d = leader's outcome − its own, per image (0 for the leader). */
  gapSd: number;
  /** Whether the stop rule's margin (`max(minGap, z × gapSd)`) cannot tell it from the leader (true for the leader). */
  tied: boolean;
}

/** How sure one rung's leader is, from the contenders' correctness bitmaps on the same validation images. */
export interface RungConfidence {
  method: 'paired-bootstrap';
  /**
   * What `pBest` states: `fresh-sample` (best on a fresh validation sample of `samples` images), or
   * `population` in records written before the fresh-sample statement (their `pBest` is the population's).
   */
  statement: PBestStatement;
  /**
   * Fraction of each contender's deviation from the contenders' mean accuracy removed before the
   * bootstrap (empirical-Bayes shrinkage against the winner's curse, activities/selection/
   * accuracy-shrinkage.ts); absent in records written before it (centred on the observed accuracies).
   */
  shrinkage?: number;
  /** Validation images compared. */
  samples: number;
  /** Bootstrap resamples drawn. */
  resamples: number;
  /** Seed of the resampling. */
  seed: number;
  /** Highest accuracy (ties: the first contender given). */
  leader: string;
  /** The leader and every contender tied with it, best first. */
  tieSet: string[];
  /** Every contender, best first (ties: the order given). */
  candidates: CandidateConfidence[];
}

/** What settling a near-tie would cost: the tied candidates trained one rung further. */
export interface TieResolution {
  /** The tied candidates (the winner first). */
  candidates: string[];
  /** Epochs of the next rung (the bracket's next, or twice the deciding rung's after the last). */
  epochs: number;
  /** Training samples it adds, all tied candidates together. */
  samples: number;
  /** Estimated training seconds, from each one's measured seconds per sample, summed; null when unmeasured. */
  seconds: number | null;
  /** The command that buys it. */
  command: string;
}

/** How sure the decision is (`report.decision.confidence`): the deciding rung, and each candidate at its own last rung. */
export interface DecisionConfidence extends Omit<RungConfidence, 'candidates' | 'leader'> {
  /** Rung index of the decision (0 for a fixed budget: its one window). */
  rung: number;
  /** Epochs of that rung. */
  epochs: number;
  /** The stop rule's margin parameters the tie set used. */
  margin: { z: number; minGap: number };
  /** The leader at the deciding rung. */
  winner: string;
  /**
   * The deciding rung's contenders (best first), then the candidates cut earlier with their standing at
   * their cut (latest cut first); `tied` and `gap` are against the leader of that rung.
   */
  candidates: (CandidateConfidence & { rung: number; epochs: number; status: 'contender' | 'cut' })[];
  /** When the tie set holds more than the winner: what settling it would cost; null otherwise. */
  nearTie: TieResolution | null;
}

/** A halving sweep's bracket, as the workflow ran it (`budget.strategy: halving`). */
export interface SweepBracket {
  rungs: number[];
  keepFraction: number;
  /** Whether contenders tied with the leader were kept beyond `keepFraction`; absent: false. */
  keepTies?: boolean;
  /** Contenders trained at each rung so far. */
  rungSizes: number[];
  /** Why and where the bracket stopped; null when it was cancelled before a decision. */
  decision: {
    winner: string | null;
    rung: number;
    epochs: number;
    reason: string;
    message: string;
  } | null;
  entries: BracketEntry[];
  /** Every score recorded, each contender at each rung it finished; absent in reports written before it was recorded. */
  scores?: RungStanding[];
  /** Σ over candidates of the epochs each trained. */
  candidateEpochs: number;
}

/** Training compute of a sweep, in samples (forward + backward passes). */
export interface SweepCompute {
  /** Samples trained on, all candidates together. */
  trainSamples: number;
  /**
   * What training every candidate for the whole window would have cost (the last rung for halving,
   * `training.epochs` for fixed); `trainSamples / fullWindowTrainSamples` is the fraction spent.
   */
  fullWindowTrainSamples: number | null;
}

/** What a candidate's model was fed. */
export interface CandidateInput {
  /** `NHWC`, `NCHW`, `vector`…; `null` when unknown (the candidate has no result). */
  layout: string | null;
  /** The model input without the batch axis; `null` when unknown. */
  shape: number[] | null;
  /** The normalisation preset's name, or its map written out. */
  normalisation: string;
}

export interface ReportCandidate {
  candidateId: string;
  /** 1 = the pick; `null` for candidates that did not finish. */
  rank: number | null;
  status: CandidateStatus;
  /** β_eff at the end of the observation window (last snapshot); `null` if none. */
  betaEff: number | null;
  /** β_eff per snapshot, ascending by step. */
  betaTrajectory: BetaPoint[];
  /** Least-squares slope of β_eff over steps (per step). */
  betaSlope: number | null;
  /** (last − first) / |first|. */
  betaRelativeChange: number | null;
  /** β̃, the block-normalised β_eff without the input projection (width-free), at the last snapshot. */
  betaScaleFree: number | null;
  /** Validation accuracy in [0, 1] after the last early epoch. */
  earlyValAccuracy: number | null;
  /** Sum of the per-epoch mean training losses (TSE baseline). */
  trainLossSum: number | null;
  /** The applied rule's score (higher = ranked earlier) and its standard deviation where it has one. */
  score: { value: number; uncertainty: number | null } | null;
  /** Predicted final accuracy (Bayesian ridge on observed runs), when the applied rule is a hybrid. */
  predictedAccuracy: { mean: number; std: number } | null;
  /** Seconds of training (all attempts of the final run). */
  trainSeconds: number | null;
  /** Frozen mode: seconds computing or loading the backbone's features; absent in older reports. */
  featureSeconds?: number | null;
  /** Frozen mode: seconds scoring the features without training (LogME); absent in older reports. */
  scoringSeconds?: number | null;
  /**
   * Frozen mode: why its result records no LogME (too few samples, too large, non-finite features or
   * result; result.json's `selectionSignals.logmeNote`); absent when LogME was recorded and in older reports.
   */
  logmeNote?: string;
  /** The backend that trained it (`wasm`, `cpu`, `tensorflow`…). */
  backend: string | null;
  parameters: { backbone: number; probe: number } | null;
  /**
   * What the model was fed: input layout and size (from its result; `null` without one) and the
   * normalisation in force (the candidate's, else the dataset's). Absent in reports of earlier versions.
   */
  input?: CandidateInput;
  /** Why it failed or was cancelled. */
  failure: { type: string; message: string } | null;
  /** Free-form labels from the spec (architecture, …). */
  labels: Record<string, string | number | boolean>;
}

/** A sweep's `report.json` as written now (report-record.ts reads older ones into this shape). */
export interface SweepReport {
  version: 2;
  sweepId: string;
  name: string;
  createdAt: string;
  /** Where the artifacts are. */
  storeUri: string;
  dataset: {
    uri: string;
    name?: string;
    numClasses: number | null;
    trainSamples: number | null;
    valSamples: number | null;
  };
  mode: 'finetune' | 'frozen';
  training: { epochs: number; batchSize: number; learningRate: number; optimizer: string };
  probe: { widths: number[]; trainable: boolean };
  selection: {
    interactionModel: string;
    skipInputProjection: boolean;
    /** The rule the spec asked for. */
    rule: string;
    /** The rule that produced the ranking (the fallback rule when `rule` could not score). */
    appliedRule: string;
    /** Why `rule` was not applied as asked (fell back, or an uncalibrated direction); null when it was. */
    fallback: string | null;
    /** How the applied rule was fitted (its calibration or regression), in one line. */
    fitNote: string | null;
    /**
     * Observed runs of this dataset: learned from, set aside (another early-training setup), recorded now;
     * null in reports read from before observed runs existed.
     */
    observedRuns: { used: number; otherSetup: number; recorded: number; datasetKey: string } | null;
    /** The direction of β_eff (shown in every report): `higher` = a higher β_eff ranks first. */
    direction: 'higher' | 'lower';
    /** Where β_eff's direction came from. */
    directionSource: 'spec' | 'calibrated' | 'default (too few observed runs)';
  };
  /** Candidate id of the pick, or `null` when no candidate succeeded. */
  winner: string | null;
  /** `budget.strategy`. */
  budget: 'fixed' | 'halving';
  /** The halving bracket: who stopped at which rung, and why the decision was made. */
  bracket?: SweepBracket;
  /** Samples trained on (absent when no result recorded it). */
  compute?: SweepCompute;
  /**
   * How sure the pick is, from the validation outcomes per image; `confidence` is null where the rule's
   * score is not a validation accuracy or a candidate has no outcome bitmap (runs recorded before them).
   * Absent in reports written before it existed.
   */
  decision?: { confidence: DecisionConfidence | null; reason?: string };
  /**
   * What makes the outcome doubtful, one line each (every candidate at chance, an inferred class count).
   * Absent in reports written before warnings existed.
   */
  warnings?: string[];
  /** Every candidate: succeeded ones by rank, then failed/cancelled ones. */
  candidates: ReportCandidate[];
  /** How well β_eff and the baselines agreed with known final accuracies, when they were given. */
  evaluation: null | {
    truthSource: string;
    metrics: {
      predictor: string;
      kendallTau: number;
      weightedTau: number;
      spearman: number;
      top1Hit: boolean;
      regret: number;
      /** 95 % percentile-bootstrap interval of `kendallTau` over the candidates; absent in older reports. */
      kendallTauInterval?: [number, number];
      /** 95 % percentile-bootstrap interval of `regret`; absent in older reports. */
      regretInterval?: [number, number];
    }[];
    /** Bootstrap resamples behind the intervals (over candidates, with replacement); absent in older reports. */
    resamples?: number;
  };
}
