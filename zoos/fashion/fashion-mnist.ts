/**
 * Reads Fashion-MNIST (or any MNIST-layout data set) from IDX files, gzipped or not. The IDX format: two zero
 * bytes, a type byte (0x08 = unsigned byte, the only one used here), the number of dimensions, one
 * big-endian uint32 size per dimension, then the values in row-major order.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** The IDX file names of one split, without the optional `.gz`. */
export const FASHION_MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

export type FashionMnistSplit = keyof typeof FASHION_MNIST_FILES;

const IDX_TYPE_UBYTE = 0x08;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** An IDX file that is truncated, of an unsupported type or inconsistent with its companion file. */
export class IdxFormatError extends Error {
  override name = 'IdxFormatError';
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A decoded unsigned-byte IDX array. */
export interface IdxArray {
  /** Sizes of the dimensions, outermost first. */
  shape: number[];
  /** The values, row-major; a view of the (decompressed) file. */
  data: Uint8Array;
}

/** Images and labels of one split: `images` is N×rows×cols, row-major, pixel values 0..255. */
export interface LabelledImages {
  count: number;
  rows: number;
  cols: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** Decodes an unsigned-byte IDX array; `bytes` may be gzip-compressed. `file` names the source in errors. */
export function decodeIdx(bytes: Uint8Array, file = '<memory>'): IdxArray {
  const raw = bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1] ? gunzip(bytes, file) : bytes;
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new IdxFormatError(`not an IDX file (bad magic number)`, file);
  }
  if (raw[2] !== IDX_TYPE_UBYTE) {
    throw new IdxFormatError(
      `unsupported IDX value type 0x${(raw[2] ?? 0).toString(16)}: only unsigned bytes (0x08)`,
      file,
    );
  }
  const ndims = raw[3] ?? 0;
  const headerBytes = 4 + 4 * ndims;
  if (ndims === 0 || raw.length < headerBytes) {
    throw new IdxFormatError(`truncated IDX header (${ndims} dimensions)`, file);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: ndims }, (_, d) => view.getUint32(4 + 4 * d, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (raw.length - headerBytes < size) {
    throw new IdxFormatError(
      `truncated IDX data: shape [${shape.join(', ')}] needs ${size} bytes, found ${raw.length - headerBytes}`,
      file,
    );
  }
  // A plain Uint8Array view (not a Buffer), whatever the source.
  return { shape, data: new Uint8Array(raw.buffer, raw.byteOffset + headerBytes, size) };
}

/** Encodes an unsigned-byte IDX array (the inverse of {@link decodeIdx}, uncompressed); used to make fixtures. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const headerBytes = 4 + 4 * array.shape.length;
  const out = new Uint8Array(headerBytes + array.data.length);
  const view = new DataView(out.buffer);
  out[2] = IDX_TYPE_UBYTE;
  out[3] = array.shape.length;
  array.shape.forEach((size, d) => view.setUint32(4 + 4 * d, size, false));
  out.set(array.data, headerBytes);
  return out;
}

/**
 * Reads one split from `dir`, taking `NAME.gz` when present and `NAME` otherwise.
 * @throws IdxFormatError when the files are malformed or their counts disagree.
 */
export async function readFashionMnist(
  split: FashionMnistSplit,
  dir: string = DEBIAN_FASHION_MNIST_DIR,
): Promise<LabelledImages> {
  const names = FASHION_MNIST_FILES[split];
  const images = decodeIdx(...(await readEitherFile(join(dir, names.images))));
  const labels = decodeIdx(...(await readEitherFile(join(dir, names.labels))));
  const [count = 0, rows = 0, cols = 0] = images.shape;
  if (images.shape.length !== 3)
    throw new IdxFormatError(`images must have 3 dimensions, found ${images.shape.length}`, names.images);
  if (labels.shape.length !== 1 || labels.shape[0] !== count) {
    throw new IdxFormatError(
      `labels shape [${labels.shape.join(', ')}] does not match ${count} images`,
      names.labels,
    );
  }
  return { count, rows, cols, images: images.data, labels: labels.data };
}

async function readEitherFile(path: string): Promise<[Uint8Array, string]> {
  try {
    return [await readFile(`${path}.gz`), `${path}.gz`];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    return [await readFile(path), path];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new IdxFormatError(
      `neither ${path}.gz nor ${path} exists: install Debian's dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist) or point --data-dir at the IDX files`,
      path,
      { cause: error },
    );
  }
}

function gunzip(bytes: Uint8Array, file: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new IdxFormatError(`corrupt gzip stream`, file, { cause: error });
  }
}
