/** The sweep workflow's progress book keeps what a running candidate reports it is fed. */
import { describe, expect, it } from 'vitest';
import { SweepState } from '../../../workflows/sweep-state.js';

describe('SweepState progress', () => {
  it("keeps a candidate's reported input across later reports that do not repeat it", () => {
    const state = new SweepState('s', ['a', 'b'], 1, undefined);
    state.start('a', {} as never);
    const input = { layout: 'NCHW', shape: [3, 32, 32], normalisation: 'imagenet' };
    const report = { candidateId: 'a', epoch: 1, totalEpochs: 1, step: 1, totalSteps: 4, attempt: 1 };
    state.applyProgress({ ...report, input });
    state.applyProgress({ ...report, step: 2 });
    const [a, b] = state.snapshot('2026-01-01T00:00:00Z', 1).candidates;
    expect(a).toMatchObject({ step: 2, input });
    expect(b!.input).toBeUndefined();
  });
});
