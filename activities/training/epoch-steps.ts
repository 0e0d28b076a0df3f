/**
 * How an epoch count (fractions allowed) becomes optimizer steps: the one rounding rule the training loop,
 * the resume check and the reports share.
 */

/** Steps of a window of `epochs` epochs: round(epochs × stepsPerEpoch), at least one. */
export function stepsForEpochs(epochs: number, stepsPerEpoch: number): number {
  return Math.max(1, Math.round(epochs * stepsPerEpoch));
}

/**
 * Samples a window of `epochs` trains on: its whole epochs each see every one of `trainSamples`, the steps
 * after them a full batch each (an epoch's last, smaller batch is only ever its last step).
 */
export function samplesForEpochs(epochs: number, trainSamples: number, batchSize: number): number {
  const stepsPerEpoch = Math.ceil(trainSamples / batchSize);
  const steps = stepsForEpochs(epochs, stepsPerEpoch);
  const wholeEpochs = Math.floor(steps / stepsPerEpoch);
  return wholeEpochs * trainSamples + (steps - wholeEpochs * stepsPerEpoch) * batchSize;
}
