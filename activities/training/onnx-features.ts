/**
 * Frozen features of an ONNX backbone: an adapted float NHWC batch is put in the model's layout and
 * element type, fed at the model's fixed batch size (the last batch zero-padded, its padding dropped) or
 * whole when the batch axis is dynamic, and the chosen output pooled like a GraphModel node's (4-D outputs
 * follow the input's layout: `[n, c, h, w]` for an NCHW model).
 */
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import { IncompatibleModelError } from './errors.js';
import type { AsyncFeatureExtractor } from './feature-cache.js';
import { fixedBatches, toModelInput } from './input-layout.js';
import { poolGraphFeatures } from './model-zoo.js';
import { onnxFeatureOutput, type LoadedOnnxModel } from './onnx-model.js';
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
  const extract: AsyncFeatureExtractor = async (x) => {
    const modelX = tf.tidy(() => toModelInput(tf, x, model.input));
    let values: FeedArray;
    try {
      values = (await modelX.data()) as Float32Array | Int32Array;
    } finally {
      modelX.dispose();
    }
    const [n, ...sampleDims] = modelX.shape as number[];
    const rowSize = sampleDims.reduce((a, b) => a * b, 1);
    const batch = model.input.batch ?? (n as number);
    let rows: Float32Array | undefined;
    let outDims: number[] = [];
    for (const { start, count } of fixedBatches(n as number, batch)) {
      const feed = feedArray(model.input.dtype, batch * rowSize);
      feed.set(values.subarray(start * rowSize, (start + count) * rowSize));
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
      outDims = out.dims.slice(1);
      const outRow = outDims.reduce((a, b) => a * b, 1);
      rows ??= new Float32Array((n as number) * outRow);
      rows.set((out.data as Float32Array).subarray(0, count * outRow), start * outRow);
      out.dispose();
    }
    const features = rows ?? new Float32Array(0);
    return tf.tidy(() =>
      poolGraphFeatures(
        tf,
        tf.tensor(features, [n as number, ...outDims]),
        pooling,
        output,
        model.uri,
        model.input.layout === 'NCHW',
      ),
    );
  };
  return { featureLayer: output, extract };
}
