/**
 * Frozen features of an ONNX backbone: an adapted float NHWC batch is put in the model's layout and
 * element type, fed at the model's fixed batch size (the last batch zero-padded, its padding dropped) or
 * whole when the batch axis is dynamic, and the chosen output pooled like a GraphModel node's (4-D outputs
 * follow the input's layout: `[n, c, h, w]` for an NCHW model). A whole batch is fed without a copy and
 * the output pooled where onnxruntime leaves it, in JavaScript memory (`npm run bench:frozen` measures
 * what this path adds to `session.run`).
 */
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import { IncompatibleModelError } from './errors.js';
import type { AsyncFeatureExtractor } from './feature-cache.js';
import { fixedBatches, toModelInput } from './input-layout.js';
import { checkPoolable } from './model-zoo.js';
import { onnxFeatureOutput, type LoadedOnnxModel } from './onnx-model.js';
import { poolRows } from './pool-rows.js';
import type { Tf } from '../tf/tf-namespace.js';
import type { FeaturePooling } from './types.js';

type FeedArray = Float32Array | Int32Array | Uint8Array;

const feedArray = (dtype: LoadedOnnxModel['input']['dtype'], size: number): FeedArray =>
  dtype === 'float32'
    ? new Float32Array(size)
    : dtype === 'int32'
      ? new Int32Array(size)
      : new Uint8Array(size);

export interface OnnxExtractor {
  /** The output used as features. */
  featureLayer: string;
  extract: AsyncFeatureExtractor;
}

/**
 * The feature extractor of an ONNX backbone cut at `featureLayer` (an output name; default the first).
 * @throws IncompatibleModelError when the output does not exist (listing those there are); at extraction,
 *   when it is not float32 or pooling is asked of an output that is not 4-D.
 */
export function onnxFeatureExtractor(
  tf: Tf,
  model: LoadedOnnxModel,
  featureLayer: string | undefined,
  pooling: FeaturePooling,
): OnnxExtractor {
  const output = onnxFeatureOutput(model, featureLayer).name;
  const OrtTensorClass = model.runtime.Tensor;
  const channelsFirst = model.input.layout === 'NCHW';
  const extract: AsyncFeatureExtractor = async (x) => {
    const modelX = tf.tidy(() => toModelInput(tf, x, model.input));
    let values: Float32Array | Int32Array;
    try {
      values = (await modelX.data()) as Float32Array | Int32Array;
    } finally {
      modelX.dispose();
    }
    const [n, ...sampleDims] = modelX.shape as number[];
    const rowSize = sampleDims.reduce((a, b) => a * b, 1);
    const batch = model.input.batch ?? (n as number);
    let rows: Float32Array | undefined;
    let rowDims: number[] = [];
    for (const { start, count } of fixedBatches(n as number, batch)) {
      const feed = feedOf(model.input.dtype, values, { start, count }, rowSize, batch);
      const result = await model.session.run(
        { [model.input.name]: new OrtTensorClass(model.input.dtype, feed, [batch, ...sampleDims]) },
        [output],
      );
      const out = result[output] as OrtTensor;
      if (out.type !== 'float32') {
        throw new IncompatibleModelError(
          `output '${output}' of ONNX model ${model.uri} is ${out.type}; name a float32 output with model.featureLayer`,
          model.uri,
        );
      }
      if (pooling !== 'none') checkPoolable(out.dims, output, model.uri);
      const outRow = out.dims.slice(1).reduce((a, b) => a * b, 1);
      // Pooled where it lies (the output is a plain array), padding rows left out.
      const part = poolRows(
        (out.data as Float32Array).subarray(0, count * outRow),
        [count, ...out.dims.slice(1)],
        pooling,
        channelsFirst,
      );
      rowDims = pooling === 'none' ? out.dims.slice(1) : [part.length / count];
      if (count === n) rows = part;
      else {
        rows ??= new Float32Array((n as number) * (part.length / count));
        rows.set(part, start * (part.length / count));
      }
      out.dispose();
    }
    return tf.tensor(rows ?? new Float32Array(0), [n as number, ...rowDims]);
  };
  return { featureLayer: output, extract };
}

/**
 * The feed of rows `[start, start + count)` of `values` (`rowSize` elements each) at the model's batch:
 * `values` itself when it is the whole batch in the model's element type, else a zero-padded copy.
 */
function feedOf(
  dtype: LoadedOnnxModel['input']['dtype'],
  values: Float32Array | Int32Array,
  rows: { start: number; count: number },
  rowSize: number,
  batch: number,
): FeedArray {
  const size = batch * rowSize;
  const sameType =
    dtype === 'float32' ? values instanceof Float32Array : dtype === 'int32' && values instanceof Int32Array;
  if (sameType && rows.start === 0 && values.length === size) return values;
  const feed = feedArray(dtype, size);
  feed.set(values.subarray(rows.start * rowSize, (rows.start + rows.count) * rowSize));
  return feed;
}
