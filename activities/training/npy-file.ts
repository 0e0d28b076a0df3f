/**
 * A minimal NPY (NumPy `.npy`, format versions 1–3) header reader and writer: little-endian or
 * byte-sized dtypes, C order. Data is not read here, so large arrays can be fetched by ranges.
 */

/** NPY dtypes we read, by their `descr` (endianness stripped). */
export const NPY_DTYPES = {
  u1: { bytes: 1, name: 'uint8' },
  i1: { bytes: 1, name: 'int8' },
  b1: { bytes: 1, name: 'bool' },
  u2: { bytes: 2, name: 'uint16' },
  i2: { bytes: 2, name: 'int16' },
  u4: { bytes: 4, name: 'uint32' },
  i4: { bytes: 4, name: 'int32' },
  u8: { bytes: 8, name: 'uint64' },
  i8: { bytes: 8, name: 'int64' },
  f4: { bytes: 4, name: 'float32' },
  f8: { bytes: 8, name: 'float64' },
} as const;
export type NpyDtype = keyof typeof NPY_DTYPES;

export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
}

export class NpyFormatError extends Error {
  override name = 'NpyFormatError';
  readonly nonRetryable = true;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses the header; `read(offset, length)` returns file bytes. Two reads at most. */
export async function readNpyHeader(
  read: (offset: number, length: number) => Promise<Uint8Array>,
): Promise<NpyHeader> {
  const prefix = await read(0, 12);
  if (prefix.byteLength < 10 || MAGIC.some((b, i) => prefix[i] !== b))
    throw new NpyFormatError('not an NPY file (bad magic)');
  const major = prefix[6] as number;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const [headerLength, headerStart] =
    major === 1 ? [view.getUint16(8, true), 10] : [view.getUint32(8, true), 12];
  if (major < 1 || major > 3) throw new NpyFormatError(`unsupported NPY version ${major}`);
  const text = Buffer.from(await read(headerStart, headerLength)).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (!descr || !fortran || shapeText === undefined)
    throw new NpyFormatError(`malformed NPY header: ${text.trim()}`);
  if (fortran === 'True')
    throw new NpyFormatError('Fortran-ordered arrays are not supported; save with np.ascontiguousarray');
  const order = descr[0];
  const code = descr.slice(1);
  if (!(code in NPY_DTYPES)) throw new NpyFormatError(`unsupported NPY dtype '${descr}'`);
  const dtype = code as NpyDtype;
  if (order === '>' && NPY_DTYPES[dtype].bytes > 1)
    throw new NpyFormatError(`big-endian dtype '${descr}'; save with little-endian ('<')`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new NpyFormatError(`malformed NPY shape (${shapeText})`);
  return { dtype, shape, dataOffset: headerStart + headerLength };
}

/** Encodes an array as NPY v1 (little-endian, C order). `data` holds the raw elements of `dtype`. */
export function encodeNpy(dtype: NpyDtype, shape: readonly number[], data: ArrayBufferView): Uint8Array {
  const endian = NPY_DTYPES[dtype].bytes === 1 ? '|' : '<';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${endian}${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so the data starts on a 64-byte boundary, header ends with a newline.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
