import { describe, expect, it } from 'vitest';
import {
  bracketOf,
  candidateEpochsSpent,
  halvingConfigProblems,
  HalvingConfigError,
  type HalvingConfig,
  type HalvingState,
  keepCount,
  nextStep,
  plannedRungSizes,
  recordFailure,
  recordScore,
  startHalving,
} from '../../../workflows/halving.js';
import { DEFAULT_HALVING_STOP } from '../../../activities/spec/sweep-spec.js';

const config = (over: Partial<HalvingConfig> = {}): HalvingConfig => ({
  rungs: [0.25, 0.5, 1, 2, 4],
  keepFraction: 1 / 3,
  ...DEFAULT_HALVING_STOP,
  maxCandidateEpochs: null,
  ...over,
});
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `c${i}`);

/** Drives a bracket to its decision with scores from `scoreOf(id, rung)`; returns the rung sizes trained. */
function drive(
  state: HalvingState,
  scoreOf: (id: string, rung: number) => number,
  uncertainty: number | null = null,
): { state: HalvingState; sizes: number[] } {
  const sizes: number[] = [];
  for (let guard = 0; guard < 100; guard += 1) {
    const step = nextStep(state);
    if (step.kind === 'decided') return { state, sizes };
    sizes.push(step.candidateIds.length);
    for (const id of step.candidateIds)
      state = recordScore(state, {
        candidateId: id,
        rung: step.rung,
        score: scoreOf(id, step.rung),
        uncertainty,
      });
  }
  throw new Error('no decision after 100 steps');
}

const rank = (id: string): number => Number(id.slice(1));

describe('keepCount', () => {
  it('keeps ⌊n × fraction⌋, at least one, at most n', () => {
    expect(keepCount(9, 1 / 3)).toBe(3);
    expect(keepCount(10, 1 / 3)).toBe(3);
    expect(keepCount(3, 1 / 3)).toBe(1);
    expect(keepCount(2, 1 / 3)).toBe(1);
    expect(keepCount(1, 1 / 3)).toBe(1);
    expect(keepCount(6, 0.5)).toBe(3);
    expect(keepCount(5, 1)).toBe(5);
    expect(keepCount(100, 0.001)).toBe(1);
  });
});

