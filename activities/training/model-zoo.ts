/**
 * Loading a model-zoo entry (TF.js LayersModel or GraphModel at a `file://`, `s3://` or `http(s)://`
 * URI) and choosing the feature layer the probe attaches to.
 */
import { isNonRetryable } from '../retryable.js';
import type { GraphModel, LayersModel, SymbolicTensor, Tensor, layers as tfLayers } from '@tensorflow/tfjs';
import { IncompatibleModelError } from './errors.js';
import { describeModelInput, type ModelInput } from './input-layout.js';
import { patchBatchNormScale } from './batch-norm-scale-fix.js';
import { registerKerasLayers } from './keras-layers.js';
import { kerasThreeMessage, kerasThreeSign, nameNormalizationWeights } from './keras-topology.js';
import { artifactsLoadHandler, readModelArtifacts } from './model-io.js';
import { openLocation, type LocationDeps } from './sources/open-location.js';
import type { Tf } from '../tf/tf-namespace.js';
import type { FeaturePooling, FeaturePoolingSetting } from './types.js';
import { automaticLayersCut } from './automatic-cut.js';
import { nearestNames } from './nearest-names.js';

type Layer = tfLayers.Layer;

export interface LoadedLayersModel {
  format: 'layers-model';
  model: LayersModel;
  uri: string;
  /** SHA-256 (hex) of `model.json` and the weight shards as stored. */
  weightsHash: string;
  /** BatchNormalization layers rewritten from `scale: false` to `scale: true`, gamma = 1. */
  patchedBatchNorms: string[];
}

export interface LoadedGraphModel {
  format: 'graph-model';
  model: GraphModel;
  uri: string;
  weightsHash: string;
  /** The GraphDef's nodes in file order (what `model.featureLayer` may name). */
  nodes: GraphNodeInfo[];
}

/** One node of a GraphModel's GraphDef. */
export interface GraphNodeInfo {
  name: string;
  op: string;
}

const graphNodes = (topology: unknown): GraphNodeInfo[] => {
  const nodes = (topology as { node?: { name?: unknown; op?: unknown }[] }).node ?? [];
  return nodes.map((n) => ({ name: String(n.name), op: String(n.op) }));
};

export type ZooModel = LoadedLayersModel | LoadedGraphModel;

const isGraphTopology = (topology: unknown, format: string | undefined): boolean =>
  format === 'graph-model' ||
  (typeof topology === 'object' && topology !== null && Array.isArray((topology as { node?: unknown }).node));

/**
 * Loads the model at `uri` (its `model.json`; a URI ending in `/` gets `model.json` appended).
 * @throws IncompatibleModelError when the files are not a loadable TF.js model.
 */
export async function loadZooModel(uri: string, deps: LocationDeps & { tf: Tf }): Promise<ZooModel> {
  const location = await openLocation(uri.endsWith('/') ? `${uri}model.json` : uri, deps);
  try {
    let read;
    try {
      read = await readModelArtifacts(location.source, location.path);
    } catch (error) {
      // A missing or malformed file is the model's fault; a store or network failure is not.
      if (!isNonRetryable(error)) throw error;
      throw new IncompatibleModelError(`cannot read model ${uri}: ${(error as Error).message}`, uri, {
        cause: error,
      });
    }
    const { artifacts, contentHash } = read;
    if (isGraphTopology(artifacts.modelTopology, artifacts.format)) {
      try {
        const model = await deps.tf.loadGraphModel(artifactsLoadHandler(artifacts));
        return {
          format: 'graph-model',
          model,
          uri,
          weightsHash: contentHash,
          nodes: graphNodes(artifacts.modelTopology),
        };
      } catch (error) {
        throw new IncompatibleModelError(`cannot load graph model ${uri}: ${(error as Error).message}`, uri, {
          cause: error,
        });
      }
    }
    const keras3 = kerasThreeSign(artifacts.modelTopology);
    if (keras3) throw new IncompatibleModelError(kerasThreeMessage(uri, keras3), uri);
    registerKerasLayers(deps.tf);
    const patched = patchBatchNormScale(nameNormalizationWeights(artifacts));
    try {
      const model = await deps.tf.loadLayersModel(artifactsLoadHandler(patched.artifacts));
      return {
        format: 'layers-model',
        model,
        uri,
        weightsHash: contentHash,
        patchedBatchNorms: patched.patchedLayers,
      };
    } catch (error) {
      throw new IncompatibleModelError(`cannot load layers model ${uri}: ${(error as Error).message}`, uri, {
        cause: error,
      });
    }
  } finally {
    await location.source.close();
  }
}

