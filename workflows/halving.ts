/**
 * Successive halving as an explicit, pure state machine (in the spirit of Ray Tune's ASHAScheduler and
 * Optuna's SuccessiveHalvingPruner, but synchronous and driven by ncap's predictor): every contender
 * trains to a rung (a number of epochs, fractions allowed), each one's score and uncertainty are recorded,
 * and when the rung is complete either the decision is made (the leader is clear, one contender is left,
 * the next rung would overspend the budget, or the last rung is done) or the best `keepFraction` continue
 * to the next rung and the rest are cut with the score they had.
 *
 * The state is a plain JSON value (it travels over continue-as-new and into reports), every function
 * returns a new state, nothing here reads a clock or a random source, and scores are just numbers: the
 * workflow computes them with the selection module, the time-to-decision benchmark replays recorded
 * validation curves. Type-only imports and pure arithmetic (score-margin), so both can load it.
 */
import type { SweepBracket } from '../activities/scoring/report-types.js';
import { scoreMargin } from '../activities/selection/score-margin.js';
import type { SweepSpec } from '../activities/spec/sweep-spec.js';

/** How a bracket is run. */
export interface HalvingConfig {
  /** Epochs trained by the end of each rung: strictly increasing, > 0, fractions allowed (e.g. [0.25, 0.5, 1]). */
  rungs: readonly number[];
  /** Fraction of a rung's contenders that go on to the next rung, in (0, 1]; at least one always does. */
  keepFraction: number;
  /**
   * Also keep every contender the stop rule cannot tell apart from the leader (its gap to the leader is
   * within the margin of {@link z} and {@link minGap}; both uncertainties known), so a near-tie is trained
   * further instead of cut by rank. Absent in brackets recorded before it existed: false.
   * @default false
   */
  keepTies?: boolean;
  /**
   * The decision is made after a rung once the leader's score exceeds the runner-up's by more than
   * `z × √(σ_leader² + σ_runner-up²)` (σ: the predictor's uncertainty) and by more than {@link minGap}.
   * A missing uncertainty never lets the margin rule fire. Infinity turns the rule off.
   * A spec's default is `DEFAULT_HALVING_STOP` in activities/spec/sweep-spec.ts, with `minGap`'s.
   */
  z: number;
  /** Smallest score gap that counts as decided, in score units. */
  minGap: number;
  /**
   * Budget in candidate-epochs (Σ over candidates of epochs trained): the bracket stops before a rung
   * that would spend more. null: no budget beyond the last rung.
   */
  maxCandidateEpochs: number | null;
}

/** One contender's result at a rung. */
export interface RungScore {
  candidateId: string;
  /** Rung index (0-based) the result is for. */
  rung: number;
  /** Higher = predicted better. */
  score: number;
  /** Standard deviation of `score`, or null when the predictor has none. */
  uncertainty: number | null;
}

