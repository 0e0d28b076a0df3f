/**
 * NCP weight snapshots (docs/design.md §4): a safetensors file holding the probed network's kernels in
 * order as `ncp.{l}.kernel` (F32, shape [in, out]; l = 0 is the input projection, the classifier head last),
 * optional `ncp.{l}.bias` (shape [out]), optional extra tensors (e.g. batch statistics `stats.{l}.…`), and
 * `__metadata__` with sweepId, candidateId, epoch and step as strings.
 */
import { SnapshotFormatError } from './errors.js';
import type { DenseKernel } from './network.js';
import { validateKernelShapes } from './network.js';
import {
  type DecodedTensor,
  decodeFloat32Safetensors,
  encodeFloat32Safetensors,
  type TensorInput,
} from '../formats/safetensors.js';

/** Tensor names starting with this prefix are reserved for the probed network. */
export const NCP_PREFIX = 'ncp.';

const NCP_TENSOR_PATTERN = /^ncp\.(0|[1-9][0-9]{0,5})\.(kernel|bias)$/;

/** Metadata keys every snapshot carries. */
export const SNAPSHOT_METADATA_KEYS = ['sweepId', 'candidateId', 'epoch', 'step'] as const;

/** Name of kernel l's tensor: `ncp.{l}.kernel`. */
export function kernelTensorName(layer: number): string {
  return `${NCP_PREFIX}${layer}.kernel`;
}

/** Name of kernel l's bias tensor: `ncp.{l}.bias`. */
export function biasTensorName(layer: number): string {
  return `${NCP_PREFIX}${layer}.bias`;
}

/** Where in a sweep a snapshot was taken. */
export interface SnapshotMetadata {
  sweepId: string;
  candidateId: string;
  /** Training epoch (0-based), a non-negative integer. */
  epoch: number;
  /** Global optimisation step, a non-negative integer. */
  step: number;
}

export interface SnapshotInput {
  /** The probed network's kernels in order (all of them; scoring selects). */
  kernels: readonly DenseKernel[];
  /** Bias of kernel l at index l (length = kernel l's outDim), or undefined where there is none. */
  biases?: readonly (Float32Array | undefined)[];
  /** Further named F32 tensors (e.g. `stats.{l}.…` batch statistics); names must not start with `ncp.`. */
  extra?: ReadonlyMap<string, TensorInput> | Readonly<Record<string, TensorInput>>;
  metadata: SnapshotMetadata;
  /** Further string metadata; must not repeat the keys of {@link SNAPSHOT_METADATA_KEYS}. */
  extraMetadata?: Readonly<Record<string, string>>;
}

/** The snapshot tensors of a decoded file, split by role. */
export interface SnapshotTensors {
  /** Kernels in order l = 0, 1, …, named `ncp.{l}.kernel`. */
  kernels: DenseKernel[];
  /** Bias of kernel l at index l, undefined where the file has none. */
  biases: (Float32Array | undefined)[];
  /** All other tensors, by name. */
  extra: Map<string, DecodedTensor>;
}

export interface Snapshot extends SnapshotTensors {
  metadata: SnapshotMetadata;
  /** The complete `__metadata__` map, including keys beyond {@link SNAPSHOT_METADATA_KEYS}. */
  rawMetadata: Record<string, string>;
}

function checkCounter(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new SnapshotFormatError(`metadata.${field} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Encodes a snapshot. Kernels must chain (checked); biases must have the kernel's outDim.
 * @throws SnapshotFormatError / InvalidNetworkError / SafetensorsError on invalid input.
 */
export function encodeSnapshot(input: SnapshotInput): Uint8Array {
  const { kernels, biases = [], extra, metadata, extraMetadata = {} } = input;
  validateKernelShapes(kernels);
  if (kernels.length === 0) throw new SnapshotFormatError('a snapshot needs at least one kernel');
  for (const field of ['sweepId', 'candidateId'] as const) {
    if (typeof metadata?.[field] !== 'string' || metadata[field].length === 0) {
      throw new SnapshotFormatError(`metadata.${field} must be a non-empty string`);
    }
  }
  checkCounter(metadata.epoch, 'epoch');
  checkCounter(metadata.step, 'step');
  if (biases.length > kernels.length) {
    throw new SnapshotFormatError(`${biases.length} biases given for ${kernels.length} kernels`);
  }

  const tensors = new Map<string, TensorInput>();
  kernels.forEach((kernel, l) => {
    tensors.set(kernelTensorName(l), { shape: [kernel.inDim, kernel.outDim], data: kernel.values });
  });
  biases.forEach((bias, l) => {
    if (bias === undefined) return;
    const outDim = kernels[l]!.outDim;
    if (!(bias instanceof Float32Array) || bias.length !== outDim) {
      throw new SnapshotFormatError(
        `bias ${l} must be a Float32Array of length ${outDim} (kernel ${l}'s outDim)`,
      );
    }
    tensors.set(biasTensorName(l), { shape: [outDim], data: bias });
  });
  const extraEntries =
    extra instanceof Map ? [...(extra as ReadonlyMap<string, TensorInput>)] : Object.entries(extra ?? {});
  for (const [name, tensor] of extraEntries) {
    if (name.startsWith(NCP_PREFIX)) {
      throw new SnapshotFormatError(
        `extra tensor ${JSON.stringify(name)} uses the reserved prefix ${NCP_PREFIX}`,
      );
    }
    tensors.set(name, tensor);
  }

  for (const key of SNAPSHOT_METADATA_KEYS) {
    if (Object.hasOwn(extraMetadata, key)) {
      throw new SnapshotFormatError(`extraMetadata must not set ${key}; it comes from metadata.${key}`);
    }
  }
  return encodeFloat32Safetensors(tensors, {
    ...extraMetadata,
    sweepId: metadata.sweepId,
    candidateId: metadata.candidateId,
    epoch: String(metadata.epoch),
    step: String(metadata.step),
  });
}

