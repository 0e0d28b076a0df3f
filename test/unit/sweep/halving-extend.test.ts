import { describe, expect, it } from 'vitest';
import {
  bracketSummary,
  extendBracket,
  extensionPlan,
  HalvingConfigError,
  nextStep,
  recordScore,
  startHalving,
  type HalvingConfig,
  type HalvingState,
} from '../../../workflows/halving.js';

/** Three rungs; a budget that stops after the first, so a decision can leave a near-tie with rungs to spare. */
const config: HalvingConfig = { rungs: [1, 2, 4], keepFraction: 1, z: 2, minGap: 0, maxCandidateEpochs: 3 };

function decidedAtFirstRung(scores: Record<string, number>, sigma: number | null = 0.01): HalvingState {
  let state = startHalving(config, Object.keys(scores));
  for (const [candidateId, score] of Object.entries(scores))
    state = recordScore(state, { candidateId, rung: 0, score, uncertainty: sigma });
  return state;
}

describe('extensionPlan', () => {
  it('extends exactly the contenders within the stop rule margin of the winner, one rung further', () => {
    // margin = 2 × √2 × 0.01 ≈ 0.0283: b (gap 0.01) is tied with a, c (gap 0.3) is not.
    const state = decidedAtFirstRung({ a: 0.8, b: 0.79, c: 0.5 });
    expect(state.decision?.reason).toBe('budget');
    const plan = extensionPlan(config, bracketSummary(state));
    expect(plan.kind).toBe('extend');
    if (plan.kind !== 'extend') return;
    expect(plan.extension).toEqual({ candidateIds: ['a', 'b'], rung: 1 });
    expect(plan.message).toContain('a, b are tied');
  });

  it('a gap just beyond the margin is no tie; just within it is', () => {
    const margin = 2 * Math.hypot(0.01, 0.01);
    expect(
      extensionPlan(config, bracketSummary(decidedAtFirstRung({ a: 0.8, b: 0.8 - margin * 1.01 }))).kind,
    ).toBe('no-tie');
    expect(
      extensionPlan(config, bracketSummary(decidedAtFirstRung({ a: 0.8, b: 0.8 - margin * 0.99 }))).kind,
    ).toBe('extend');
  });

  it('a tied runner-up cut by rank at the deciding rung (a sole survivor) is part of the tie', () => {
    let state = startHalving({ ...config, keepFraction: 1 / 3, maxCandidateEpochs: null }, ['a', 'b', 'c']);
    for (const [id, score] of [
      ['a', 0.8],
      ['b', 0.8],
      ['c', 0.3],
    ] as const)
      state = recordScore(state, { candidateId: id, rung: 0, score, uncertainty: 0.01 });
    expect(state.decision).toMatchObject({ winner: 'a', reason: 'sole-survivor' });
    const bracket = bracketSummary(state);
    expect(bracket.entries.find((e) => e.candidateId === 'b')?.status).toBe('cut');
    expect(extensionPlan(config, bracket)).toMatchObject({
      kind: 'extend',
      extension: { candidateIds: ['a', 'b'], rung: 1 },
    });
    const extended = extendBracket(config, bracket, { candidateIds: ['a', 'b'], rung: 1 });
    expect(nextStep(extended)).toMatchObject({ kind: 'train', candidateIds: ['a', 'b'] });
  });

  it('a given tie set (the paired one of the report) decides who is tied, among the deciding rung’s contenders', () => {
    const bracket = bracketSummary(decidedAtFirstRung({ a: 0.8, b: 0.79, c: 0.5 }));
    expect(extensionPlan(config, bracket, ['a', 'c'])).toMatchObject({
      kind: 'extend',
      extension: { candidateIds: ['a', 'c'] },
    });
    expect(extensionPlan(config, bracket, ['a']).kind).toBe('no-tie');
    expect(extensionPlan(config, bracket, ['a', 'gone']).kind).toBe('no-tie');
  });

  it('without uncertainties nothing can be called a tie', () => {
    const plan = extensionPlan(config, bracketSummary(decidedAtFirstRung({ a: 0.8, b: 0.8 }, null)));
    expect(plan.kind).toBe('no-tie');
  });

  it('says when a tie is at the last rung, and when there is no decision', () => {
    let state = startHalving({ ...config, rungs: [1], maxCandidateEpochs: null }, ['a', 'b']);
    for (const id of ['a', 'b'])
      state = recordScore(state, { candidateId: id, rung: 0, score: 0.8, uncertainty: 0.01 });
    expect(extensionPlan(config, bracketSummary(state)).kind).toBe('last-rung');
    expect(extensionPlan(config, bracketSummary(startHalving(config, ['a', 'b']))).kind).toBe('undecided');
  });
});

