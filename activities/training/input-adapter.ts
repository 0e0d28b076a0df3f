/**
 * Turns raw sample rows into the model's input tensor: resize (bilinear) to the model's spatial size,
 * adapt channels (grayscale→RGB by repetition, RGB→grayscale by luminance, RGBA→RGB by dropping alpha),
 * flatten for vector-input models, reverse RGB to BGR when the normalisation asks, then normalise
 * `(x·scale + offset − mean[c]) / std[c]`.
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { SampleDtype } from './dataset-source.js';
import { DatasetError } from './errors.js';
import type { ResolvedNormalisation } from './resolve-input.js';
import type { Tf } from '../tf/tf-namespace.js';

/** Builds a float32 input batch `[n, …modelShape]` from `n` raw rows. Returned tensor is owned by the caller. */
export type InputAdapter = (raw: Uint8Array | Float32Array, n: number) => Tensor;

/** ITU-R BT.601 luma weights, as in tf.image.rgbToGrayscale. */
const LUMA = [0.2989, 0.587, 0.114];

const shapeText = (shape: readonly (number | null)[]): string => `[${shape.map((d) => d ?? '?').join(', ')}]`;

type Reshape = (x: Tensor) => Tensor;
/** Throws the DatasetError of a sample/model shape mismatch, with the reason. */
type Mismatch = (why: string) => never;

/** The channel conversion from `c` to `mc` channels (NHWC); undefined when they agree. */
function channelConverter(tf: Tf, c: number, mc: number, mismatch: Mismatch): Reshape | undefined {
  if (c === mc) return undefined;
  if (c === 1 && mc === 3) return (x) => tf.tile(x, [1, 1, 1, 3]);
  if (c === 3 && mc === 1) return (x) => tf.sum(tf.mul(x, tf.tensor1d(LUMA)), -1, true);
  if (c === 4 && mc === 3) return (x) => tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 3]);
  if (c === 4 && mc === 1)
    return (x) => tf.sum(tf.mul(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 3]), tf.tensor1d(LUMA)), -1, true);
  return mismatch(`cannot convert ${c} channels to ${mc}; store 1, 3 or 4 channels`);
}

/** The model's input shape and the map from a raw batch to it (reshape, or resize and channels). */
function spatialAdapter(
  tf: Tf,
  sampleShape: readonly number[],
  modelShape: readonly (number | null)[],
  mismatch: Mismatch,
): { inputShape: number[]; spatial: Reshape } {
  if (modelShape.length === 1) {
    const sampleSize = sampleShape.reduce((a, b) => a * b, 1);
    const width = modelShape[0] ?? sampleSize;
    if (width !== sampleSize)
      mismatch(`the model takes vectors of ${width} values, a sample has ${sampleSize}`);
    return { inputShape: [width], spatial: (x) => x.reshape([x.shape[0] as number, width]) };
  }
  if (modelShape.length !== 3 || sampleShape.length !== 3)
    return mismatch(
      'use images (NHWC/NHW) for image models, or vectors whose size matches a vector-input model',
    );
  const [h, w, c] = sampleShape as [number, number, number];
  const [mh, mw, mcRaw] = modelShape as [number | null, number | null, number | null];
  const mc = mcRaw ?? c;
  const height = mh ?? h;
  const width = mw ?? w;
  const channels = channelConverter(tf, c, mc, mismatch);
  const spatial: Reshape = (x) => {
    let y = x;
    if (height !== h || width !== w)
      y = tf.image.resizeBilinear(y as Parameters<Tf['image']['resizeBilinear']>[0], [height, width]);
    return channels ? channels(y) : y;
  };
  return { inputShape: [height, width, mc], spatial };
}

/** @throws DatasetError when `mean` or `std` has neither 0, 1 nor `channelCount` entries. */
function checkNormalisation(norm: ResolvedNormalisation, inputShape: readonly number[]): void {
  const channelCount = inputShape[inputShape.length - 1] as number;
  if (norm.channelOrder === 'bgr' && (inputShape.length !== 3 || channelCount !== 3)) {
    throw new DatasetError(
      `normalisation.channelOrder 'bgr' needs a 3-channel image model, but the model input is ${shapeText(inputShape)}; use an RGB normalisation`,
      'dataset.normalisation.channelOrder',
    );
  }
  for (const [name, values] of [
    ['mean', norm.mean],
    ['std', norm.std],
  ] as const) {
    if (values.length !== 0 && values.length !== 1 && values.length !== channelCount) {
      throw new DatasetError(
        `dataset.normalisation.${name} has ${values.length} entries but the model input has ${channelCount} channels; give one per channel`,
        `dataset.normalisation.${name}`,
      );
    }
  }
}

/**
 * Checks that samples of `sampleShape` can feed a model taking `modelShape` (batch dimension excluded;
 * `null` = any size) and returns the adapter.
 * @throws DatasetError naming the field and the fix when they cannot.
 */
export function createInputAdapter(
  tf: Tf,
  sampleShape: readonly number[],
  dtype: SampleDtype,
  modelShape: readonly (number | null)[],
  norm: ResolvedNormalisation,
): { adapt: InputAdapter; inputShape: number[] } {
  const mismatch: Mismatch = (why) => {
    throw new DatasetError(
      `dataset samples have shape ${shapeText(sampleShape)} but the model expects ${shapeText(modelShape)}: ${why}`,
      'dataset.uri',
    );
  };
  const { inputShape, spatial } = spatialAdapter(tf, sampleShape, modelShape, mismatch);
  checkNormalisation(norm, inputShape);
  const bgr = norm.channelOrder === 'bgr';
  const rawShape = [...sampleShape];
  const adapt: InputAdapter = (raw, n) =>
    tf.tidy(() => {
      const values = dtype === 'uint8' ? Float32Array.from(raw) : raw;
      let x: Tensor = tf.tensor(values, [n, ...rawShape], 'float32');
      x = spatial(x);
      if (bgr) x = tf.reverse(x, -1);
      if (norm.scale !== 1) x = tf.mul(x, norm.scale);
      if (norm.offset !== 0) x = tf.add(x, norm.offset);
      if (norm.mean.length > 0) x = tf.sub(x, tf.tensor1d(norm.mean));
      if (norm.std.length > 0) x = tf.div(x, tf.tensor1d(norm.std));
      return x;
    });
  return { adapt, inputShape };
}
