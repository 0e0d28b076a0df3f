/**
 * Keras layers that TF.js 4.22 lacks, registered so that models converted from Keras load: `Normalization`
 * (EfficientNet, EfficientNetV2 and ConvNeXt start with one). `Rescaling` is TF.js's own, and its `scale`
 * may be a per-channel list (EfficientNet's second rescaling) since TF.js multiplies by whatever it is
 * given. Still missing (not implemented): `TFOpLambda` (MobileNetV3: raw TensorFlow ops in the topology).
 */
import type { Tensor, layers as tfLayers, serialization } from '@tensorflow/tfjs';
import type { Tf } from '../tf/tf-namespace.js';

/** Keras's `backend.epsilon()`: the floor of the standard deviation a Normalization divides by. */
export const KERAS_EPSILON = 1e-7;

/** The Keras layer classes this module makes loadable. */
export const REGISTERED_KERAS_LAYERS = ['Normalization'] as const;

/** The fields of a Keras `Normalization` config that its computation reads. */
interface NormalizationConfig {
  /** Kept axes (one statistic per entry along them); `null` for one scalar statistic. @default -1 */
  axis?: number | number[] | null;
  /** Given statistics (then the layer has no weights); scalars or one entry per kept position. */
  mean?: number | number[] | null;
  variance?: number | number[] | null;
  /** Undo a normalisation instead: x · max(√variance, ε) + mean. @default false */
  invert?: boolean;
}

type LayerVariable = tfLayers.Layer['weights'][number];

const registeredOn = new WeakSet<object>();

/**
 * Registers the classes of {@link REGISTERED_KERAS_LAYERS} with `tf`'s serialization map (once per
 * namespace), so `tf.loadLayersModel` can build them from a converted Keras topology.
 */
export function registerKerasLayers(tf: Tf): void {
  if (registeredOn.has(tf)) return;
  tf.serialization.registerClass(normalizationClass(tf));
  registeredOn.add(tf);
}

/** Axes as a list of non-negative indices of an `ndim`-dimensional input. */
function keptAxes(axis: NormalizationConfig['axis'], ndim: number): number[] {
  const list = axis === null ? [] : Array.isArray(axis) ? axis : [axis ?? -1];
  return list.map((a) => (a < 0 ? a + ndim : a)).sort((a, b) => a - b);
}

/** The config with Keras's defaults filled in. */
function normalizationSettings(config: NormalizationConfig): NormalizationConfig {
  return {
    axis: config.axis ?? -1,
    mean: config.mean ?? null,
    variance: config.variance ?? null,
    invert: config.invert ?? false,
  };
}

/** The statistics' shape (the kept axes' sizes) and the shape they broadcast to against the input. */
function statisticsShapes(
  layer: string,
  axis: NormalizationConfig['axis'],
  shape: readonly (number | null)[],
): { statShape: number[]; broadcastShape: number[] } {
  const kept = keptAxes(axis, shape.length);
  const statShape = kept.map((a) => shape[a]);
  if (statShape.some((d) => d === null || d === undefined)) {
    throw new Error(
      `Normalization '${layer}' keeps axes [${kept.join(', ')}] of an input shaped [${shape.join(', ')}]: a kept axis must have a known size`,
    );
  }
  const broadcastShape = shape.map((d, i) => (kept.includes(i) ? (d as number) : 1));
  return { statShape: statShape as number[], broadcastShape };
}

/**
 * Keras's `Normalization`: `(x − mean) / max(√variance, ε)` with `mean` and `variance` broadcast along the
 * kept axes. The statistics are the layer's weights `mean`, `variance` (and `count`, kept only so the
 * converted weights match) when the config gives none, as after `adapt()`; else the config's values.
 */
function normalizationClass(tf: Tf) {
  return class Normalization extends tf.layers.Layer {
    static className = 'Normalization';
    private readonly settings: NormalizationConfig;
    private broadcastShape: number[] = [];
    private statistics: { mean: LayerVariable; variance: LayerVariable } | undefined;

    constructor(config: NormalizationConfig) {
      super(config as ConstructorParameters<typeof tfLayers.Layer>[0]);
      this.settings = normalizationSettings(config);
    }

    override build(inputShape: (number | null)[] | (number | null)[][]): void {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
      const { statShape, broadcastShape } = statisticsShapes(this.name, this.settings.axis, shape);
      this.broadcastShape = broadcastShape;
      if (this.settings.mean === null || this.settings.variance === null) {
        const statistic = (name: string, init: ReturnType<Tf['initializers']['zeros']>) =>
          this.addWeight(name, statShape, 'float32', init, undefined, false);
        this.statistics = {
          mean: statistic('mean', tf.initializers.zeros()),
          variance: statistic('variance', tf.initializers.ones()),
        };
        this.addWeight('count', [], 'int32', tf.initializers.zeros(), undefined, false);
      }
      this.built = true;
    }

    /** Mean and variance shaped to broadcast against the input. */
    private meanAndVariance(): [Tensor, Tensor] {
      if (this.statistics) {
        return [
          tf.reshape(this.statistics.mean.read(), this.broadcastShape),
          tf.reshape(this.statistics.variance.read(), this.broadcastShape),
        ];
      }
      const given = (v: number | number[] | null | undefined) =>
        tf.mul(
          tf.ones(this.broadcastShape),
          tf.reshape(tf.tensor(v ?? 0), Array.isArray(v) ? this.broadcastShape : []),
        );
      return [given(this.settings.mean), given(this.settings.variance)];
    }

    override call(inputs: Tensor | Tensor[]): Tensor {
      return tf.tidy(() => {
        const x = tf.cast(Array.isArray(inputs) ? inputs[0]! : inputs, 'float32');
        const [mean, variance] = this.meanAndVariance();
        const std = tf.maximum(tf.sqrt(variance), KERAS_EPSILON);
        return this.settings.invert ? tf.add(tf.mul(x, std), mean) : tf.div(tf.sub(x, mean), std);
      });
    }

    override getConfig(): serialization.ConfigDict {
      return { ...super.getConfig(), ...(this.settings as serialization.ConfigDict) };
    }
  };
}
