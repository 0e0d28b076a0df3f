/**
 * Global pooling of features held in JavaScript memory (an ONNX output), as `poolGraphFeatures` pools a
 * TF.js tensor: no copy into TF.js and back for an output that is already a plain array.
 */
import type { FeaturePooling } from './types.js';

/**
 * Pools row-major features `[n, ...dims]` over the two spatial axes of a 4-D output (the last two when
 * channels come first) to `[n, channels]`; `'none'` returns `values` itself.
 * @throws RangeError when asked to pool an output that is not 4-D (callers check and explain first).
 */
export function poolRows(
  values: Float32Array,
  dims: readonly number[],
  pooling: FeaturePooling,
  channelsFirst: boolean,
): Float32Array {
  if (pooling === 'none') return values;
  if (dims.length !== 4) throw new RangeError(`cannot pool features of shape [${dims.join(', ')}]`);
  const [n, a, b, c] = dims as [number, number, number, number];
  const [channels, spatial] = channelsFirst ? [a, b * c] : [c, a * b];
  // Channels first: each channel's map is contiguous; channels last: each position's channels are.
  const [channelStride, spatialStride] = channelsFirst ? [spatial, 1] : [1, channels];
  const out = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    const sample = i * channels * spatial;
    for (let ch = 0; ch < channels; ch++) {
      const base = sample + ch * channelStride;
      let acc = pooling === 'max' ? -Infinity : 0;
      for (let s = 0; s < spatial; s++) {
        const v = values[base + s * spatialStride]!;
        acc = pooling === 'max' ? (v > acc ? v : acc) : acc + v;
      }
      out[i * channels + ch] = pooling === 'max' ? acc : acc / spatial;
    }
  }
  return out;
}
