/**
 * What a converted Keras topology needs before TF.js can load it: Keras 3 topologies are recognised (TF.js
 * reads only legacy Keras layer configs) and the weights of adapted `Normalization` layers get their layer's
 * name (the converter writes them bare: `mean`, `variance`, `count`).
 */
import type { io } from '@tensorflow/tfjs';

interface LayerJson {
  class_name?: unknown;
  config?: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every object with a `class_name`, at any depth (nested models too), in document order. */
function layerObjects(node: unknown, found: LayerJson[] = []): LayerJson[] {
  if (Array.isArray(node)) {
    for (const child of node) layerObjects(child, found);
  } else if (isRecord(node)) {
    if (typeof node.class_name === 'string') found.push(node as LayerJson);
    for (const value of Object.values(node)) layerObjects(value, found);
  }
  return found;
}

/**
 * Why a topology written by Keras 3 cannot load, or `undefined` for a legacy one. Keras 3 records its version
 * (`keras_version` 3.x) and writes `batch_shape` where legacy Keras writes `batch_input_shape`, and dtype
 * policies as objects with `module` and `registered_name`.
 */
export function kerasThreeSign(topology: unknown): string | undefined {
  if (!isRecord(topology)) return undefined;
  const version = topology.keras_version;
  if (typeof version === 'string' && /^v?3\./.test(version)) return `keras_version ${version}`;
  for (const layer of layerObjects(topology.model_config ?? topology)) {
    const config = layer.config;
    if (!config) continue;
    if (layer.class_name === 'InputLayer' && 'batch_shape' in config && !('batch_input_shape' in config))
      return `its InputLayer has batch_shape instead of batch_input_shape`;
    if (isRecord(config.dtype) && 'registered_name' in config.dtype)
      return `its layers' dtype is a Keras 3 DTypePolicy object`;
  }
  return undefined;
}

const NORMALIZATION_WEIGHTS = ['mean', 'variance', 'count'];

/**
 * Gives the bare `mean`/`variance`/`count` weights of an adapted Normalization layer (one without a `mean`
 * in its config) the layer's name, `<layer>/mean`…, as TF.js looks them up. The converter writes them bare
 * and refuses a model with two such layers (duplicate weight names), so there is at most one. Returns the
 * input (same object) when there is nothing to rename.
 */
export function nameNormalizationWeights(artifacts: io.ModelArtifacts): io.ModelArtifacts {
  const specs = artifacts.weightSpecs;
  if (!specs || !specs.some((s) => NORMALIZATION_WEIGHTS.includes(s.name))) return artifacts;
  const adapted = layerObjects(artifacts.modelTopology).filter(
    (l) => l.class_name === 'Normalization' && l.config && l.config.mean == null,
  );
  if (adapted.length !== 1) return artifacts;
  const layer = String(adapted[0]!.config?.name);
  return {
    ...artifacts,
    weightSpecs: specs.map((s) =>
      NORMALIZATION_WEIGHTS.includes(s.name) ? { ...s, name: `${layer}/${s.name}` } : s,
    ),
  };
}

/** What to do about a Keras 3 topology at `uri` ({@link kerasThreeSign} says how it was recognised). */
export function kerasThreeMessage(uri: string, sign: string): string {
  return (
    `model ${uri} was converted from a Keras 3 model (${sign}), and TF.js loads only legacy Keras (tf-keras) ` +
    'topologies: convert the original Keras file (.keras or .h5) with `ncap convert keras FILE OUT_DIR`, ' +
    'which rebuilds it in legacy Keras, and name OUT_DIR/model.json instead (docs/models.md)'
  );
}
