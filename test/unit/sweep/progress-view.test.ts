/** The progress line's epoch counter, for whole-epoch and fractional windows. */
import { describe, expect, it } from 'vitest';
import { epochText } from '../../../scripts/sweeps/progress-view.js';

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