const listNames = (model: LayersModel): string => {
  const names = model.layers.map((l) => l.name);
  const shown =
    names.length > 60
      ? [...names.slice(0, 30), `… (${names.length - 60} more) …`, ...names.slice(-30)]
      : names;
  return shown.join(', ');
};

/** The error for a `featureLayer` the model does not have: the nearest names it does have. */
export function missingFeatureLayerError(
  uri: string,
  featureLayer: string,
  names: readonly string[],
  kind: 'layer' | 'node',
): IncompatibleModelError {
  const near = nearestNames(featureLayer, names);
  return new IncompatibleModelError(
    `model ${uri} has no ${kind} named '${featureLayer}' (model.featureLayer); nearest of its ${names.length} ${kind}s: ` +
      `${near.join(', ')}; \`ncap model inspect ${uri}\` lists them all`,
    uri,
  );
}

export interface FeatureCut {
  /** The layer whose output feeds the probe. */
  layerName: string;
  /** Why this layer: named by the spec, or the automatic cut's reason. */
  reason: string;
  /** The layer's output, before pooling. */
  output: SymbolicTensor;
  /** The pooling applied (`'auto'` resolved). */
  pooling: FeaturePooling;
  /** Shape of what enters the probe (after pooling), without the batch dimension. */
  featureShape: number[];
  /** Product of {@link featureShape}: the probe's input width. */
  featureDim: number;
}

/** The layer named `featureLayer` (why: named), else the automatic cut and its reason. */
function featureLayerOf(
  model: LayersModel,
  uri: string,
  featureLayer: string | undefined,
): { layer: Layer; reason: string } {
  if (featureLayer === undefined) return automaticLayersCut(model, uri, () => listNames(model));
  const found = model.layers.find((l) => l.name === featureLayer);
  if (!found)
    throw missingFeatureLayerError(
      uri,
      featureLayer,
      model.layers.map((l) => l.name),
      'layer',
    );
  return { layer: found, reason: 'named by model.featureLayer' };
}

/** The layer's one output. @throws IncompatibleModelError when it has several or none is defined. */
function singleOutputOf(layer: Layer, uri: string): SymbolicTensor {
  try {
    const out = layer.output;
    if (Array.isArray(out)) throw new Error(`layer '${layer.name}' has ${out.length} outputs`);
    return out;
  } catch (error) {
    throw new IncompatibleModelError(
      `layer '${layer.name}' of ${uri} cannot be a feature layer: ${(error as Error).message}; name another with model.featureLayer`,
      uri,
      { cause: error },
    );
  }
}

/**
 * The layer whose output feeds the probe: `featureLayer` if named, else the automatic cut
 * (`automatic-cut.ts`); with `pooling` other than `'none'` its `[h, w, c]` output is pooled to `[c]`
 * (`'auto'`: average when the automatic cut's output is `[h, w, c]`, else none).
 * @throws IncompatibleModelError when the named layer is missing (listing the nearest names), the model has
 *   no layer before its classifier, several inputs or outputs, a feature shape with unknown dimensions, or
 *   pooling asked of an output that is not `[h, w, c]`.
 */
