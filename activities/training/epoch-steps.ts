/**
 * How an epoch count (fractions allowed) becomes optimizer steps: the one rounding rule the training loop,
 * the resume check and the reports share.
 */

/** Steps of a window of `epochs` epochs: round(epochs × stepsPerEpoch), at least one. */
export function stepsForEpochs(epochs: number, stepsPerEpoch: number): number {
  return Math.max(1, Math.round(epochs * stepsPerEpoch));
}
