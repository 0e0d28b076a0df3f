/** Epochs → steps → samples: the rounding the training loop, the resume check and the report's compute share. */
import { describe, expect, it } from 'vitest';
import { samplesForEpochs, stepsForEpochs } from '../../../activities/training/epoch-steps.js';

/** The oracle: walk the loop's batches (every epoch `n` samples in batches of `b`, the last one smaller). */
function walkedSamples(epochs: number, n: number, b: number): number {
  const perEpoch = Array.from({ length: Math.ceil(n / b) }, (_, i) => Math.min(b, n - i * b));
  const steps = stepsForEpochs(epochs, perEpoch.length);
  let samples = 0;
  for (let s = 0; s < steps; s++) samples += perEpoch[s % perEpoch.length]!;
  return samples;
}

describe('samplesForEpochs', () => {
  it('counts the samples of the steps a window trains, as the loop batches them', () => {
    // The demo zoo's case: ¼ epoch of 3,000 images in batches of 64 is 12 steps of 64, not 750 samples.
    expect(samplesForEpochs(0.25, 3000, 64)).toBe(768);
    for (const [n, b] of [
      [3000, 64],
      [300, 32],
      [100, 100],
      [7, 3],
      [1000, 1],
    ] as const)
      for (const epochs of [1 / 64, 0.25, 0.5, 1, 1.25, 2, 3.75])
        expect(samplesForEpochs(epochs, n, b), `${epochs} epochs of ${n} in ${b}`).toBe(
          walkedSamples(epochs, n, b),
        );
  });

  it('is every sample once per whole epoch', () => {
    expect(samplesForEpochs(1, 3000, 64)).toBe(3000);
    expect(samplesForEpochs(2, 2999, 64)).toBe(5998);
  });
});