export function selectFeatureLayer(
  model: LayersModel,
  uri: string,
  featureLayer?: string,
  poolingSetting: FeaturePoolingSetting = 'none',
): FeatureCut {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new IncompatibleModelError(
      `model ${uri} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only single-input, single-output models are supported`,
      uri,
    );
  }
  const { layer, reason } = featureLayerOf(model, uri, featureLayer);
  const output = singleOutputOf(layer, uri);
  const pooling = resolvePooling(poolingSetting, featureLayer === undefined, output.shape.length);
  if (pooling !== 'none') checkPoolable(output.shape, layer.name, uri);
  const featureShape = pooling === 'none' ? output.shape.slice(1) : output.shape.slice(-1);
  if (featureShape.some((d) => d === null || d === undefined)) {
    throw new IncompatibleModelError(
      `the output of layer '${layer.name}' of ${uri} has shape [${output.shape.join(', ')}] with unknown dimensions; ` +
        "name a layer after global pooling with model.featureLayer, or set featurePooling: 'average'",
      uri,
    );
  }
  const dims = featureShape as number[];
  return {
    layerName: layer.name,
    reason,
    output,
    pooling,
    featureShape: dims,
    featureDim: dims.reduce((a, b) => a * b, 1),
  };
}

/**
 * The pooling applied for a setting: `'auto'` averages an automatic cut's 4-D output (a headless
 * backbone's feature map; flattening 7×7×1280 would give the probe 62,720 inputs) and leaves the rest.
 */
export function resolvePooling(
  setting: FeaturePoolingSetting,
  automatic: boolean,
  rank: number,
): FeaturePooling {
  if (setting !== 'auto') return setting;
  return automatic && rank === 4 ? 'average' : 'none';
}

const shapeText = (shape: readonly (number | null | undefined)[]): string =>
  `[${shape.map((d) => (d === null || d === undefined || d < 0 ? '?' : d)).join(', ')}]`;

/** Global pooling needs a batch of `[h, w, c]` maps. */
export function checkPoolable(shape: readonly (number | null | undefined)[], layer: string, uri: string): void {
  if (shape.length !== 4) {
    throw new IncompatibleModelError(
      `featurePooling needs a spatial output [batch, h, w, c], but '${layer}' of ${uri} gives ${shapeText(shape)}; ` +
        "use featurePooling: 'none' or cut at a convolutional layer",
      uri,
    );
  }
}

/** The backbone: the model cut at the feature layer, pooled if asked (shares the model's layers and weights). */
export function cutBackbone(tf: Tf, model: LayersModel, cut: FeatureCut): LayersModel {
  let output = cut.output;
  if (cut.pooling !== 'none') {
    const name = `${cut.layerName}_ncap_${cut.pooling}_pool`;
    const pool =
      cut.pooling === 'average'
        ? tf.layers.globalAveragePooling2d({ name })
        : tf.layers.globalMaxPooling2d({ name });
    output = pool.apply(output) as SymbolicTensor;
  }
  return tf.model({ inputs: model.inputs, outputs: output, name: `${model.name}_backbone` });
}

/**
 * Pools a GraphModel node's `[n, h, w, c]` output (or an ONNX output `[n, c, h, w]` with `channelsFirst`)
 * to `[n, c]` (the counterpart of the pooling layer {@link cutBackbone} appends); `features` itself when
 * `pooling` is `'none'`. Call inside `tf.tidy`.
 * @throws IncompatibleModelError when the output is not 4-D.
 */
export function poolGraphFeatures(
  tf: Tf,
  features: Tensor,
  pooling: FeaturePooling,
  node: string,
  uri: string,
  channelsFirst = false,
): Tensor {
  if (pooling === 'none') return features;
  checkPoolable(features.shape, node, uri);
  const axes = channelsFirst ? [2, 3] : [1, 2];
  return pooling === 'average' ? tf.mean(features, axes) : tf.max(features, axes);
}

