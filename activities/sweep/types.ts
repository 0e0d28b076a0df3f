/**
 * What crosses Temporal between the sweep workflows and their activities: IDs, keys and small summaries,
 * never snapshots or weights (payloads are capped at 2 MB; we stay far below).
 */
import type { SweepSpec } from '../spec/sweep-spec.js';
import type {
  CandidateInput,
  CandidateStatus,
  DecisionConfidence,
  SweepBracket,
} from '../scoring/report-types.js';

export type { SweepBracket } from '../scoring/report-types.js';

export interface SweepRef {
  sweepId: string;
  /** Artifact store of the sweep (`file://…` or `s3://bucket/prefix`); credentials stay with the workers. */
  storeUri: string;
}

/** How one candidate ended, as the workflow records it. */
export interface CandidateOutcome {
  candidateId: string;
  status: CandidateStatus;
  /** Key of `result.json` (succeeded). */
  resultKey?: string;
  /** β_eff at the last snapshot, with the sweep's scoring settings (succeeded). */
  finalBetaEff?: number;
  /** Validation accuracy after the last epoch (succeeded). */
  valAccuracy?: number | null;
  /** Training seconds of the run that produced the result. */
  trainSeconds?: number;
  /** True when an earlier run's result.json was reused instead of training. */
  reused?: boolean;
  /** Epoch the training resumed from (0 = from scratch). */
  resumedFromEpoch?: number;
  /** Epochs the result covers (a halving candidate's rung reached). */
  epochs?: number;
  /** Samples trained on since step 0 (forward + backward passes), as result.json records them. */
  trainSamples?: number;
  /** Failure type and message (failed / cancelled). */
  failure?: { type: string; message: string };
}

export interface PrepareSweepInput extends SweepRef {
  spec: SweepSpec;
}

export interface PrepareSweepOutput {
  /** Candidate IDs in spec order. */
  candidateIds: string[];
  /** Candidates whose `result.json` already exists (a resumed sweep reuses them). */
  finished: CandidateOutcome[];
  specKey: string;
}

export interface TrainCandidateInput extends SweepRef {
  candidateId: string;
  /**
   * Train to this many epochs (a halving rung; fractions allowed), continuing from the candidate's last
   * checkpoint. @default the spec's `training.epochs` (and any existing result.json is reused as is)
   */
  epochs?: number;
  /** Workflow ID of the sweep, which receives `candidateProgress` signals. @default no progress signals */
  progressWorkflowId?: string;
}

/** Heartbeat details of `trainCandidate`: where a retry resumes. */
export interface TrainHeartbeat {
  epoch: number;
  step: number;
  checkpointKey?: string;
}

/** One progress report from a training activity to its sweep workflow (signal `candidateProgress`). */
export interface CandidateProgressSignal {
  candidateId: string;
  epoch: number;
  totalEpochs: number;
  step: number;
  totalSteps: number;
  loss?: number;
  betaEff?: number;
  valAccuracy?: number;
  /** Seconds left, estimated from the step rate. */
  etaSeconds?: number;
  /** Attempt number of the activity (1 = first). */
  attempt: number;
  /** What the model is fed: input layout, size and normalisation. */
  input?: CandidateInput;
}

export interface ScoreSweepInput extends SweepRef {
  outcomes: CandidateOutcome[];
  /** A halving sweep's bracket: its decision picks the winner and orders the ranking. */
  bracket?: SweepBracket;
}

export interface ScoreRungInput extends SweepRef {
  /** Epochs of the rung: each contender is scored on its first round(epochs × steps per epoch) steps. */
  epochs: number;
  contenders: { candidateId: string; resultKey: string }[];
}

export interface ScoreRungOutput {
  /** The rule that produced the scores (the fallback rule when the spec's could not score any). */
  appliedRule: string;
  /** One per scorable contender; `score` null when the rule cannot score it. */
  scores: { candidateId: string; score: number | null; uncertainty: number | null }[];
  /** Contenders whose stored run cannot be read or scored, with the reason. */
  unscorable: { candidateId: string; failure: { type: string; message: string } }[];
}

/** One ranked candidate as the sweep's result lists it. */
export interface RankingRow {
  candidateId: string;
  rank: number;
  /** β_eff at the end of the early window (shown whatever the rule). */
  betaEff: number | null;
  /** The applied rule's score (higher ranks first). */
  score: number | null;
  /** The rule that produced `score` and the rank. */
  rule: string;
  predictedAccuracy: number | null;
}

export interface ScoreSweepOutput {
  winner: string | null;
  /** Succeeded candidates, best first. */
  ranking: RankingRow[];
  /**
   * Candidates that trained but whose stored artifacts could not be scored (a missing or corrupt
   * snapshot or result.json), with the reason. Absent from outputs recorded before it existed.
   */
  unscorable?: { candidateId: string; failure: { type: string; message: string } }[];
  reportKey: string;
  reportHtmlKey: string;
  direction: 'higher' | 'lower';
  /** The report's `decision.confidence` (null when it has none); absent from outputs recorded before it. */
  confidence?: DecisionConfidence | null;
  /** The report's warnings (every candidate at chance…). Absent from outputs recorded before they existed. */
  warnings?: string[];
}
