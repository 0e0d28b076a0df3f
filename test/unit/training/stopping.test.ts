import { describe, expect, it } from 'vitest';
import {
  initialStoppingState,
  nextStoppingState,
  stoppingStateOf,
  type StoppingRule,
} from '../../../activities/training/stopping.js';

const rule: StoppingRule = { patience: 3, minDelta: 0 };

describe('early stopping state machine', () => {
  it('starts improving with no best epoch', () => {
    expect(initialStoppingState()).toEqual({
      phase: 'improving',
      bestEpoch: 0,
      bestValue: Number.NEGATIVE_INFINITY,
      sinceBest: 0,
      epochs: 0,
    });
  });

  it('walks improving → waiting → stopped after `patience` epochs without a new best', () => {
    const phases: string[] = [];
    let state = initialStoppingState();
    for (const v of [0.5, 0.6, 0.55, 0.6, 0.59]) {
      state = nextStoppingState(state, v, rule, 100);
      phases.push(state.phase);
    }
    // 0.6 again is not an improvement (strictly greater is needed).
    expect(phases).toEqual(['improving', 'improving', 'waiting', 'waiting', 'stopped']);
    expect(state).toMatchObject({ bestEpoch: 2, bestValue: 0.6, sinceBest: 3, epochs: 5, reason: 'plateau' });
  });

  it('resets the wait on a new best', () => {
    const state = stoppingStateOf([0.5, 0.4, 0.4, 0.7, 0.6], rule, 100);
    expect(state).toMatchObject({ phase: 'waiting', bestEpoch: 4, bestValue: 0.7, sinceBest: 1 });
  });

  it('needs more than minDelta to count as an improvement, but always takes the first value', () => {
    const r = { patience: 2, minDelta: 0.05 };
    expect(stoppingStateOf([0.1], r, 100)).toMatchObject({ phase: 'improving', bestEpoch: 1 });
    const state = stoppingStateOf([0.5, 0.54, 0.549], r, 100);
    expect(state).toMatchObject({ phase: 'stopped', reason: 'plateau', bestEpoch: 1, bestValue: 0.5 });
    expect(stoppingStateOf([0.5, 0.56], r, 100)).toMatchObject({ phase: 'improving', bestEpoch: 2 });
  });

  it('stops at the epoch limit, and says plateau when both fire on the same epoch', () => {
    expect(stoppingStateOf([0.1, 0.2, 0.3], rule, 3)).toMatchObject({
      phase: 'stopped',
      reason: 'max-epochs',
      bestEpoch: 3,
    });
    expect(stoppingStateOf([0.9, 0.1, 0.1, 0.1], rule, 4)).toMatchObject({ reason: 'plateau' });
  });

  it('treats a missing or non-finite accuracy as no improvement', () => {
    expect(stoppingStateOf([null, Number.NaN, null], rule, 100)).toMatchObject({
      phase: 'stopped',
      bestEpoch: 0,
      reason: 'plateau',
    });
  });

  it('stays stopped, and folding a prefix then the rest equals folding everything (resume)', () => {
    const values = [0.3, 0.5, 0.45, 0.52, 0.5, 0.5, 0.51, 0.6];
    const all = stoppingStateOf(values, rule, 100);
    let resumed = stoppingStateOf(values.slice(0, 3), rule, 100);
    for (const v of values.slice(3)) resumed = nextStoppingState(resumed, v, rule, 100);
    expect(resumed).toEqual(all);
    expect(all).toMatchObject({ phase: 'stopped', bestEpoch: 4, epochs: 7 });
  });
});
