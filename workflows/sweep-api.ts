/**
 * The sweep workflow's public surface: its input and result, the `progress` query and the signals ops
 * tooling sends. Imported by the CLI and the workers as well as by the workflow itself.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SweepSpec } from '../activities/spec/sweep-spec.js';
import type { CandidateInput, DecisionConfidence } from '../activities/scoring/report-types.js';
import type {
  CandidateOutcome,
  CandidateProgressSignal,
  RankingRow,
  SweepBracket,
} from '../activities/sweep/types.js';
import type { BracketExtension, HalvingState } from './halving.js';
import { toSegment } from '../activities/store/key-segment.js';

/** Task queues of a sweep: workflows and light activities on `orchestrator`, training on `gpu`. */
export interface TaskQueues {
  orchestrator: string;
  gpu: string;
}

/**
 * The default task queues: the workers poll them unless `NCAP_TASK_QUEUE_ORCHESTRATOR` /
 * `NCAP_TASK_QUEUE_GPU` say otherwise, and clients then pass the same values in {@link SweepWorkflowInput}.
 */
export const DEFAULT_TASK_QUEUES = {
  orchestrator: 'ncap-orchestrator',
  gpu: 'ncap-gpu',
} as const satisfies TaskQueues;

/**
 * The typed search attributes a sweep upserts (with `searchAttributes`), named once here: the dev stack
 * registers these, and a test holds infra/compose/scripts/register-namespace.sh to the same list.
 */
export const SEARCH_ATTRIBUTE_KEYS = {
  dataset: defineSearchAttributeKey('NcapDataset', 'KEYWORD'),
  status: defineSearchAttributeKey('NcapStatus', 'KEYWORD'),
  winner: defineSearchAttributeKey('NcapWinner', 'KEYWORD'),
  /**
   * The winner's stated P(best) at the deciding rung (report.json's `decision.confidence`: best on a fresh
   * validation set of the same size), when known.
   */
  winnerProbability: defineSearchAttributeKey('NcapWinnerProbability', 'DOUBLE'),
} as const;

export interface SweepWorkflowInput {
  /** The validated spec (the CLI validates; `prepareSweep` validates again). */
  spec: SweepSpec;
  /** Artifact store URI; credentials stay with the workers. */
  storeUri: string;
  /** Sweep ID (key segment). @default derived from the workflow ID (schedules start one per run) */
  sweepId?: string;
  /** Upsert the typed search attributes of {@link SEARCH_ATTRIBUTE_KEYS} (the server must know them). @default false */
  searchAttributes?: boolean;
  /**
   * The starting client encrypts payloads (it has a payload codec). The workflow then leaves its outcome
   * and winner out of the memo: Temporal's TypeScript SDK 1.24 writes a workflow's `upsertMemo` to history
   * without passing it through the codec, so they would be stored in clear. @default false
   */
  encryptedPayloads?: boolean;
  /**
   * Task queues of this sweep's activities and child workflows; clients pass the queues their workers
   * poll (`NCAP_TASK_QUEUE_*`). @default {@link DEFAULT_TASK_QUEUES} (inputs recorded before this field)
   */
  taskQueues?: TaskQueues;
  /**
   * `ncap sweep extend`: reopen the bracket a previous run of this sweep decided (`bracket`, from its
   * report) and train only `candidateIds` to `rung` from their checkpoints, then decide again. Only for a
   * halving spec. @default absent: a new bracket (inputs recorded before this field read unchanged)
   */
  extend?: BracketExtension & { bracket: SweepBracket };
  /** State carried over continue-as-new; never set by callers. */
  carried?: CarriedState;
}

/** What a continued run inherits: small by construction (one short outcome per finished candidate). */
export interface CarriedState {
  outcomes: CandidateOutcome[];
  cancelledIds: string[];
  sweepCancelled: boolean;
  startedAt: string;
  runs: number;
  /** A halving sweep's bracket so far. */
  halving?: HalvingState;
  /** Candidates whose training at the bracket's current rung has ended (their outcome is in `outcomes`). */
  rungDone?: string[];
}

export const SWEEP_STATUSES = ['running', 'scoring', 'completed', 'cancelled', 'failed'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

export const CANDIDATE_STATES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type CandidateState = (typeof CANDIDATE_STATES)[number];

export interface CandidateProgress {
  candidateId: string;
  state: CandidateState;
  epoch: number;
  totalEpochs: number;
  step: number;
  totalSteps: number;
  loss: number | null;
  betaEff: number | null;
  valAccuracy: number | null;
  /** Estimated seconds left (from the step rate), while running. */
  etaSeconds: number | null;
  attempt: number;
  reused: boolean;
  failure: { type: string; message: string } | null;
  /** What the model is fed (layout, size, normalisation), once its training reports it. */
  input?: CandidateInput;
}

export interface SweepProgress {
  sweepId: string;
  status: SweepStatus;
  startedAt: string;
  /** Continue-as-new generations so far (1 = first run). */
  runs: number;
  counts: Record<CandidateState, number>;
  candidates: CandidateProgress[];
  winner: string | null;
  /** A halving sweep: the rung being trained and the bracket so far. */
  halving?: HalvingProgress;
}

export interface HalvingProgress {
  /** Rung (0-based) being trained, or where the decision was made. */
  rung: number;
  rungs: number[];
  /** Candidates still in the bracket. */
  contenders: string[];
  /** Why the bracket stopped; null while it runs. */
  decision: string | null;
  /** Who left the bracket so far, with the rung they reached. */
  exits: { candidateId: string; rung: number; reason: 'cut' | 'failed'; score: number | null }[];
  /** The selection rule that scores the rungs (absent in progress of older workers). */
  rule?: string;
  /** Each scored candidate's latest rung score under {@link rule}, with its standard deviation. */
  scores?: { candidateId: string; rung: number; epochs: number; score: number; uncertainty: number | null }[];
}

export interface SweepResult {
  sweepId: string;
  status: 'completed' | 'cancelled';
  winner: string | null;
  ranking: RankingRow[];
  failed: {
    candidateId: string;
    status: 'failed' | 'cancelled';
    failure: { type: string; message: string };
  }[];
  reused: string[];
  reportKey: string | null;
  reportHtmlKey: string | null;
  /** A halving sweep's bracket (who stopped at which rung, the decision). */
  bracket?: SweepBracket;
  /** How sure the pick is (report.json's `decision.confidence`); absent when the report has none. */
  confidence?: DecisionConfidence;
  /** The report's warnings, one line each (every candidate at chance…); absent in results of earlier versions. */
  warnings?: string[];
}

export const progressQuery = defineQuery<SweepProgress>('progress');
/** From training activities: one candidate's latest progress. */
export const candidateProgressSignal = defineSignal<[CandidateProgressSignal]>('candidateProgress');
/** Stops one candidate: its training stops at the next batch and keeps its last checkpoint. */
export const cancelCandidateSignal = defineSignal<[string]>('cancelCandidate');
/** Stops the whole sweep cleanly; finished candidates are still scored. */
export const cancelSweepSignal = defineSignal<[]>('cancelSweep');

/** The sweep id of a run started without one: schedule-made workflow IDs carry `:` and must be mapped. */
export const sweepIdFromWorkflowId = (workflowId: string): string => toSegment(workflowId, 'sweep');

/** Deterministic child workflow ID of a candidate (of one rung of a halving sweep, when given). */
export const candidateWorkflowId = (sweepId: string, candidateId: string, rung?: number): string =>
  rung === undefined ? `${sweepId}/${candidateId}` : `${sweepId}/${candidateId}/rung-${rung}`;
