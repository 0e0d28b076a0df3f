/** Writing a checkpoint's saved values back into a network's weights. */
import type { Tf } from '../tf/tf-namespace.js';
import type { SavedVariable } from './checkpoint.js';
import { CheckpointMismatchError } from './errors.js';
import type { WeightHandle } from './train-loop-types.js';

/** Writes saved values back into the network's weights, by position. */
export function restoreWeights(
  tf: Tf,
  handles: readonly WeightHandle[],
  saved: readonly SavedVariable[],
  checkpointKey: string,
): void {
  if (handles.length !== saved.length) {
    throw new CheckpointMismatchError(
      `checkpoint ${checkpointKey} holds ${saved.length} weights but the network has ${handles.length}`,
      checkpointKey,
    );
  }
  handles.forEach((handle, i) => {
    const value = saved[i] as SavedVariable;
    const shape = handle.read().shape;
    if (shape.length !== value.shape.length || shape.some((d, k) => d !== value.shape[k])) {
      throw new CheckpointMismatchError(
        `checkpoint ${checkpointKey}: weight ${i} (${value.name}) has shape [${value.shape.join(', ')}], the network's ${handle.name} [${shape.join(', ')}]`,
        checkpointKey,
      );
    }
    const t = tf.tensor(value.values, value.shape, 'float32');
    try {
      handle.write(t);
    } finally {
      t.dispose();
    }
  });
}
