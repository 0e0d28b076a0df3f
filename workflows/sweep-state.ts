/**
 * The sweep workflow's in-memory book: one outcome per finished candidate, live progress per candidate
 * (what the `progress` query returns), who an operator cancelled, and the cancellation scope of each
 * running candidate. Plain state and arithmetic only: the workflow decides when to publish it.
 */
import type { CancellationScope } from '@temporalio/workflow';
import type { CandidateOutcome, CandidateProgressSignal } from '../activities/sweep/types.js';
import type {
  CandidateProgress,
  CandidateState,
  CarriedState,
  HalvingProgress,
  SweepProgress,
  SweepStatus,
} from './sweep-api.js';

const idleProgress = (candidateId: string, totalEpochs: number): CandidateProgress => ({
  candidateId,
  state: 'pending',
  epoch: 0,
  totalEpochs,
  step: 0,
  totalSteps: 0,
  loss: null,
  betaEff: null,
  valAccuracy: null,
  etaSeconds: null,
  attempt: 0,
  reused: false,
  failure: null,
});

export class SweepState {
  status: SweepStatus = 'running';
  winner: string | null = null;
  /** The whole sweep was cancelled (signal, or Temporal's cancel of the workflow). */
  cancelled: boolean;
  private readonly operatorCancelled: Set<string>;
  private readonly scopes = new Map<string, CancellationScope>();
  private readonly outcomes: Map<string, CandidateOutcome>;
  private readonly progress: Map<string, CandidateProgress>;

  constructor(
    readonly sweepId: string,
    candidateIds: readonly string[],
    private readonly totalEpochs: number,
    carried: CarriedState | undefined,
  ) {
    this.cancelled = carried?.sweepCancelled ?? false;
    this.operatorCancelled = new Set(carried?.cancelledIds ?? []);
    this.outcomes = new Map((carried?.outcomes ?? []).map((o) => [o.candidateId, o]));
    this.progress = new Map(candidateIds.map((id) => [id, idleProgress(id, totalEpochs)]));
    for (const outcome of this.outcomes.values()) this.record(outcome);
  }

  /** Whether the candidate has an outcome (finished, failed or cancelled). */
  isSettled(candidateId: string): boolean {
    return this.outcomes.has(candidateId);
  }

  /** Outcomes found by `prepareSweep` (earlier runs' results), unless this run already has one. */
  recordFinished(finished: readonly CandidateOutcome[]): void {
    for (const outcome of finished) if (!this.outcomes.has(outcome.candidateId)) this.record(outcome);
  }

  record(outcome: CandidateOutcome): void {
    this.outcomes.set(outcome.candidateId, outcome);
    const p = this.progress.get(outcome.candidateId);
    if (!p) return;
    p.state = outcome.status;
    p.etaSeconds = null;
    p.reused = outcome.reused ?? false;
    p.failure = outcome.failure ?? null;
    if (outcome.status === 'succeeded') {
      p.epoch = outcome.epochs ?? this.totalEpochs;
      p.betaEff = outcome.finalBetaEff ?? p.betaEff;
      p.valAccuracy = outcome.valAccuracy ?? p.valAccuracy;
    }
  }

  recordCancelled(candidateId: string, message: string): void {
    this.record({ candidateId, status: 'cancelled', failure: { type: 'CancelledFailure', message } });
  }

  wasCancelledByOperator(candidateId: string): boolean {
    return this.operatorCancelled.has(candidateId);
  }

  /** A candidate starts: it shows as running, and a cancel signal reaches it through `scope`. */
  start(candidateId: string, scope: CancellationScope): void {
    const p = this.progress.get(candidateId)!;
    p.state = 'running';
    p.attempt = Math.max(p.attempt, 1);
    this.scopes.set(candidateId, scope);
  }

  /** A candidate has settled (its outcome is recorded). */
  stop(candidateId: string): void {
    this.scopes.delete(candidateId);
  }

  /** A training's progress signal; ignored unless the candidate is running. */
  applyProgress(update: CandidateProgressSignal): void {
    const p = this.progress.get(update.candidateId);
    if (!p || p.state !== 'running') return;
    p.epoch = update.epoch;
    p.totalEpochs = update.totalEpochs;
    p.step = update.step;
    p.totalSteps = update.totalSteps;
    p.loss = update.loss ?? p.loss;
    p.betaEff = update.betaEff ?? p.betaEff;
    p.valAccuracy = update.valAccuracy ?? p.valAccuracy;
    p.etaSeconds = update.etaSeconds ?? null;
    p.attempt = update.attempt;
    if (update.input) p.input = update.input;
  }

  /** An operator cancels one candidate: a running one stops, a queued one never starts. */
  cancelCandidate(candidateId: string): boolean {
    if (!this.progress.has(candidateId)) return false;
    this.operatorCancelled.add(candidateId);
    this.scopes.get(candidateId)?.cancel();
    return true;
  }

  cancelSweep(): void {
    this.cancelled = true;
    for (const scope of this.scopes.values()) scope.cancel();
  }

  counts(): Record<CandidateState, number> {
    const c: Record<CandidateState, number> = {
      pending: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    };
    for (const p of this.progress.values()) c[p.state] += 1;
    return c;
  }

  /** A halving sweep's bracket, as the `progress` query shows it. */
  halving: HalvingProgress | undefined;

  snapshot(startedAt: string, runs: number): SweepProgress {
    return {
      ...(this.halving ? { halving: this.halving } : {}),
      sweepId: this.sweepId,
      status: this.status,
      startedAt,
      runs,
      counts: this.counts(),
      candidates: [...this.progress.values()],
      winner: this.winner,
    };
  }

  /** One line for the Temporal UI's "current details". */
  details(): string {
    const c = this.counts();
    return (
      `sweep ${this.sweepId}: ${this.status}; ${c.succeeded} succeeded, ${c.failed} failed, ${c.cancelled} cancelled, ${c.running} running, ${c.pending} pending of ${this.progress.size}` +
      (this.halving && !this.halving.decision
        ? `; halving rung ${this.halving.rung + 1}/${this.halving.rungs.length} (${this.halving.rungs[this.halving.rung]} epochs), ${this.halving.contenders.length} contenders`
        : '') +
      (this.winner ? `; winner ${this.winner}` : '')
    );
  }

  /** What a continued run inherits. */
  carry(startedAt: string, runs: number): CarriedState {
    return {
      outcomes: [...this.outcomes.values()],
      cancelledIds: [...this.operatorCancelled],
      sweepCancelled: this.cancelled,
      startedAt,
      runs,
    };
  }

  /** The outcomes in the given (spec) order, skipping candidates without one. */
  outcomesOf(candidateIds: readonly string[]): CandidateOutcome[] {
    return candidateIds.map((id) => this.outcomes.get(id)!).filter(Boolean);
  }
}
