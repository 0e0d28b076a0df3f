/**
 * ASHA as Ray Tune's `ASHAScheduler` (= `AsyncHyperBandScheduler`, ray/tune/schedulers/async_hyperband.py)
 * defines it, with `brackets=1` and `stop_last_trials=True`, replayed on recorded learning curves:
 *
 * - rungs (milestones) are grace_period · rf^k for k < ⌊log(max_t / grace_period) / log(rf) + 1⌋;
 * - a result at time t ≥ max_t stops the trial; otherwise the highest milestone ≤ t at which the trial has
 *   no recorded value yet is evaluated: the cutoff is numpy's `nanpercentile` (linear) at
 *   (1 − 1/rf) · 100 of the values recorded there BEFORE this one, the trial stops if its reward is
 *   strictly below it (the first trial at a rung always continues), and its reward is recorded;
 * - a trial that stops (either way) is completed with its last result, which records it at any
 *   milestone ≤ t it had not been recorded at (as `on_trial_complete` does);
 * - asynchronous: K workers take pending trials in a fixed order (FIFO, as Ray's default); each trial
 *   reports once per training iteration; results are handled in the order they arrive, and the time a
 *   result arrives is the trial's measured seconds per sample × samples trained so far.
 *
 * Ray's winner is `ResultGrid.get_best_result(metric, mode="max", scope="last")`: the best last
 * reported value (ties: the earlier trial).
 */

/** ASHA's settings, in `time_attr` units (one unit = one reported training iteration). */
export interface AshaSettings {
  /** `grace_period`: only stop trials at least this old. @default 1 (Ray's default) */
  gracePeriod: number;
  /** `reduction_factor`: a trial continues past a rung only in the top 1/rf. @default 4 (Ray's default) */
  reductionFactor: number;
  /** `max_t`: trials stop after this many units. */
  maxT: number;
}

export const RAY_ASHA_DEFAULTS = { gracePeriod: 1, reductionFactor: 4 } as const;

export type AshaAction = 'CONTINUE' | 'STOP';

