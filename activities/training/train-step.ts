/** One optimizer step of the probe (and, in `finetune` mode, the backbone) on one batch. */
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import type { Batch } from './feed.js';
import type { LoopContext } from './loop-context.js';

/**
 * Minimises the batch's mean softmax cross-entropy over the network's trainable variables, inside
 * `tf.tidy` (the backbone in inference mode, the probe in training mode); returns that loss.
 */
export async function trainStep(loop: LoopContext, batch: Batch): Promise<number> {
  const { tf, optimizer, network, forward } = loop;
  const lossTensor = tf.tidy(
    () =>
      optimizer.minimize(
        () => {
          const logits = network.probe.model.apply(forward.probeInput(batch.x), { training: true }) as Tensor;
          return tf.losses.softmaxCrossEntropy(forward.oneHot(batch.labels), logits) as Scalar;
        },
        true,
        network.trainable,
      ) as Scalar,
  );
  try {
    return (await lossTensor.data())[0] as number;
  } finally {
    lossTensor.dispose();
  }
}