describe('successive halving', () => {
  it('trains every candidate at the first rung, then the best third at each following rung', () => {
    const state = startHalving(config(), ids(27));
    expect(nextStep(state)).toEqual({
      kind: 'train',
      rung: 0,
      epochs: 0.25,
      fromEpochs: 0,
      candidateIds: ids(27),
    });
    const { state: done, sizes } = drive(state, (id) => rank(id));
    expect(sizes).toEqual([27, 9, 3]);
    expect(plannedRungSizes(27, config())).toEqual([27, 9, 3, 1]);
    expect(done.decision).toMatchObject({ winner: 'c26', rung: 2, reason: 'sole-survivor' });
    // The cut ones leave with the rung they reached and the score they had there.
    const cutAt0 = done.exits.filter((e) => e.rung === 0);
    expect(cutAt0).toHaveLength(18);
    expect(cutAt0.every((e) => e.reason === 'cut' && e.epochs === 0.25 && e.score! < 18)).toBe(true);
    expect(done.exits.find((e) => e.candidateId === 'c20')).toMatchObject({
      rung: 1,
      epochs: 0.5,
      score: 20,
    });
    expect(candidateEpochsSpent(done)).toBeCloseTo(27 * 0.25 + 9 * 0.25 + 3 * 0.5);
  });

  it('tells each rung to continue from the previous one', () => {
    let state = startHalving(config({ rungs: [0.5, 1.5] }), ids(4));
    state = drive(state, () => 0).state; // ⌊4 × ⅓⌋ = 1 kept: decided without rung 2
    expect(state.decision?.reason).toBe('sole-survivor');
    state = startHalving(config({ rungs: [0.5, 1.5], keepFraction: 0.5 }), ids(4));
    for (const id of ids(4))
      state = recordScore(state, { candidateId: id, rung: 0, score: rank(id), uncertainty: null });
    expect(nextStep(state)).toEqual({
      kind: 'train',
      rung: 1,
      epochs: 1.5,
      fromEpochs: 0.5,
      candidateIds: ['c3', 'c2'],
    });
  });

  it('breaks ties by spec order, whatever order the results arrive in', () => {
    const cfg = config({ rungs: [1, 2], keepFraction: 0.5 });
    let a = startHalving(cfg, ['x', 'y', 'z', 'w']);
    let b = a;
    for (const id of ['x', 'y', 'z', 'w'])
      a = recordScore(a, { candidateId: id, rung: 0, score: 1, uncertainty: null });
    for (const id of ['w', 'z', 'y', 'x'])
      b = recordScore(b, { candidateId: id, rung: 0, score: 1, uncertainty: null });
    expect(nextStep(a)).toMatchObject({ rung: 1, candidateIds: ['x', 'y'] });
    expect(nextStep(b)).toMatchObject({ rung: 1, candidateIds: ['x', 'y'] });
    expect(a.exits.map((e) => e.candidateId)).toEqual(['z', 'w']);
  });

  it('stops when the leader is ahead by more than z × the combined uncertainty', () => {
    const cfg = config({ z: 2 });
    let state = startHalving(cfg, ['a', 'b', 'c']);
    // gap 0.1 vs margin 2 × √(0.03² + 0.03²) ≈ 0.085: decided.
    state = recordScore(state, { candidateId: 'a', rung: 0, score: 0.5, uncertainty: 0.03 });
    state = recordScore(state, { candidateId: 'b', rung: 0, score: 0.6, uncertainty: 0.03 });
    expect(nextStep(state).kind).toBe('train');
    state = recordScore(state, { candidateId: 'c', rung: 0, score: 0.3, uncertainty: 0.03 });
    expect(state.decision).toMatchObject({ winner: 'b', rung: 0, reason: 'margin' });
    expect(state.decision!.standings.map((s) => s.candidateId)).toEqual(['b', 'a', 'c']);
    expect(state.decision!.message).toMatch(/b leads a by 0\.100 > margin 0\.0849/);
    expect(state.exits).toEqual([]);
  });

  it('does not stop on a gap within the margin, or without an uncertainty', () => {
    const within = drive(
      startHalving(config({ rungs: [1, 2], keepFraction: 1 }), ['a', 'b']),
      (id) => (id === 'a' ? 0.6 : 0.52),
      0.03,
    );
    expect(within.sizes).toEqual([2, 2]);
    expect(within.state.decision).toMatchObject({ winner: 'a', rung: 1, reason: 'last-rung' });
    const unknown = drive(
      startHalving(config({ rungs: [1, 2], keepFraction: 1 }), ['a', 'b']),
      (id) => (id === 'a' ? 0.9 : 0.1),
      null,
    );
    expect(unknown.sizes).toEqual([2, 2]);
    expect(unknown.state.decision?.reason).toBe('last-rung');
    // minGap applies on top of the uncertainty.
    const gapped = drive(
      startHalving(config({ rungs: [1, 2], keepFraction: 1, minGap: 0.2 }), ['a', 'b']),
      (id) => (id === 'a' ? 0.6 : 0.45),
      0.001,
    );
    expect(gapped.state.decision?.reason).toBe('last-rung');
    const clear = drive(
      startHalving(config({ rungs: [1, 2], keepFraction: 1, minGap: 0.1 }), ['a', 'b']),
      (id) => (id === 'a' ? 0.6 : 0.45),
      0.001,
    );
    expect(clear.state.decision).toMatchObject({ reason: 'margin', rung: 0 });
    // z = Infinity turns the margin rule off.
    const off = drive(
      startHalving(config({ rungs: [1, 2], keepFraction: 1, z: Infinity }), ['a', 'b']),
      (id) => (id === 'a' ? 1 : 0),
      0,
    );
    expect(off.state.decision?.reason).toBe('last-rung');
  });

  it('an exact tie is never decided by the margin rule', () => {
    const tied = drive(startHalving(config({ rungs: [1], z: 0 }), ['a', 'b']), () => 0.5, 0);
    expect(tied.state.decision).toMatchObject({ winner: 'a', reason: 'last-rung' });
  });

  it('decides at the last rung when the margin never clears', () => {
    const { state, sizes } = drive(
      startHalving(config({ rungs: [0.5, 1, 2], keepFraction: 0.5 }), ids(8)),
      (id) => rank(id),
    );
    expect(sizes).toEqual([8, 4, 2]);
    expect(state.decision).toMatchObject({ winner: 'c7', rung: 2, reason: 'last-rung' });
    expect(
      bracketOf(state)
        .filter((b) => b.status === 'contender')
        .map((b) => b.candidateId),
    ).toEqual(['c6']);
    expect(bracketOf(state).find((b) => b.candidateId === 'c7')).toMatchObject({
      status: 'winner',
      rung: 2,
      epochs: 2,
      score: 7,
    });
    expect(bracketOf(state).find((b) => b.candidateId === 'c0')).toMatchObject({
      status: 'cut',
      rung: 0,
      epochs: 0.5,
    });
  });

  it('a single candidate is decided after the first rung', () => {
    const { state, sizes } = drive(startHalving(config(), ['only']), () => 0.4);
    expect(sizes).toEqual([1]);
    expect(state.decision).toMatchObject({ winner: 'only', rung: 0, reason: 'sole-survivor' });
  });

  it('stops before a rung that would overspend the budget', () => {
    // 6 × 0.5 = 3 spent; rung 2 would add 3 × 0.5 = 1.5 → 4.5 > 4.
    const { state, sizes } = drive(
      startHalving(config({ rungs: [0.5, 1], keepFraction: 0.5, maxCandidateEpochs: 4 }), ids(6)),
      (id) => rank(id),
    );
    expect(sizes).toEqual([6]);
    expect(state.decision).toMatchObject({ winner: 'c5', reason: 'budget', rung: 0 });
    expect(state.exits).toEqual([]);
    const fits = drive(
      startHalving(config({ rungs: [0.5, 1], keepFraction: 0.5, maxCandidateEpochs: 4.5 }), ids(6)),
      (id) => rank(id),
    );
    expect(fits.sizes).toEqual([6, 3]);
    expect(candidateEpochsSpent(fits.state)).toBeCloseTo(4.5);
    expect(() => startHalving(config({ rungs: [1], maxCandidateEpochs: 2 }), ids(3))).toThrow(
      /first rung alone spends 3/,
    );
  });

  it('a failed contender leaves the bracket with its message; the rest go on', () => {
    let state = startHalving(config({ rungs: [1, 2], keepFraction: 0.5 }), ['a', 'b', 'c', 'd']);
    state = recordFailure(state, { candidateId: 'b', rung: 0, message: 'NaN loss' });
    expect(nextStep(state)).toMatchObject({ kind: 'train', rung: 0, candidateIds: ['a', 'c', 'd'] });
    for (const id of ['a', 'c', 'd'])
      state = recordScore(state, { candidateId: id, rung: 0, score: id === 'a' ? 1 : 0, uncertainty: null });
    // 3 scored → ⌊1.5⌋ = 1 kept: sole survivor.
    expect(state.decision).toMatchObject({ winner: 'a', reason: 'sole-survivor' });
    expect(state.exits[0]).toMatchObject({
      candidateId: 'b',
      reason: 'failed',
      score: null,
      message: 'NaN loss',
      epochs: 1,
    });
    expect(bracketOf(state).find((b) => b.candidateId === 'b')?.status).toBe('failed');
  });

  it('every contender failing ends the bracket without a winner', () => {
    let state = startHalving(config({ rungs: [1, 2] }), ['a', 'b']);
    state = recordFailure(state, { candidateId: 'a', rung: 0, message: 'x' });
    state = recordFailure(state, { candidateId: 'b', rung: 0, message: 'y' });
    expect(state.decision).toMatchObject({ winner: null, reason: 'no-contender' });
  });

  it('refuses results out of turn and leaves the state untouched', () => {
    const state = startHalving(config({ rungs: [1, 2], keepFraction: 0.5 }), ['a', 'b', 'c', 'd']);
    const before = JSON.stringify(state);
    expect(() => recordScore(state, { candidateId: 'a', rung: 1, score: 1, uncertainty: null })).toThrow(
      /rung 0 is running/,
    );
    expect(() => recordScore(state, { candidateId: 'zz', rung: 0, score: 1, uncertainty: null })).toThrow(
      /not a contender/,
    );
    expect(() => recordScore(state, { candidateId: 'a', rung: 0, score: NaN, uncertainty: null })).toThrow(
      /must be finite/,
    );
    expect(() => recordScore(state, { candidateId: 'a', rung: 0, score: 1, uncertainty: -1 })).toThrow(/≥ 0/);
    const once = recordScore(state, { candidateId: 'a', rung: 0, score: 1, uncertainty: null });
    expect(() => recordScore(once, { candidateId: 'a', rung: 0, score: 2, uncertainty: null })).toThrow(
      /already has a result/,
    );
    expect(JSON.stringify(state)).toBe(before);
    const decided = drive(startHalving(config({ rungs: [1] }), ['a']), () => 1).state;
    expect(() => recordScore(decided, { candidateId: 'a', rung: 0, score: 1, uncertainty: null })).toThrow(
      /decided/,
    );
  });

  it('the state survives a JSON round trip (continue-as-new)', () => {
    let state = startHalving(config({ rungs: [1, 2, 3], keepFraction: 0.5 }), ids(8));
    for (const id of ids(5))
      state = recordScore(state, { candidateId: id, rung: 0, score: rank(id), uncertainty: 0.01 });
    const copy = JSON.parse(JSON.stringify(state)) as HalvingState;
    const a = drive(state, (id) => rank(id), 0.01).state;
    const b = drive(copy, (id) => rank(id), 0.01).state;
    expect(b).toEqual(a);
  });

  it('names the field and the fix of every invalid config', () => {
    expect(halvingConfigProblems(config())).toEqual([]);
    const fields = (c: Partial<HalvingConfig>) =>
      halvingConfigProblems(config(c)).map(([f, m]) => `${f}: ${m}`);
    expect(fields({ rungs: [] })).toEqual([expect.stringMatching(/^rungs: rungs needs at least one entry/)]);
    expect(fields({ rungs: [1, 1] })).toEqual([
      expect.stringMatching(
        /^rungs: rungs\[1\] is 1, not above rungs\[0\] = 1: rungs must strictly increase/,
      ),
    ]);
    expect(fields({ rungs: [0, 1] })).toEqual([
      expect.stringMatching(/^rungs: rungs\[0\] is 0: each rung is a positive number/),
    ]);
    expect(fields({ keepFraction: 0 })).toEqual([expect.stringMatching(/^keepFraction: .*\(0, 1\]/)]);
    expect(fields({ keepFraction: 1.5 })).toHaveLength(1);
    expect(fields({ z: -1 })).toEqual([expect.stringMatching(/^z: /)]);
    expect(fields({ minGap: -0.1 })).toEqual([expect.stringMatching(/^minGap: /)]);
    expect(fields({ maxCandidateEpochs: 0 })).toEqual([expect.stringMatching(/^maxCandidateEpochs: /)]);
    expect(() => startHalving(config({ rungs: [2, 1] }), ['a'])).toThrow(HalvingConfigError);
    expect(() => startHalving(config(), [])).toThrow(/at least one candidate/);
    expect(() => startHalving(config(), ['a', 'a'])).toThrow(/unique/);
  });
});