/**
 * Input shape without the batch dimension, in ncap's order (`[h, w, c]` for images, whatever a GraphModel's
 * layout: see {@link graphModelInput}); `null` entries are free (the model accepts any size).
 */
export function modelInputShape(zoo: ZooModel): (number | null)[] {
  if (zoo.format === 'graph-model') return graphModelInput(zoo).sampleShape;
  const shape = zoo.model.inputs[0]?.shape;
  if (!shape) throw new IncompatibleModelError(`model ${zoo.uri} declares no input`, zoo.uri);
  return shape.slice(1).map((d) => (d === null || d === undefined || d < 0 ? null : d));
}

/** How a GraphModel's input is fed: layout (NHWC unless only axis 1 has size 1 or 3), batch, dtype. */
export function graphModelInput(zoo: LoadedGraphModel): ModelInput {
  const input = zoo.model.inputs[0];
  if (!input?.shape) throw new IncompatibleModelError(`model ${zoo.uri} declares no input`, zoo.uri);
  return describeModelInput(input.shape, input.dtype, 'NHWC', zoo.uri);
}

type SignatureTensor = { name?: string; tensorShape?: { dim?: { size?: string | number }[] } };

/**
 * A GraphModel output's declared shape (batch axis included, free sizes as -1): the node's own `shape`
 * attribute, else the model signature converted models carry; `undefined` when neither says.
 */
export function graphOutputShape(model: GraphModel, name: string): number[] | undefined {
  const node = name.replace(/:\d+$/, '');
  const declared = model.outputs.find((o) => o.name === name || o.name === node)?.shape;
  if (declared) return declared;
  const signature = model.modelSignature as { outputs?: Record<string, SignatureTensor> } | undefined;
  const outputs = signature?.outputs ?? {};
  const entry = Object.values(outputs).find((t) => t.name?.replace(/:\d+$/, '') === node);
  return entry?.tensorShape?.dim?.map((d) => Number(d.size ?? -1));
}

/** The GraphModel cut: the node whose output feeds the probe and the pooling applied. */
export interface GraphFeatureCut {
  node: string;
  reason: string;
  pooling: FeaturePooling;
}

/**
 * The GraphModel output used as features: the named node, else the model's only output (`'auto'` pooling
 * averages it when its declared shape is 4-D). Only for `frozen` mode: a GraphModel's weights are
 * constants and cannot train.
 * @throws IncompatibleModelError when the named node is missing (listing the nearest names) or the model
 *   has several outputs and names none.
 */
export function graphFeatureCut(
  zoo: LoadedGraphModel,
  featureLayer: string | undefined,
  poolingSetting: FeaturePoolingSetting = 'none',
): GraphFeatureCut {
  if (featureLayer !== undefined) {
    const names = zoo.nodes.map((n) => n.name);
    if (names.length > 0 && !names.includes(featureLayer.replace(/:\d+$/, '')))
      throw missingFeatureLayerError(zoo.uri, featureLayer, names, 'node');
    return {
      node: featureLayer,
      reason: 'named by model.featureLayer',
      pooling: resolvePooling(poolingSetting, false, -1),
    };
  }
  const output = zoo.model.outputs[0];
  if (!output || zoo.model.outputs.length !== 1) {
    throw new IncompatibleModelError(
      `graph model ${zoo.uri} has ${zoo.model.outputs.length} outputs; name the feature node with model.featureLayer`,
      zoo.uri,
    );
  }
  const rank = graphOutputShape(zoo.model, output.name)?.length ?? -1;
  return {
    node: output.name,
    reason: "the model's output (a GraphModel is cut at its output unless model.featureLayer names a node)",
    pooling: resolvePooling(poolingSetting, true, rank),
  };
}

/** The feature node of {@link graphFeatureCut} (checked to exist when named). */
export function graphFeatureNode(zoo: LoadedGraphModel, featureLayer?: string): string {
  return graphFeatureCut(zoo, featureLayer).node;
}
