/** Validation and test scoring: mean softmax cross-entropy and accuracy over a set of samples. */
import type { Tf } from '../tf/tf-namespace.js';
import type { Forward } from './loop-context.js';
import type { EvaluationSet } from './train-loop-types.js';

export interface Metrics {
  loss: number | null;
  accuracy: number | null;
  /** 1 where the sample (in the set's index order) was classified correctly, else 0; empty without samples. */
  hits: Uint8Array;
}

/** Mean loss and accuracy over the set's indices, and each sample's outcome; nulls when there are none. */
export async function evaluate(
  tf: Tf,
  set: EvaluationSet,
  batchSize: number,
  forward: Forward,
): Promise<Metrics> {
  const { feed, indices } = set;
  if (indices.length === 0) return { loss: null, accuracy: null, hits: new Uint8Array(0) };
  let lossSum = 0;
  let seen = 0;
  let correct = 0;
  const hits = new Uint8Array(indices.length);
  for await (const batch of feed.batches(indices, batchSize)) {
    try {
      const [lossTotal, batchHits] = tf.tidy(() => {
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
          tf.cast(tf.equal(predicted, tf.tensor1d(batch.labels, 'int32')), 'int32'),
        ];
      });
      lossSum += (await lossTotal.data())[0] as number;
      for (const hit of (await batchHits.data()) as Int32Array) {
        hits[seen++] = hit;
        correct += hit;
      }
      tf.dispose([lossTotal, batchHits]);
    } finally {
      batch.x.dispose();
    }
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length, hits };
}
