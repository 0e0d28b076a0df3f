/**
 * How a model wants its input fed, read from the input's declared shape and dtype (GraphModel and ONNX):
 * channel order (NHWC or NCHW: the axis of size 1 or 3), a fixed or dynamic batch axis, and the element
 * type. ncap's input adapter builds float NHWC batches; {@link toModelInput} turns them into what the model
 * asks and {@link mapFixedBatches} feeds a fixed batch axis at its size (padding the last batch).
 */
import type { Tensor } from '@tensorflow/tfjs';
import { IncompatibleModelError } from './errors.js';
import type { Tf } from '../tf/tf-namespace.js';

/** Channel order of an image input; `vector` is a `[batch, d]` input. */
export const INPUT_LAYOUTS = ['NHWC', 'NCHW', 'vector'] as const;
export type InputLayout = (typeof INPUT_LAYOUTS)[number];

/** Input element types ncap can feed: float32 as is, integers rounded (uint8 also clipped to 0–255). */
export const INPUT_DTYPES = ['float32', 'int32', 'uint8'] as const;
export type InputDtype = (typeof INPUT_DTYPES)[number];

/** A declared dimension: a size, or unknown (`null`, `undefined`, negative, or a symbolic name). */
export type DeclaredDim = number | string | null | undefined;

export interface ModelInput {
  layout: InputLayout;
  /** The batch size the model takes; `null` when its batch axis is dynamic (any size). */
  batch: number | null;
  dtype: InputDtype;
  /**
   * Per-sample shape in ncap's order, what the input adapter builds: `[h, w, c]` for images whatever the
   * model's layout, `[d]` for vectors; `null` = any size.
   */
  sampleShape: (number | null)[];
  /** The model's declared shape, batch axis included, `null` where unknown (for messages and inspect). */
  declaredShape: (number | null)[];
}

const known = (d: DeclaredDim): number | null => (typeof d === 'number' && d >= 0 ? d : null);
const isChannelAxis = (d: number | null): boolean => d === 1 || d === 3;

export const shapeText = (shape: readonly (number | null)[]): string =>
  `[${shape.map((d) => d ?? '?').join(', ')}]`;

/**
 * Reads the layout of an input from its declared shape: a 4-D shape is NCHW when only its axis 1 has size
 * 1 or 3, NHWC when only its last axis has, else the format's `convention` (TF.js NHWC, ONNX NCHW).
 * @throws IncompatibleModelError for ranks other than 2 and 4, or an element type ncap cannot feed.
 */
export function describeModelInput(
  shape: readonly DeclaredDim[],
  dtype: string,
  convention: 'NHWC' | 'NCHW',
  uri: string,
): ModelInput {
  const declaredShape = shape.map(known);
  if (!(INPUT_DTYPES as readonly string[]).includes(dtype)) {
    throw new IncompatibleModelError(
      `model ${uri} takes ${dtype} input; ncap feeds ${INPUT_DTYPES.join(', ')} inputs`,
      uri,
    );
  }
  const batch = declaredShape[0] ?? null;
  const rest = declaredShape.slice(1);
  if (declaredShape.length === 2) {
    return { layout: 'vector', batch, dtype: dtype as InputDtype, sampleShape: rest, declaredShape };
  }
  if (declaredShape.length !== 4) {
    throw new IncompatibleModelError(
      `model ${uri} takes input of shape ${shapeText(declaredShape)}; ncap feeds images [batch, h, w, c] or [batch, c, h, w] and vectors [batch, d]`,
      uri,
    );
  }
  const [a, b, c] = rest as [number | null, number | null, number | null];
  const firstIsChannel = isChannelAxis(a);
  const lastIsChannel = isChannelAxis(c);
  const layout = firstIsChannel !== lastIsChannel ? (firstIsChannel ? 'NCHW' : 'NHWC') : convention;
  const sampleShape = layout === 'NCHW' ? [b, c, a] : [a, b, c];
  return { layout, batch, dtype: dtype as InputDtype, sampleShape, declaredShape };
}

/**
 * An adapted float NHWC (or vector) batch in the model's layout and element type. Call inside `tf.tidy`.
 * Integer inputs are rounded (uint8 also clipped to 0–255; TF.js holds them as int32).
 */
export function toModelInput(tf: Tf, x: Tensor, input: ModelInput): Tensor {
  let y = input.layout === 'NCHW' ? tf.transpose(x, [0, 3, 1, 2]) : x;
  if (input.dtype === 'uint8') y = tf.clipByValue(tf.round(y), 0, 255);
  if (input.dtype !== 'float32') y = tf.cast(input.dtype === 'uint8' ? y : tf.round(y), 'int32');
  return y;
}

/**
 * Runs `run` on `x` in batches of the model's fixed batch size (the last one padded with zeros, its
 * padding rows dropped from the result); on the whole of `x` when the batch axis is dynamic. Synchronous,
 * for TF.js models: call inside `tf.tidy`.
 */
export function mapFixedBatches(tf: Tf, x: Tensor, batch: number | null, run: (x: Tensor) => Tensor): Tensor {
  const n = x.shape[0] as number;
  if (batch === null || batch === n) return run(x);
  const outputs: Tensor[] = [];
  for (const { start, count } of fixedBatches(n, batch)) {
    let part = tf.slice(x, start, count);
    if (count < batch)
      part = tf.pad(part, [[0, batch - count], ...x.shape.slice(1).map(() => [0, 0] as [number, number])]);
    const out = run(part);
    outputs.push(count < batch ? tf.slice(out, 0, count) : out);
  }
  return outputs.length === 1 ? (outputs[0] as Tensor) : tf.concat(outputs, 0);
}

/** The `[start, start + count)` row ranges of `n` rows in batches of `batch` (the last may be short). */
export function fixedBatches(n: number, batch: number): { start: number; count: number }[] {
  const ranges: { start: number; count: number }[] = [];
  for (let start = 0; start < n; start += batch) ranges.push({ start, count: Math.min(batch, n - start) });
  return ranges;
}