/** Numpy's `percentile` with the default linear interpolation, NaNs left out (`nanpercentile`). */
export function nanPercentile(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * (q / 100);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** One rung: its milestone and the rewards recorded there, by trial, in arrival order. */
export interface AshaRung {
  milestone: number;
  recorded: Map<string, number>;
}

/** Ray's `_Bracket` (s = 0). Rungs are kept highest milestone first, as Ray keeps them. */
export class AshaBracket {
  readonly rungs: AshaRung[];

  constructor(readonly settings: AshaSettings) {
    const { gracePeriod, reductionFactor, maxT } = settings;
    if (!(maxT > 0)) throw new RangeError(`max_t is ${maxT}: must be > 0`);
    if (!(gracePeriod > 0) || gracePeriod > maxT)
      throw new RangeError(`grace_period is ${gracePeriod}: must be > 0 and ≤ max_t (${maxT})`);
    if (!(reductionFactor > 1)) throw new RangeError(`reduction_factor is ${reductionFactor}: must be > 1`);
    const count = Math.trunc(Math.log(maxT / gracePeriod) / Math.log(reductionFactor) + 1);
    this.rungs = Array.from({ length: count }, (_, k) => ({
      milestone: gracePeriod * reductionFactor ** k,
      recorded: new Map<string, number>(),
    })).reverse();
  }

  /** The cutoff of a rung's recorded rewards, or null when none is recorded. */
  cutoff(recorded: ReadonlyMap<string, number>): number | null {
    if (recorded.size === 0) return null;
    return nanPercentile([...recorded.values()], (1 - 1 / this.settings.reductionFactor) * 100);
  }

  onResult(trialId: string, time: number, reward: number): AshaAction {
    let action: AshaAction = 'CONTINUE';
    for (const rung of this.rungs) {
      if (time < rung.milestone || rung.recorded.has(trialId)) continue;
      const cutoff = this.cutoff(rung.recorded);
      if (cutoff !== null && reward < cutoff) action = 'STOP';
      rung.recorded.set(trialId, reward);
      break;
    }
    return action;
  }
}

/** `AsyncHyperBandScheduler` with one bracket, mode "max". */
export class AshaScheduler {
  readonly bracket: AshaBracket;

  constructor(readonly settings: AshaSettings) {
    this.bracket = new AshaBracket(settings);
  }

  onTrialResult(trialId: string, time: number, reward: number): AshaAction {
    if (time >= this.settings.maxT) return 'STOP';
    return this.bracket.onResult(trialId, time, reward);
  }

  onTrialComplete(trialId: string, time: number, reward: number): void {
    this.bracket.onResult(trialId, time, reward);
  }
}

/** A trial to replay: its reports, one per training iteration (time 1, 2, …). */
export interface AshaTrial {
  id: string;
  /** reports[i]: the result at time i + 1 — its reward and the seconds that iteration took. */
  reports: readonly { reward: number; seconds: number }[];
}

export interface AshaTrialOutcome {
  id: string;
  /** Iterations trained (the time of its last result). */
  iterations: number;
  /** Its last reported reward (what `scope="last"` compares). */
  lastReward: number;
  /** `rung`: ASHA cut it at a rung; `max_t`: it ran to max_t. */
  stoppedBy: 'rung' | 'max_t';
  /** Simulated seconds at which it started and stopped. */
  startedAt: number;
  stoppedAt: number;
}

export interface AshaRun {
  trials: AshaTrialOutcome[];
  /** Ray's pick: best last reported reward, ties to the earlier trial. */
  best: string;
  /** Every milestone (ascending) with the trials recorded there, in arrival order. */
  rungs: { milestone: number; recorded: string[] }[];
  /** Simulated seconds until the last trial stopped. */
  makespan: number;
}

/**
 * Replays `trials` (started in this order) on `workers` workers under ASHA.
 * @throws RangeError when a trial has fewer reports than max_t needs, there is no trial, or workers < 1
 */
export function simulateAsha(trials: readonly AshaTrial[], settings: AshaSettings, workers: number): AshaRun {
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`workers is ${workers}: must be an integer ≥ 1`);
  if (trials.length === 0) throw new RangeError('ASHA needs at least one trial');
  const needed = Math.ceil(settings.maxT);
  for (const t of trials)
    if (t.reports.length < needed)
      throw new RangeError(
        `trial ${t.id} has ${t.reports.length} reports; max_t ${settings.maxT} needs ${needed}`,
      );
  const scheduler = new AshaScheduler(settings);
  interface Running {
    index: number;
    iteration: number;
    nextAt: number;
    startedAt: number;
  }
  const outcomes = new Map<string, AshaTrialOutcome>();
  const running: Running[] = [];
  let next = 0;
  const start = (now: number): void => {
    if (next >= trials.length) return;
    const index = next++;
    running.push({ index, iteration: 0, nextAt: now + trials[index]!.reports[0]!.seconds, startedAt: now });
  };
  for (let w = 0; w < workers; w++) start(0);
  let now = 0;
  while (running.length > 0) {
    // The next result to arrive; simultaneous ones in trial order.
    running.sort((a, b) => a.nextAt - b.nextAt || a.index - b.index);
    const r = running[0]!;
    now = r.nextAt;
    const trial = trials[r.index]!;
    const time = r.iteration + 1;
    const reward = trial.reports[r.iteration]!.reward;
    const action = scheduler.onTrialResult(trial.id, time, reward);
    if (action === 'CONTINUE') {
      r.iteration = time;
      r.nextAt = now + trial.reports[time]!.seconds;
      continue;
    }
    scheduler.onTrialComplete(trial.id, time, reward);
    outcomes.set(trial.id, {
      id: trial.id,
      iterations: time,
      lastReward: reward,
      stoppedBy: time >= settings.maxT ? 'max_t' : 'rung',
      startedAt: r.startedAt,
      stoppedAt: now,
    });
    running.shift();
    start(now);
  }
  const ordered = trials.map((t) => outcomes.get(t.id)!);
  let best = ordered[0]!;
  for (const o of ordered) if (o.lastReward > best.lastReward) best = o;
  return {
    trials: ordered,
    best: best.id,
    rungs: [...scheduler.bracket.rungs]
      .reverse()
      .map((r) => ({ milestone: r.milestone, recorded: [...r.recorded.keys()] })),
    makespan: now,
  };
}
