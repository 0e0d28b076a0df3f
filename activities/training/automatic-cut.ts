/**
 * Where a LayersModel is cut when the spec names no `featureLayer`, and why. A model with a classifier
 * head is cut at the classifier's input; a headless backbone (its last weight layer a convolution, no
 * softmax after it) at its own output: the final feature map (e.g. MobileNetV2's `out_relu`, ResNet50's
 * `conv5_block3_out`) or, with Keras `pooling=`, the pooled vector.
 */
import type { LayersModel, layers as tfLayers } from '@tensorflow/tfjs';
import { IncompatibleModelError } from './errors.js';

type Layer = tfLayers.Layer;

export interface AutomaticCut {
  layer: Layer;
  /** One sentence a user reads in `ncap model inspect`. */
  reason: string;
}

/** Whether a layer holds a kernel (Dense, Conv*, DepthwiseConv…): the layers a classifier can be. */
export const hasKernel = (layer: Layer): boolean =>
  layer.weights.some((w) => /kernel$/.test(w.originalName ?? w.name));

const activationOf = (layer: Layer): unknown => (layer.getConfig() as { activation?: unknown }).activation;

/** A softmax at or after the last weight layer marks a classifier, whatever the layer's kind (1×1 conv heads). */
const isSoftmax = (layer: Layer): boolean =>
  layer.getClassName() === 'Softmax' || activationOf(layer) === 'softmax';

const outputRank = (layer: Layer): number => {
  const shape = layer.outputShape;
  return Array.isArray(shape[0]) || shape[0] === undefined ? -1 : shape.length;
};

/**
 * The automatic cut of a single-output LayersModel.
 * @throws IncompatibleModelError when the model has no layer before its classifier.
 */
export function automaticLayersCut(model: LayersModel, uri: string, listNames: () => string): AutomaticCut {
  const layers = model.layers;
  const lastKernelAt = layers.findLastIndex(hasKernel);
  const classifier = layers[lastKernelAt];
  const output = layers.at(-1);
  const headless =
    classifier !== undefined &&
    output !== undefined &&
    outputRank(classifier) === 4 &&
    !layers.slice(lastKernelAt).some(isSoftmax);
  if (headless) {
    return {
      layer: output,
      reason: `headless backbone: its last weight layer '${classifier.name}' is a convolution with no classifier after it, so the cut is the model's output '${output.name}'`,
    };
  }
  const inbound = classifier?.inboundNodes[0]?.inboundLayers ?? [];
  const before = inbound[0];
  if (!classifier || inbound.length !== 1 || !before || before.getClassName() === 'InputLayer') {
    throw new IncompatibleModelError(
      `model ${uri} has no usable feature layer: ` +
        (classifier
          ? `its last weight layer '${classifier.name}' is fed by ${inbound.length === 1 ? 'the model input' : `${inbound.length} layers`}`
          : 'it has no layer with a kernel') +
        `; name one with model.featureLayer (layers: ${listNames()})`,
      uri,
    );
  }
  return {
    layer: before,
    reason: `the input of the classifier '${classifier.name}' (the last layer with a kernel)`,
  };
}
