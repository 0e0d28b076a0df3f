/**
 * ONNX backbones (`.onnx` at a `file://`, `s3://` or `http(s)://` URI), run by onnxruntime-node on its
 * CPU execution provider (the package ships only that one; its CUDA provider would come from a host
 * outside the package registries). Inference only: an ONNX candidate trains in `frozen` mode.
 */
import { createHash } from 'node:crypto';
import type * as OnnxRuntimeModule from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { isNonRetryable } from '../retryable.js';
import { IncompatibleModelError } from './errors.js';
import { describeModelInput, type InputLayout, type ModelInput } from './input-layout.js';
import { openLocation, type LocationDeps } from './sources/open-location.js';

export { isOnnxUri } from '../spec/model-format.js';

export interface LoadedOnnxModel {
  format: 'onnx';
  session: InferenceSession;
  /** The onnxruntime-node module the session came from (its `Tensor` class builds the feeds). */
  runtime: OnnxRuntime;
  uri: string;
  /** SHA-256 (hex) of the `.onnx` file as stored. */
  weightsHash: string;
  /** The model's (single) input: how ncap feeds it. */
  input: ModelInput & { name: string };
  outputs: OnnxOutput[];
}

export interface OnnxOutput {
  name: string;
  /** Declared shape, batch axis included; `null` where dynamic or unknown. */
  shape: (number | null)[];
  dtype: string;
}

/** What `ncap model inspect` shows of an ONNX model: onnxruntime exposes its inputs and outputs only. */
export interface OnnxModelDescription {
  format: 'onnx';
  uri: string;
  weightsHash: string;
  inputs: {
    name: string;
    shape: (number | null)[];
    layout: InputLayout;
    batch: number | null;
    dtype: string;
  }[];
  outputs: OnnxOutput[];
  /** The output used as features when `featureLayer` is not set. */
  defaultFeatureOutput: string;
}

const declaredShape = (meta: InferenceSession.ValueMetadata): (number | null)[] =>
  meta.isTensor ? meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : null)) : [];

type OnnxRuntime = typeof OnnxRuntimeModule;

/** onnxruntime-node, loaded on first use: its native library is only needed by ONNX candidates. */
const onnxRuntime = (): Promise<OnnxRuntime> => import('onnxruntime-node');

/**
 * Reads the `.onnx` file at `uri` and opens an inference session on it (CPU).
 * @throws IncompatibleModelError when the file is missing, is not a loadable ONNX model, or has other than
 *   one tensor input; store and network failures as they are (retryable).
 */
export async function loadOnnxModel(uri: string, deps: LocationDeps): Promise<LoadedOnnxModel> {
  const location = await openLocation(uri, deps);
  let bytes: Uint8Array;
  try {
    bytes = await location.source.read(location.path);
  } catch (error) {
    if (!isNonRetryable(error)) throw error;
    throw new IncompatibleModelError(`cannot read model ${uri}: ${(error as Error).message}`, uri, {
      cause: error,
    });
  } finally {
    await location.source.close();
  }
  const ort = await onnxRuntime();
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  } catch (error) {
    throw new IncompatibleModelError(`cannot load ONNX model ${uri}: ${(error as Error).message}`, uri, {
      cause: error,
    });
  }
  try {
    return {
      format: 'onnx',
      session,
      runtime: ort,
      uri,
      weightsHash: createHash('sha256').update(bytes).digest('hex'),
      input: onnxInput(session, uri),
      outputs: session.outputMetadata.map((meta) => ({
        name: meta.name,
        shape: declaredShape(meta),
        dtype: meta.isTensor ? meta.type : 'non-tensor',
      })),
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}

function onnxInput(session: InferenceSession, uri: string): ModelInput & { name: string } {
  const [meta, ...more] = session.inputMetadata;
  if (!meta || more.length > 0 || !meta.isTensor) {
    throw new IncompatibleModelError(
      `ONNX model ${uri} has ${session.inputMetadata.length} inputs (${session.inputNames.join(', ')}); ncap feeds models with one image or vector tensor input`,
      uri,
    );
  }
  return { name: meta.name, ...describeModelInput(meta.shape, meta.type, 'NCHW', uri) };
}

/**
 * The output used as features: `featureLayer` if given, else the model's first output.
 * @throws IncompatibleModelError (non-retryable) naming the outputs there are when `featureLayer` is not one.
 */
export function onnxFeatureOutput(model: LoadedOnnxModel, featureLayer?: string): OnnxOutput {
  const names = model.outputs.map((o) => o.name);
  const found =
    featureLayer === undefined ? model.outputs[0] : model.outputs.find((o) => o.name === featureLayer);
  if (!found) {
    throw new IncompatibleModelError(
      featureLayer === undefined
        ? `ONNX model ${model.uri} has no outputs`
        : `ONNX model ${model.uri} has no output named '${featureLayer}' (model.featureLayer); its outputs: ${names.join(', ')}`,
      model.uri,
    );
  }
  return found;
}

/** Inputs and outputs of a loaded ONNX model (for `ncap model inspect`). */
export function describeOnnxModel(model: LoadedOnnxModel): OnnxModelDescription {
  const { input } = model;
  return {
    format: 'onnx',
    uri: model.uri,
    weightsHash: model.weightsHash,
    inputs: [
      {
        name: input.name,
        shape: input.declaredShape,
        layout: input.layout,
        batch: input.batch,
        dtype: input.dtype,
      },
    ],
    outputs: model.outputs,
    defaultFeatureOutput: onnxFeatureOutput(model).name,
  };
}

/** Loads, describes and releases the ONNX model at `uri`. */
export async function inspectOnnxModel(uri: string, deps: LocationDeps): Promise<OnnxModelDescription> {
  const model = await loadOnnxModel(uri, deps);
  try {
    return describeOnnxModel(model);
  } finally {
    await model.session.release();
  }
}