/** Why a candidate left the bracket. */
export const EXIT_REASONS = ['cut', 'failed'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

/** A candidate that left the bracket before the decision. */
export interface HalvingExit {
  candidateId: string;
  /** Rung index it reached (trained to, or failed at). */
  rung: number;
  /** Epochs of that rung. */
  epochs: number;
  reason: ExitReason;
  /** Its score at that rung (null when it failed there). */
  score: number | null;
  uncertainty: number | null;
  /** For `failed`: the failure in one line. */
  message: string | null;
}

/** Why the bracket stopped. */
export const DECISION_REASONS = [
  /** The leader is ahead by more than the stop rule's margin. */
  'margin',
  /** Only one contender was left after a cut. */
  'sole-survivor',
  /** The next rung would spend more than `maxCandidateEpochs`. */
  'budget',
  /** The last rung is done. */
  'last-rung',
  /** Every contender of a rung failed: no winner. */
  'no-contender',
] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

export interface HalvingDecision {
  /** The leader, or null when every contender failed. */
  winner: string | null;
  /** Rung index after which the decision was made. */
  rung: number;
  reason: DecisionReason;
  /** One sentence for reports and logs. */
  message: string;
  /** The final rung's contenders, best first, with their scores there. */
  standings: RungScore[];
}

/** The whole bracket: plain data. */
export interface HalvingState {
  config: HalvingConfig;
  /** Every candidate, in spec order (ties break by this order). */
  candidateIds: string[];
  /** Rung being trained (index into `config.rungs`). */
  rung: number;
  /** Who trains to the current rung. */
  contenders: string[];
  /** Every result recorded, in arrival order. */
  scores: RungScore[];
  /** Who left the bracket, in order of leaving. */
  exits: HalvingExit[];
  decision: HalvingDecision | null;
  /**
   * Rung after which the bracket decides whatever the margin says: an extension trains its tied
   * candidates one rung further and decides again. Absent: the last rung of `config.rungs`.
   */
  lastRung?: number;
}

/** What the driver does next. */
export type HalvingStep =
  | { kind: 'train'; rung: number; epochs: number; fromEpochs: number; candidateIds: string[] }
  | { kind: 'decided'; decision: HalvingDecision };

/** A config that breaks a rule; `field` names the key. */
export class HalvingConfigError extends Error {
  constructor(
    readonly field: keyof HalvingConfig | 'candidateIds',
    message: string,
  ) {
    super(message);
    this.name = 'HalvingConfigError';
  }
}

/** Every problem of a config, as `[field, message]` (empty when valid). */
export function halvingConfigProblems(config: HalvingConfig): [keyof HalvingConfig, string][] {
  const problems: [keyof HalvingConfig, string][] = [];
  const { rungs, keepFraction, z, minGap, maxCandidateEpochs } = config;
  if (rungs.length === 0) problems.push(['rungs', 'rungs needs at least one entry, e.g. [0.25, 0.5, 1]']);
  rungs.forEach((r, i) => {
    if (!Number.isFinite(r) || r <= 0)
      problems.push(['rungs', `rungs[${i}] is ${r}: each rung is a positive number of epochs`]);
    else if (i > 0 && !(r > rungs[i - 1]!))
      problems.push([
        'rungs',
        `rungs[${i}] is ${r}, not above rungs[${i - 1}] = ${rungs[i - 1]}: rungs must strictly increase`,
      ]);
  });
  if (!Number.isFinite(keepFraction) || keepFraction <= 0 || keepFraction > 1)
    problems.push(['keepFraction', `keepFraction is ${keepFraction}: use a fraction in (0, 1], e.g. 1/3`]);
  if (Number.isNaN(z) || z < 0) problems.push(['z', `z is ${z}: use a number ≥ 0 (or Infinity to turn off)`]);
  if (!Number.isFinite(minGap) || minGap < 0)
    problems.push(['minGap', `minGap is ${minGap}: use a number ≥ 0`]);
  if (maxCandidateEpochs !== null && (!Number.isFinite(maxCandidateEpochs) || maxCandidateEpochs <= 0))
    problems.push([
      'maxCandidateEpochs',
      `maxCandidateEpochs is ${maxCandidateEpochs}: use a positive number of candidate-epochs, or null`,
    ]);
  return problems;
}

/** How many of `n` contenders go on: ⌊n × keepFraction⌋, at least 1 (a tiny slack absorbs 3 × ⅓ = 0.999…). */
export function keepCount(n: number, keepFraction: number): number {
  return Math.max(1, Math.min(n, Math.floor(n * keepFraction + 1e-9)));
}

/** Contenders of each rung if no one fails and no early decision is made (for planning and docs). */
export function plannedRungSizes(
  candidates: number,
  config: Pick<HalvingConfig, 'rungs' | 'keepFraction'>,
): number[] {
  const sizes: number[] = [];
  let n = candidates;
  for (let r = 0; r < config.rungs.length; r += 1) {
    sizes.push(n);
    if (n === 1) break;
    n = keepCount(n, config.keepFraction);
  }
  return sizes;
}

/** A new bracket: every candidate trains to the first rung. */
export function startHalving(config: HalvingConfig, candidateIds: readonly string[]): HalvingState {
  const problems = halvingConfigProblems(config);
  if (problems.length > 0)
    throw new HalvingConfigError(problems[0]![0], problems.map((p) => p[1]).join('; '));
  if (candidateIds.length === 0)
    throw new HalvingConfigError('candidateIds', 'a bracket needs at least one candidate');
  if (new Set(candidateIds).size !== candidateIds.length)
    throw new HalvingConfigError('candidateIds', 'candidate ids must be unique');
  const firstRungCost = candidateIds.length * config.rungs[0]!;
  if (config.maxCandidateEpochs !== null && firstRungCost > config.maxCandidateEpochs + 1e-9)
    throw new HalvingConfigError(
      'maxCandidateEpochs',
      `the first rung alone spends ${fmt(firstRungCost)} candidate-epochs (${candidateIds.length} × ${config.rungs[0]}), above maxCandidateEpochs ${config.maxCandidateEpochs}: raise it or lower rungs[0]`,
    );
  const state: HalvingState = {
    config: { ...config, rungs: [...config.rungs] },
    candidateIds: [...candidateIds],
    rung: 0,
    contenders: [...candidateIds],
    scores: [],
    exits: [],
    decision: null,
  };
  return state;
}

/** The next thing to do: train the contenders still without a result at this rung, or the decision. */
export function nextStep(state: HalvingState): HalvingStep {
  if (state.decision) return { kind: 'decided', decision: state.decision };
  const done = new Set(state.scores.filter((s) => s.rung === state.rung).map((s) => s.candidateId));
  for (const e of state.exits) if (e.rung === state.rung) done.add(e.candidateId);
  return {
    kind: 'train',
    rung: state.rung,
    epochs: state.config.rungs[state.rung]!,
    fromEpochs: state.rung === 0 ? 0 : state.config.rungs[state.rung - 1]!,
    candidateIds: state.contenders.filter((id) => !done.has(id)),
  };
}

function assertPending(state: HalvingState, candidateId: string, rung: number): void {
  if (state.decision)
    throw new Error(`the bracket is decided; no more results (got one for '${candidateId}')`);
  if (rung !== state.rung)
    throw new Error(`result for '${candidateId}' at rung ${rung}, but rung ${state.rung} is running`);
  if (!state.contenders.includes(candidateId))
    throw new Error(`'${candidateId}' is not a contender at rung ${rung}`);
  const pending = nextStep(state);
  if (pending.kind !== 'train' || !pending.candidateIds.includes(candidateId))
    throw new Error(`'${candidateId}' already has a result at rung ${rung}`);
}

/** Records one contender's score at the current rung; closes the rung when it was the last one missing. */
export function recordScore(state: HalvingState, result: RungScore): HalvingState {
  assertPending(state, result.candidateId, result.rung);
  if (!Number.isFinite(result.score))
    throw new Error(`score of '${result.candidateId}' is ${result.score}: must be finite`);
  if (result.uncertainty !== null && !(result.uncertainty >= 0))
    throw new Error(`uncertainty of '${result.candidateId}' is ${result.uncertainty}: must be ≥ 0 or null`);
  return closeIfComplete({ ...state, scores: [...state.scores, { ...result }] });
}

/** Records that a contender failed (or was cancelled) at the current rung: it leaves the bracket. */
export function recordFailure(
  state: HalvingState,
  failure: { candidateId: string; rung: number; message: string },
): HalvingState {
  assertPending(state, failure.candidateId, failure.rung);
  const exit: HalvingExit = {
    candidateId: failure.candidateId,
    rung: failure.rung,
    epochs: state.config.rungs[failure.rung]!,
    reason: 'failed',
    score: null,
    uncertainty: null,
    message: failure.message,
  };
  return closeIfComplete({ ...state, exits: [...state.exits, exit] });
}

/** Best first; ties by spec order, so the outcome never depends on arrival order. */
function standingsAt(state: HalvingState, rung: number): RungScore[] {
  const order = new Map(state.candidateIds.map((id, i) => [id, i]));
  return state.scores
    .filter((s) => s.rung === rung)
    .sort((a, b) => b.score - a.score || order.get(a.candidateId)! - order.get(b.candidateId)!);
}

/** The stop rule's margin between the leader and the runner-up (Infinity when an uncertainty is missing). */
export function decisionMargin(
  config: Pick<HalvingConfig, 'z' | 'minGap'>,
  leader: RungScore,
  runnerUp: RungScore,
): number {
  if (leader.uncertainty === null || runnerUp.uncertainty === null || config.z === Infinity) return Infinity;
  return scoreMargin(config.z, config.minGap, leader.uncertainty, runnerUp.uncertainty);
}

/** Whether the stop rule cannot tell `other` apart from the leader: both uncertainties known, gap within the margin. */
export function tiedWithLeader(
  config: Pick<HalvingConfig, 'z' | 'minGap'>,
  leader: RungScore,
  other: RungScore,
): boolean {
  if (leader.uncertainty === null || other.uncertainty === null) return false;
  return leader.score - other.score <= decisionMargin(config, leader, other);
}

/** Candidate-epochs spent by the end of the current rung's training (cut and failed ones included). */
export function candidateEpochsSpent(state: HalvingState): number {
  const reached = new Map<string, number>();
  for (const s of state.scores)
    reached.set(s.candidateId, Math.max(reached.get(s.candidateId) ?? 0, state.config.rungs[s.rung]!));
  for (const e of state.exits)
    if (e.reason === 'failed')
      reached.set(e.candidateId, Math.max(reached.get(e.candidateId) ?? 0, e.epochs));
  let total = 0;
  for (const epochs of reached.values()) total += epochs;
  return total;
}

function decide(
  state: HalvingState,
  standings: RungScore[],
  reason: DecisionReason,
  message: string,
): HalvingState {
  return {
    ...state,
    decision: { winner: standings[0]?.candidateId ?? null, rung: state.rung, reason, message, standings },
  };
}

function closeIfComplete(state: HalvingState): HalvingState {
  const step = nextStep(state);
  if (step.kind !== 'train' || step.candidateIds.length > 0) return state;
  const { config, rung } = state;
  const standings = standingsAt(state, rung);
  const epochs = config.rungs[rung]!;
  const at = `after rung ${rung + 1} of ${config.rungs.length} (${epochs} epochs)`;
  if (standings.length === 0) return decide(state, standings, 'no-contender', `every contender failed ${at}`);
  const [leader, runnerUp] = standings;
  if (runnerUp) {
    const margin = decisionMargin(config, leader!, runnerUp);
    const gap = leader!.score - runnerUp.score;
    if (gap > margin)
      return decide(
        state,
        standings,
        'margin',
        `${leader!.candidateId} leads ${runnerUp.candidateId} by ${fmt(gap)} > margin ${fmt(margin)} ${at}`,
      );
  }
  if (rung === config.rungs.length - 1 || rung === state.lastRung)
    return decide(
      state,
      standings,
      'last-rung',
      `${leader!.candidateId} leads ${at}, the last rung${rung === state.lastRung ? ' of this extension' : ''}`,
    );
  if (standings.length === 1)
    return decide(
      state,
      standings,
      'sole-survivor',
      `${leader!.candidateId} is the only contender left ${at}`,
    );
  const byRank = keepCount(standings.length, config.keepFraction);
  const kept = standings.filter(
    (s, i) => i < byRank || (config.keepTies === true && tiedWithLeader(config, leader!, s)),
  );
  const cut = standings.filter((s) => !kept.includes(s));
  const exits: HalvingExit[] = cut.map((s) => ({
    candidateId: s.candidateId,
    rung,
    epochs,
    reason: 'cut',
    score: s.score,
    uncertainty: s.uncertainty,
    message: null,
  }));
  if (kept.length === 1)
    return decide(
      { ...state, exits: [...state.exits, ...exits] },
      standings,
      'sole-survivor',
      `${leader!.candidateId} is the only one kept ${at}`,
    );
  const nextEpochs = config.rungs[rung + 1]!;
  const spent = candidateEpochsSpent(state);
  const nextCost = kept.length * (nextEpochs - epochs);
  if (config.maxCandidateEpochs !== null && spent + nextCost > config.maxCandidateEpochs + 1e-9)
    return decide(
      state,
      standings,
      'budget',
      `${leader!.candidateId} leads ${at}; rung ${rung + 2} would spend ${fmt(spent + nextCost)} of ${fmt(config.maxCandidateEpochs)} candidate-epochs`,
    );
  return {
    ...state,
    rung: rung + 1,
    contenders: kept.map((s) => s.candidateId),
    exits: [...state.exits, ...exits],
  };
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(3));

/** Rung each candidate reached (index), and whether it is still in, was cut, failed or won. */
export function bracketOf(state: HalvingState): {
  candidateId: string;
  rung: number;
  epochs: number;
  status: 'contender' | 'winner' | ExitReason;
  score: number | null;
  uncertainty: number | null;
}[] {
  const exits = new Map(state.exits.map((e) => [e.candidateId, e]));
  const latest = new Map<string, RungScore>();
  for (const s of state.scores) latest.set(s.candidateId, s);
  return state.candidateIds.map((id) => {
    const exit = exits.get(id);
    if (exit)
      return {
        candidateId: id,
        rung: exit.rung,
        epochs: exit.epochs,
        status: exit.reason,
        score: exit.score,
        uncertainty: exit.uncertainty,
      };
    const s = latest.get(id);
    const rung = state.decision ? state.decision.rung : state.rung;
    return {
      candidateId: id,
      rung,
      epochs: state.config.rungs[rung]!,
      status: state.decision?.winner === id ? 'winner' : 'contender',
      score: s?.score ?? null,
      uncertainty: s?.uncertainty ?? null,
    };
  });
}

/** The spec's `budget` block when it runs a bracket. */
export type HalvingBudget = Extract<SweepSpec['budget'], { strategy: 'halving' }>;

/** The state machine's config from the spec's `budget` block. */
export function halvingConfigOf(budget: HalvingBudget): HalvingConfig {
  return {
    rungs: budget.rungs,
    keepFraction: budget.keepFraction,
    // Only when set, so a bracket carried across continue-as-new keeps the shape it started with.
    ...(budget.keepTies ? { keepTies: true } : {}),
    z: budget.stop.z,
    minGap: budget.stop.minGap,
    maxCandidateEpochs: budget.stop.maxCandidateEpochs ?? null,
  };
}

/** The bracket as the report and the result show it. */
export function bracketSummary(halving: HalvingState): SweepBracket {
  const { decision, config } = halving;
  // Earlier rungs by who trained them; the current (or deciding) rung by its contenders.
  const rungSizes = config.rungs
    .slice(0, halving.rung)
    .map(
      (_, r) =>
        new Set([...halving.scores, ...halving.exits].filter((x) => x.rung === r).map((x) => x.candidateId))
          .size,
    )
    .concat(halving.contenders.length);
  return {
    rungs: [...config.rungs],
    keepFraction: config.keepFraction,
    ...(config.keepTies ? { keepTies: true } : {}),
    rungSizes,
    decision: decision
      ? {
          winner: decision.winner,
          rung: decision.rung,
          epochs: config.rungs[decision.rung]!,
          reason: decision.reason,
          message: decision.message,
        }
      : null,
    entries: bracketOf(halving),
    scores: halving.scores.map((s) => ({ ...s, epochs: config.rungs[s.rung]! })),
    candidateEpochs: candidateEpochsSpent(halving),
  };
}

/** Whether a bracket entry trained to `rung` and was still in the race there (kept, or cut only by rank after it). */
function inRaceAt(entry: SweepBracket['entries'][number], rung: number): boolean {
  return entry.rung === rung && entry.status !== 'failed';
}

/** Who an extension trains, and to which rung (index into the bracket's rungs). */
export interface BracketExtension {
  candidateIds: string[];
  rung: number;
}

/** Why a decided bracket has nothing to extend, or the extension that would settle its tie. */
export type ExtensionPlan =
  | { kind: 'extend'; extension: BracketExtension; message: string }
  | { kind: 'no-tie' | 'last-rung' | 'undecided'; message: string };

/**
 * The tie a decided bracket left: the deciding rung's contenders (those cut by rank after it included) the
 * stop rule cannot tell from the winner (gap within its margin, both uncertainties known), winner
 * included, trained one rung further. `tieSet`: the decision confidence's tie set at the deciding rung
 * (report.json's `decision.confidence`), which pairs the contenders image by image; it takes precedence.
 */
export function extensionPlan(
  config: Pick<HalvingConfig, 'z' | 'minGap'>,
  bracket: SweepBracket,
  tieSet?: readonly string[],
): ExtensionPlan {
  const { decision } = bracket;
  if (!decision || decision.winner === null)
    return {
      kind: 'undecided',
      message: 'the bracket has no decision to extend (cancelled, or no contender left)',
    };
  const standings = bracket.entries
    .filter((e) => inRaceAt(e, decision.rung))
    .filter((e): e is typeof e & { score: number } => e.score !== null)
    .map((e) => ({ candidateId: e.candidateId, rung: e.rung, score: e.score, uncertainty: e.uncertainty }))
    .sort((a, b) => b.score - a.score);
  const leader = standings.find((s) => s.candidateId === decision.winner) ?? standings[0];
  // The decision's own tie set (paired on the same images) when the report has one; else the stop rule on the standings.
  const tied = !leader
    ? []
    : tieSet
      ? standings.filter((s) => s === leader || tieSet.includes(s.candidateId))
      : standings.filter((s) => s === leader || tiedWithLeader(config, leader, s));
  const at = `at rung ${decision.rung + 1} of ${bracket.rungs.length} (${decision.epochs} epochs)`;
  if (tied.length < 2)
    return {
      kind: 'no-tie',
      message: `${decision.winner} is ahead of every other contender by more than the stop rule's margin ${at}: nothing to settle`,
    };
  const names = tied.map((s) => s.candidateId).join(', ');
  if (decision.rung >= bracket.rungs.length - 1)
    return {
      kind: 'last-rung',
      message: `${names} are tied ${at}, the last rung: no further rung to train them to`,
    };
  const rung = decision.rung + 1;
  return {
    kind: 'extend',
    extension: { candidateIds: tied.map((s) => s.candidateId), rung },
    message: `${names} are tied ${at}; training them to rung ${rung + 1} (${bracket.rungs[rung]} epochs)`,
  };
}

/**
 * A decided bracket, reopened to train `extension.candidateIds` to `extension.rung` and decide there: the
 * other contenders of the deciding rung count as cut at it, earlier exits stay as they were.
 */
export function extendBracket(
  config: HalvingConfig,
  bracket: SweepBracket,
  extension: BracketExtension,
): HalvingState {
  const { decision } = bracket;
  if (!decision) throw new HalvingConfigError('candidateIds', 'only a decided bracket can be extended');
  if (!(extension.rung > decision.rung && extension.rung < config.rungs.length))
    throw new HalvingConfigError(
      'rungs',
      `extension rung ${extension.rung} is not after the deciding rung ${decision.rung} and within the bracket's ${config.rungs.length} rungs`,
    );
  const trained = new Set(extension.candidateIds);
  const exits: HalvingExit[] = [];
  const scores: RungScore[] = [];
  for (const e of bracket.entries) {
    if (e.score !== null)
      scores.push({ candidateId: e.candidateId, rung: e.rung, score: e.score, uncertainty: e.uncertainty });
    if (trained.has(e.candidateId) && inRaceAt(e, decision.rung)) continue;
    exits.push({
      candidateId: e.candidateId,
      rung: e.rung,
      epochs: e.epochs,
      reason: e.status === 'failed' ? 'failed' : 'cut',
      score: e.score,
      uncertainty: e.uncertainty,
      message: e.status === 'failed' ? 'failed in an earlier run of this sweep' : null,
    });
  }
  const unknown = extension.candidateIds.filter(
    (id) => !bracket.entries.some((e) => e.candidateId === id && inRaceAt(e, decision.rung)),
  );
  if (unknown.length > 0)
    throw new HalvingConfigError(
      'candidateIds',
      `${unknown.join(', ')} ${unknown.length === 1 ? 'was' : 'were'} not in the race at the decision: only its contenders can be extended`,
    );
  return {
    config: { ...config, rungs: [...config.rungs] },
    candidateIds: bracket.entries.map((e) => e.candidateId),
    rung: extension.rung,
    contenders: [...extension.candidateIds],
    scores,
    exits,
    decision: null,
    lastRung: extension.rung,
  };
}
