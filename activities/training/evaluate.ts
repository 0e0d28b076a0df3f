/** Validation and test scoring: mean softmax cross-entropy and accuracy over a set of samples. */
import type { Tf } from '../tf/tf-namespace.js';
import type { Forward } from './loop-context.js';
import type { EvaluationSet } from './train-loop-types.js';

export interface Metrics {
  loss: number | null;
  accuracy: number | null;
}

/** Mean loss and accuracy over the set's indices; nulls when there are none. */
export async function evaluate(
  tf: Tf,
  set: EvaluationSet,
  batchSize: number,
  forward: Forward,
): Promise<Metrics> {
  const { feed, indices } = set;
  if (indices.length === 0) return { loss: null, accuracy: null };
  let lossSum = 0;
  let correct = 0;
  for await (const batch of feed.batches(indices, batchSize)) {
    try {
      const [lossTotal, hits] = tf.tidy(() => {
        const logits = forward.logits(batch.x);
        const perSample = tf.losses.softmaxCrossEntropy(
          forward.oneHot(batch.labels),
          logits,
          undefined,
          undefined,
          tf.Reduction.NONE,
        );
        const predicted = tf.argMax(logits, -1);
        return [
          tf.sum(perSample),
          tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(batch.labels, 'int32')), 'int32')),
        ];
      });
      lossSum += (await lossTotal.data())[0] as number;
      correct += (await hits.data())[0] as number;
      tf.dispose([lossTotal, hits]);
    } finally {
      batch.x.dispose();
    }
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length };
}
