import { createHash } from 'node:crypto';
import type { ResolvedTrainingInput } from './resolve-input.js';

/**
 * Identity of a training setup: what must not change for a checkpoint to be resumed. The epoch count is
 * left out so a longer observation window can continue a shorter one.
 */
export function trainingFingerprint(
  input: ResolvedTrainingInput,
  weightsHash: string,
  featureLayer: string,
): string {
  const { epochs: _epochs, ...training } = input.training;
  // Without pooling the identity is what it was before pooling existed, so older checkpoints still resume.
  const { featurePooling, ...model } = input.model;
  return createHash('sha256')
    .update(
      JSON.stringify({
        v: 1,
        model: {
          ...model,
          ...(featurePooling !== 'none' ? { featurePooling } : {}),
          weightsHash,
          featureLayer,
        },
        dataset: input.dataset,
        mode: input.mode,
        probe: input.probe,
        training,
        // Only when on, so a raw-feature run keeps the identity it had before standardisation existed
        // (and its checkpoints are not resumed by a standardised one).
        ...(input.standardiseFeatures ? { standardiseFeatures: true } : {}),
      }),
    )
    .digest('hex');
}