describe('extendBracket', () => {
  const previous = bracketSummary(decidedAtFirstRung({ a: 0.8, b: 0.79, c: 0.5 }));

  it('trains only the tied candidates from the deciding rung to the next, and counts the rest as cut', () => {
    const state = extendBracket(config, previous, { candidateIds: ['a', 'b'], rung: 1 });
    expect(nextStep(state)).toEqual({
      kind: 'train',
      rung: 1,
      epochs: 2,
      fromEpochs: 1,
      candidateIds: ['a', 'b'],
    });
    expect(state.exits.map((e) => [e.candidateId, e.reason, e.rung])).toEqual([['c', 'cut', 0]]);
  });

  it('decides again after the extension rung, on the margin or at the extension’s end', () => {
    const extended = extendBracket(config, previous, { candidateIds: ['a', 'b'], rung: 1 });
    let clear = recordScore(extended, { candidateId: 'a', rung: 1, score: 0.7, uncertainty: 0.01 });
    clear = recordScore(clear, { candidateId: 'b', rung: 1, score: 0.9, uncertainty: 0.01 });
    expect(clear.decision).toMatchObject({ winner: 'b', rung: 1, reason: 'margin' });
    let still = recordScore(extended, { candidateId: 'a', rung: 1, score: 0.8, uncertainty: 0.01 });
    still = recordScore(still, { candidateId: 'b', rung: 1, score: 0.8, uncertainty: 0.01 });
    // Rung 2 exists, but an extension trains one rung: it decides at rung 1 whatever the margin says.
    expect(still.decision).toMatchObject({ winner: 'a', rung: 1, reason: 'last-rung' });
    const summary = bracketSummary(still);
    expect(summary.entries.map((e) => [e.candidateId, e.status, e.epochs])).toEqual([
      ['a', 'winner', 2],
      ['b', 'contender', 2],
      ['c', 'cut', 1],
    ]);
    // Σ epochs: a and b to 2, c to 1.
    expect(summary.candidateEpochs).toBe(5);
    // A tie left by an extension can be extended again.
    expect(extensionPlan(config, summary)).toMatchObject({ kind: 'extend', extension: { rung: 2 } });
  });

  it('refuses a candidate that was not in the race, and a rung that is not after the decision', () => {
    // c was cut at rung 0; the extension decided at rung 1.
    let later = extendBracket(config, previous, { candidateIds: ['a', 'b'], rung: 1 });
    for (const id of ['a', 'b'])
      later = recordScore(later, { candidateId: id, rung: 1, score: 0.8, uncertainty: 0.01 });
    expect(() => extendBracket(config, bracketSummary(later), { candidateIds: ['a', 'c'], rung: 2 })).toThrow(
      /c was not in the race/,
    );
    expect(() => extendBracket(config, previous, { candidateIds: ['a', 'b'], rung: 0 })).toThrow(
      /not after the deciding rung/,
    );
    expect(() => extendBracket(config, previous, { candidateIds: ['a', 'b'], rung: 3 })).toThrow(
      HalvingConfigError,
    );
  });

  it('survives a JSON round trip (continue-as-new carries it)', () => {
    const state = extendBracket(config, previous, { candidateIds: ['a', 'b'], rung: 1 });
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});
