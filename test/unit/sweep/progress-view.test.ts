/** The progress line: its epoch counter, for whole-epoch and fractional windows, and what a candidate is fed. */
import { describe, expect, it } from 'vitest';
import type { CandidateProgress, SweepProgress } from '../../../workflows/sweep-api.js';
import { createProgressView, epochText } from '../../../scripts/sweeps/progress-view.js';

describe('epochText', () => {
  it('counts whole epochs for a whole-epoch window', () => {
    expect(epochText({ epoch: 2, totalEpochs: 3, step: 50, totalSteps: 141 })).toBe('epoch 2/3');
  });

  it('shows the epochs trained so far for a fractional window, never more than the window', () => {
    // A ½-epoch halving rung of 47 steps per epoch: 24 steps; at step 15 of them, 0.31 epochs.
    expect(epochText({ epoch: 1, totalEpochs: 0.5, step: 15, totalSteps: 24 })).toBe('epochs 0.31/0.5');
    expect(epochText({ epoch: 1, totalEpochs: 0.5, step: 24, totalSteps: 24 })).toBe('epochs 0.5/0.5');
    expect(epochText({ epoch: 2, totalEpochs: 1.25, step: 80, totalSteps: 59 })).toBe('epochs 1.25/1.25');
  });

  it('falls back to the epoch counter before the step count is known', () => {
    expect(epochText({ epoch: 0, totalEpochs: 0.25, step: 0, totalSteps: 0 })).toBe('epoch 0/0.25');
  });
});

describe('the progress line', () => {
  it("prints the candidate's input layout, size and normalisation once its training reports them", () => {
    const written: string[] = [];
    const stream = {
      isTTY: false,
      write: (line: string) => written.push(line),
    } as unknown as NodeJS.WriteStream;
    const view = createProgressView(stream);
    const candidate: CandidateProgress = {
      candidateId: 'mnv2',
      state: 'running',
      epoch: 1,
      totalEpochs: 3,
      step: 5,
      totalSteps: 30,
      loss: 1.5,
      betaEff: null,
      valAccuracy: null,
      etaSeconds: null,
      attempt: 1,
      reused: false,
      failure: null,
      input: { layout: 'NHWC', shape: [224, 224, 3], normalisation: 'caffe' },
    };
    const progress = { candidates: [candidate] } as unknown as SweepProgress;
    view.update(progress);
    expect(written.join('')).toMatch(/^mnv2: running epoch 1\/3 .*\[NHWC 224×224×3 · caffe\]\n$/);
  });
});