describe('keepTies', () => {
  // The demo's seed-0 case: after rung 1 three contenders within one standard error of each other.
  const close = { c0: 0.759, c1: 0.753, c2: 0.75 } as Record<string, number>;
  const scoreOf = (id: string, rung: number): number =>
    rung === 0 ? (close[id] ?? 0.1) : 0.7 + rank(id) / 100;

  it('without it, a third of three is one: the near-tie is cut by rank', () => {
    const { state, sizes } = drive(startHalving(config({ rungs: [0.25, 0.5, 1] }), ids(9)), scoreOf, 0.014);
    expect(sizes).toEqual([9, 3]);
    expect(state.decision).toMatchObject({ reason: 'sole-survivor' });
  });

  it('keeps every contender the margin cannot tell from the leader, and cuts the clear losers', () => {
    const s0 = startHalving(config({ rungs: [0.25, 0.5, 1], keepTies: true }), ids(9));
    // Rung 1: c0–c2 are close, the rest far below: a third (3) is kept by rank anyway.
    const { state, sizes } = drive(s0, (id, r) => (r === 0 ? (close[id] ?? 0.1) : close[id]!), 0.014);
    // Rung 2: the three are still within 2·√2·σ ≈ 0.04 of each other: all three go on to the last rung.
    expect(sizes).toEqual([9, 3, 3]);
    expect(state.decision).toMatchObject({ reason: 'last-rung', winner: 'c0' });
    expect(bracketOf(state).filter((b) => b.status === 'cut')).toHaveLength(6);
  });

  it('cuts by rank when the scores have no uncertainty (nothing to tell a tie by)', () => {
    const { state, sizes } = drive(
      startHalving(config({ rungs: [0.25, 0.5, 1], keepTies: true }), ids(9)),
      scoreOf,
      null,
    );
    expect(sizes).toEqual([9, 3]);
    expect(state.decision).toMatchObject({ reason: 'sole-survivor' });
  });

  it('a tie need not be a prefix of the standings: only who is tied is kept, the rest are cut', () => {
    let state = startHalving(config({ rungs: [0.25, 0.5], keepFraction: 0.25, keepTies: true }), ids(4));
    const rows: [string, number, number][] = [
      ['c0', 0.8, 0.01],
      ['c1', 0.79, 0.01], // margin 2·√2·0.01 ≈ 0.028 > gap 0.01: tied (and no margin stop)
      ['c2', 0.75, 0.005], // margin 2·√(0.01² + 0.005²) ≈ 0.022 < gap 0.05: cut
      ['c3', 0.74, 0.04], // margin ≈ 0.082 > gap 0.06: tied
    ];
    for (const [candidateId, score, uncertainty] of rows)
      state = recordScore(state, { candidateId, rung: 0, score, uncertainty });
    expect(state.decision).toBeNull();
    expect(state.contenders).toEqual(['c0', 'c1', 'c3']);
    expect(state.exits.map((e) => e.candidateId)).toEqual(['c2']);
  });
});
