/**
 * Datasets stored as tensors: one `.safetensors` file with `x` (uint8/float32, NHWC or NHW or N×D) and `y`
 * (integer labels), or a folder with `x.npy` and `y.npy`. Labels are read whole (small); samples by rows
 * through a {@link RowReader}.
 */
import { createHash } from 'node:crypto';
import type { SampleDtype, SampleSource } from './dataset-source.js';
import { DatasetError } from './errors.js';
import { decodeLabels, resolveClassCount, type LabelDtype } from './labels.js';
import { NPY_DTYPES, NpyFormatError, readNpyHeader, type NpyDtype } from './npy-file.js';
import { RowReader, type RowReaderOptions } from './row-reader.js';
import { SafetensorsFormatError, readSafetensorsHeader, type SafetensorsDtype } from '../formats/safetensors.js';
import { joinPath, type ByteSource } from './sources/byte-source.js';

interface TensorRef {
  path: string;
  /** Absolute byte offset of the data. */
  start: number;
  shape: number[];
  dtype: SampleDtype | LabelDtype | 'other';
  /** The dtype as the file names it, for messages. */
  rawDtype: string;
}

const SAFETENSORS_KIND: Partial<Record<SafetensorsDtype, SampleDtype | LabelDtype>> = {
  U8: 'uint8',
  I8: 'int8',
  I16: 'int16',
  U16: 'uint16',
  I32: 'int32',
  U32: 'uint32',
  I64: 'int64',
  U64: 'uint64',
  F32: 'float32',
};

const LABEL_BYTES: Record<LabelDtype, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
};

const npyKind = (dtype: NpyDtype): SampleDtype | LabelDtype | 'other' => {
  const name = NPY_DTYPES[dtype].name;
  return name === 'bool' || name === 'float64' ? 'other' : name;
};

export interface TensorDatasetOptions extends RowReaderOptions {
  /** Declared class count (`dataset.numClasses`). */
  numClasses?: number;
  /** For messages, the dataset URI. */
  uri: string;
}

const bad = (message: string, field = 'dataset.uri'): never => {
  throw new DatasetError(message, field);
};

async function buildSource(
  format: 'safetensors' | 'npy',
  source: ByteSource,
  x: TensorRef,
  y: TensorRef,
  options: TensorDatasetOptions,
  hashPaths: string[],
): Promise<SampleSource> {
  const { uri } = options;
  if (x.dtype !== 'uint8' && x.dtype !== 'float32') {
    bad(`${uri}: x has dtype ${x.rawDtype}; store images as uint8 or float32`);
  }
  if (x.shape.length < 2 || x.shape.length > 4) {
    bad(`${uri}: x has shape [${x.shape.join(', ')}]; expected NHWC, NHW (grayscale) or N×D`);
  }
  const count = x.shape[0] as number;
  const yShape = y.shape.length === 2 && y.shape[1] === 1 ? [y.shape[0] as number] : y.shape;
  if (yShape.length !== 1)
    bad(`${uri}: y has shape [${y.shape.join(', ')}]; expected [N] integer class labels (not one-hot)`);
  if (yShape[0] !== count)
    bad(`${uri}: x has ${count} samples but y has ${yShape[0]} labels; they must match`);
  if (y.dtype === 'float32' || y.dtype === 'other') {
    bad(`${uri}: y has dtype ${y.rawDtype}; store labels as integers (int32, int64 or uint8)`);
  }
  if (count < 2) bad(`${uri}: the dataset has ${count} sample(s); need at least 2`);
  const labelDtype = y.dtype as LabelDtype;
  const labelBytes = await source.read(y.path, { offset: y.start, length: count * LABEL_BYTES[labelDtype] });
  const labels = decodeLabels(labelBytes, labelDtype, count);
  const numClasses = resolveClassCount(labels, options.numClasses);
  const sampleShape =
    x.shape.length === 3 ? [x.shape[1] as number, x.shape[2] as number, 1] : x.shape.slice(1);
  const dtype = x.dtype as SampleDtype;
  const rowBytes = sampleShape.reduce((a, b) => a * b, 1) * (dtype === 'uint8' ? 1 : 4);
  const rows = new RowReader(source, x.path, x.start, rowBytes, count, options);
  let hash: Promise<string> | undefined;
  return {
    format,
    count,
    sampleShape,
    dtype,
    labels,
    numClasses,
    async readRows(indices) {
      const bytes = await rows.read(indices);
      return dtype === 'uint8'
        ? bytes
        : new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    },
    contentHash() {
      hash ??= (async () => {
        const h = createHash('sha256');
        for (const path of hashPaths) for await (const chunk of source.stream(path)) h.update(chunk);
        return h.digest('hex');
      })();
      return hash;
    },
    close: () => source.close(),
  };
}

/** Opens `x`/`y` from a safetensors file. */
export async function openSafetensorsDataset(
  source: ByteSource,
  path: string,
  options: TensorDatasetOptions,
): Promise<SampleSource> {
  const size = await source.size(path);
  if (size === undefined) bad(`${options.uri} does not exist`);
  let header;
  try {
    header = await readSafetensorsHeader((offset, length) => source.read(path, { offset, length }), size);
  } catch (error) {
    if (error instanceof SafetensorsFormatError)
      bad(`${options.uri} is not a valid safetensors file: ${error.message}`);
    throw error;
  }
  const ref = (name: string): TensorRef => {
    const entry = header.tensors.get(name);
    if (!entry) {
      return bad(
        `${options.uri} has no tensor '${name}' (it has ${[...header.tensors.keys()].join(', ') || 'none'}); store samples as 'x' and labels as 'y'`,
      );
    }
    return {
      path,
      start: entry.start,
      shape: entry.shape,
      dtype: SAFETENSORS_KIND[entry.dtype] ?? 'other',
      rawDtype: entry.dtype,
    };
  };
  return buildSource('safetensors', source, ref('x'), ref('y'), options, [path]);
}

/** Opens `x.npy` and `y.npy` from the folder `dir`. */
export async function openNpyDataset(
  source: ByteSource,
  dir: string,
  options: TensorDatasetOptions,
): Promise<SampleSource> {
  const ref = async (name: string): Promise<TensorRef> => {
    const path = joinPath(dir, name);
    if ((await source.size(path)) === undefined)
      bad(`${options.uri} has no ${name}; an NPY dataset is a folder with x.npy and y.npy`);
    try {
      const header = await readNpyHeader((offset, length) => source.read(path, { offset, length }));
      return {
        path,
        start: header.dataOffset,
        shape: header.shape,
        dtype: npyKind(header.dtype),
        rawDtype: header.dtype,
      };
    } catch (error) {
      if (error instanceof NpyFormatError) return bad(`${options.uri}/${name}: ${error.message}`);
      throw error;
    }
  };
  const x = await ref('x.npy');
  const y = await ref('y.npy');
  return buildSource('npy', source, x, y, options, [x.path, y.path]);
}
