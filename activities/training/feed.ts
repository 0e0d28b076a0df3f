/**
 * Batches for training and evaluation, in a given sample order: either raw samples through the input
 * adapter (streamed, one batch read ahead) or precomputed frozen-backbone features (in memory).
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { SampleSource } from './dataset-source.js';
import type { InputAdapter } from './input-adapter.js';
import type { Tf } from '../tf/tf-namespace.js';

export interface Batch {
  /** Network input (model input or features); the consumer disposes it. */
  x: Tensor;
  labels: Int32Array;
  /** Dataset indices of the rows, in order. */
  indices: number[];
}

export interface Feed {
  /** Batches of `batchSize` (the last may be smaller) over `order`. */
  batches(order: readonly number[], batchSize: number): AsyncGenerator<Batch>;
}

function chunk(order: readonly number[], batchSize: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}

/** Raw samples from a dataset; the next batch's bytes are read while the current one trains. */
export function sampleFeed(source: SampleSource, adapt: InputAdapter): Feed {
  return {
    async *batches(order, batchSize) {
      const groups = chunk(order, batchSize);
      const read = (g: number[]) => {
        const p = source.readRows(g);
        p.catch(() => undefined); // surfaced when awaited; avoids an unhandled rejection if the consumer stops early
        return p;
      };
      let pending = groups.length > 0 ? read(groups[0] as number[]) : undefined;
      for (let b = 0; b < groups.length; b++) {
        const indices = groups[b] as number[];
        const raw = await (pending as Promise<Uint8Array | Float32Array>);
        pending = b + 1 < groups.length ? read(groups[b + 1] as number[]) : undefined;
        yield {
          x: adapt(raw, indices.length),
          labels: Int32Array.from(indices, (i) => source.labels[i] as number),
          indices,
        };
      }
    },
  };
}

/** Frozen-backbone features held in memory: row `rowOf(i)` of `features` belongs to dataset index `i`. */
export function featureFeed(
  tf: Tf,
  features: Float32Array,
  featureDim: number,
  rowOf: ReadonlyMap<number, number>,
  labels: Int32Array,
): Feed {
  return {
    async *batches(order, batchSize) {
      for (const indices of chunk(order, batchSize)) {
        const values = new Float32Array(indices.length * featureDim);
        indices.forEach((index, k) => {
          const row = rowOf.get(index);
          if (row === undefined) throw new Error(`no cached feature for sample ${index}`);
          values.set(features.subarray(row * featureDim, (row + 1) * featureDim), k * featureDim);
        });
        yield {
          x: tf.tensor2d(values, [indices.length, featureDim]),
          labels: Int32Array.from(indices, (i) => labels[i] as number),
          indices,
        };
      }
    },
  };
}