/**
 * Splits decoded tensors into kernels (`ncp.{l}.kernel`, l = 0…L-1 without holes), biases and extras.
 * @throws SnapshotFormatError for missing or misshapen kernels/biases or unknown `ncp.` names;
 *   InvalidNetworkError when consecutive kernels do not chain.
 */
export function kernelsFromTensors(tensors: ReadonlyMap<string, DecodedTensor>): SnapshotTensors {
  const kernelByLayer = new Map<number, DecodedTensor>();
  const biasByLayer = new Map<number, DecodedTensor>();
  const extra = new Map<string, DecodedTensor>();
  for (const [name, tensor] of tensors) {
    if (!name.startsWith(NCP_PREFIX)) {
      extra.set(name, tensor);
      continue;
    }
    const match = NCP_TENSOR_PATTERN.exec(name);
    if (!match) {
      throw new SnapshotFormatError(
        `unexpected tensor ${JSON.stringify(name)}: ncp.* tensors must be ncp.{l}.kernel or ncp.{l}.bias`,
      );
    }
    (match[2] === 'kernel' ? kernelByLayer : biasByLayer).set(Number(match[1]), tensor);
  }
  if (kernelByLayer.size === 0)
    throw new SnapshotFormatError('no ncp.{l}.kernel tensors: this is not an ncap snapshot');

  const kernels: DenseKernel[] = [];
  for (let l = 0; l < kernelByLayer.size; l++) {
    const tensor = kernelByLayer.get(l);
    const name = kernelTensorName(l);
    if (!tensor) {
      const found = [...kernelByLayer.keys()].sort((a, b) => a - b).join(', ');
      throw new SnapshotFormatError(
        `${name} is missing (kernels found for l = ${found}); kernels must be numbered 0, 1, … without gaps`,
      );
    }
    const [inDim, outDim] = tensor.shape;
    if (tensor.shape.length !== 2 || !inDim || !outDim) {
      throw new SnapshotFormatError(
        `${name} must have shape [in, out] with in, out ≥ 1, got [${tensor.shape.join(', ')}]`,
      );
    }
    kernels.push({ inDim, outDim, values: tensor.data, name });
  }
  const biases: (Float32Array | undefined)[] = kernels.map(() => undefined);
  for (const [l, tensor] of biasByLayer) {
    const kernel = kernels[l];
    if (!kernel) throw new SnapshotFormatError(`${biasTensorName(l)} has no matching ${kernelTensorName(l)}`);
    if (tensor.shape.length !== 1 || tensor.shape[0] !== kernel.outDim) {
      throw new SnapshotFormatError(
        `${biasTensorName(l)} must have shape [${kernel.outDim}], got [${tensor.shape.join(', ')}]`,
      );
    }
    biases[l] = tensor.data;
  }
  validateKernelShapes(kernels);
  return { kernels, biases, extra };
}

function parseCounter(raw: Readonly<Record<string, string>>, key: 'epoch' | 'step'): number {
  const text = raw[key];
  if (text === undefined) throw new SnapshotFormatError(`metadata has no ${key}`);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new SnapshotFormatError(
      `metadata ${key} must be a non-negative decimal integer, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return Number(text);
}

/**
 * Reads sweepId, candidateId, epoch and step from a `__metadata__` map.
 * @throws SnapshotFormatError when one is missing or malformed.
 */
export function parseSnapshotMetadata(raw: Readonly<Record<string, string>>): SnapshotMetadata {
  for (const key of ['sweepId', 'candidateId'] as const) {
    if (!raw[key]) throw new SnapshotFormatError(`metadata has no ${key}`);
  }
  return {
    sweepId: raw.sweepId!,
    candidateId: raw.candidateId!,
    epoch: parseCounter(raw, 'epoch'),
    step: parseCounter(raw, 'step'),
  };
}

/**
 * Decodes a snapshot file written by {@link encodeSnapshot} (or by Python with the same names).
 * @throws SafetensorsError for a malformed file, SnapshotFormatError for a layout or metadata problem.
 */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const { tensors, metadata: rawMetadata } = decodeFloat32Safetensors(bytes);
  const parts = kernelsFromTensors(tensors);
  return { ...parts, metadata: parseSnapshotMetadata(rawMetadata), rawMetadata };
}
