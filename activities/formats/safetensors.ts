/**
 * The one safetensors codec (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON header (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
 * {string: string}}`, offsets relative to the end of the header), then the raw little-endian tensor bytes,
 * contiguous and without gaps. Two layers over one writer:
 * - raw tensors of any dtype: `readSafetensorsHeader` reads the header first so big tensors can be fetched
 *   by ranges (datasets), `encodeSafetensors` / `decodeSafetensors` (checkpoints, feature caches);
 * - float32 tensors: `encodeFloat32Safetensors` (validating, then the same writer) and the defensive
 *   `decodeFloat32Safetensors`, which reads F32, F16, BF16 and F64 as Float32Array (snapshots).
 */
import { SafetensorsError } from '../capacitance/errors.js';

/** Bytes per element of the dtypes we read and write. */
export const SAFETENSORS_DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offset of the tensor's first byte in the file. */
  start: number;
  /** Absolute byte offset one past its last byte. */
  end: number;
}

export interface SafetensorsHeader {
  /** Absolute offset of the data section (8 + header length). */
  dataOffset: number;
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

export class SafetensorsFormatError extends Error {
  override name = 'SafetensorsFormatError';
  readonly nonRetryable = true;
}

/** Largest accepted JSON header, in bytes (the limit of the reference implementation). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Name of the header entry holding the string-to-string metadata map. */
export const METADATA_KEY = '__metadata__';

/**
 * Parses the header with two reads (length, then JSON); tensor data is not read.
 * @param read returns `length` bytes at `offset`.
 */
export async function readSafetensorsHeader(
  read: (offset: number, length: number) => Promise<Uint8Array>,
  fileSize?: number,
): Promise<SafetensorsHeader> {
  const lengthBytes = await read(0, 8);
  if (lengthBytes.byteLength < 8)
    throw new SafetensorsFormatError('file shorter than the 8-byte header length');
  const headerLength = Number(
    new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true),
  );
  if (headerLength <= 1 || headerLength > MAX_HEADER_BYTES)
    throw new SafetensorsFormatError(`implausible header length ${headerLength}`);
  const headerBytes = await read(8, headerLength);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(headerBytes).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new SafetensorsFormatError(`header is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const dataOffset = 8 + headerLength;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === METADATA_KEY) {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (
      !v ||
      typeof v.dtype !== 'string' ||
      !(v.dtype in SAFETENSORS_DTYPE_BYTES) ||
      !Array.isArray(v.shape) ||
      !Array.isArray(v.data_offsets)
    ) {
      throw new SafetensorsFormatError(
        `tensor '${name}' has an unsupported dtype or a malformed entry: ${JSON.stringify(v)}`,
      );
    }
    const dtype = v.dtype as SafetensorsDtype;
    const [begin, finish] = v.data_offsets;
    const expected = v.shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_BYTES[dtype];
    if (finish - begin !== expected) {
      throw new SafetensorsFormatError(
        `tensor '${name}' spans ${finish - begin} bytes but shape [${v.shape.join(', ')}] ${dtype} needs ${expected}`,
      );
    }
    if (fileSize !== undefined && dataOffset + finish > fileSize) {
      throw new SafetensorsFormatError(
        `tensor '${name}' ends at byte ${dataOffset + finish}, past the end of the ${fileSize}-byte file`,
      );
    }
    tensors.set(name, { dtype, shape: v.shape, start: dataOffset + begin, end: dataOffset + finish });
  }
  return { dataOffset, tensors, metadata };
}

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Raw little-endian bytes (a typed array's bytes on little-endian hosts). */
  data: ArrayBufferView;
}

/** Encodes tensors in the given order; the header is padded with spaces to an 8-byte boundary. */
export function encodeSafetensors(
  tensors: readonly SafetensorsTensor[],
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const t of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== expected) {
      throw new SafetensorsFormatError(
        `tensor '${t.name}': ${t.data.byteLength} bytes for shape [${t.shape.join(', ')}] ${t.dtype} (needs ${expected})`,
      );
    }
    // Object.defineProperty keeps a tensor named "__proto__" an ordinary own key.
    Object.defineProperty(header, t.name, {
      value: { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const padding = (8 - ((Buffer.byteLength(json) + 8) % 8)) % 8;
  json += ' '.repeat(padding);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Parses a whole safetensors file held in memory; `tensor()` returns an aligned copy of a tensor's bytes. */
export async function decodeSafetensors(bytes: Uint8Array): Promise<{
  header: SafetensorsHeader;
  tensor(name: string): { entry: SafetensorsEntry; bytes: Uint8Array } | undefined;
}> {
  const header = await readSafetensorsHeader(
    (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
    bytes.byteLength,
  );
  return {
    header,
    tensor(name) {
      const entry = header.tensors.get(name);
      // A copy, not a view: Node's Buffer#slice shares memory, and typed views need aligned offsets.
      return entry ? { entry, bytes: new Uint8Array(bytes.subarray(entry.start, entry.end)) } : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------- float32 layer

/** Element types the reader converts to Float32Array, with their size in bytes. */
export const READABLE_DTYPES = { F32: 4, F16: 2, BF16: 2, F64: 8 } as const;
export type ReadableDtype = keyof typeof READABLE_DTYPES;

/** Element types of the format that ncap does not read (named so the error can say so). */
const KNOWN_UNREADABLE_DTYPES = new Set([
  'BOOL',
  'U8',
  'I8',
  'U16',
  'I16',
  'U32',
  'I32',
  'U64',
  'I64',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'C64',
]);

/** A tensor to write (always stored as F32). */
export interface TensorInput {
  /** Dimensions; `[]` is a scalar (one element). Non-negative integers. */
  shape: readonly number[];
  /** Row-major values, length = product of `shape`. */
  data: Float32Array;
}

/** A tensor as read: `dtype` is the stored element type, `data` always float32. */
export interface DecodedTensor {
  dtype: ReadableDtype;
  shape: number[];
  data: Float32Array;
}

export interface DecodedSafetensors {
  /** Tensors in header order. */
  tensors: Map<string, DecodedTensor>;
  /** The `__metadata__` map; `{}` when absent. */
  metadata: Record<string, string>;
}

export interface DecodeOptions {
  /**
   * Largest accepted header, in bytes.
   * @default MAX_HEADER_BYTES (100 MB)
   */
  maxHeaderBytes?: number;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Product of the dims, or an error when a dim is invalid or the count is not a safe integer. */
function elementCount(shape: readonly unknown[], where: string): number {
  let count = 1;
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw new SafetensorsError(
        `${where}: shape entries must be non-negative integers, got ${describe(dim)}`,
      );
    }
    count *= dim;
    if (!Number.isSafeInteger(count))
      throw new SafetensorsError(`${where}: shape [${shape.join(', ')}] is too large`);
  }
  return count;
}

// ---------------------------------------------------------------------------------------------- writing

/**
 * Encodes F32 tensors and string metadata as a safetensors file, through `encodeSafetensors`. Tensors are
 * laid out in iteration order; the header is space-padded so the data starts 8-byte aligned.
 * @throws SafetensorsError for an invalid name, shape, data or metadata value.
 */
export function encodeFloat32Safetensors(
  tensors: ReadonlyMap<string, TensorInput> | Readonly<Record<string, TensorInput>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const entries: [string, TensorInput][] =
    tensors instanceof Map ? [...(tensors as ReadonlyMap<string, TensorInput>)] : Object.entries(tensors);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(`metadata ${JSON.stringify(key)} must be a string, got ${describe(value)}`);
    }
  }
  const raw = entries.map(([name, tensor]): SafetensorsTensor => {
    if (typeof name !== 'string' || name.length === 0 || name === METADATA_KEY) {
      throw new SafetensorsError(`invalid tensor name ${JSON.stringify(name)}`);
    }
    if (!tensor || !(tensor.data instanceof Float32Array) || !Array.isArray(tensor.shape)) {
      throw new SafetensorsError(`tensor ${JSON.stringify(name)} needs a shape array and Float32Array data`);
    }
    const count = elementCount(tensor.shape, `tensor ${JSON.stringify(name)}`);
    if (count !== tensor.data.length) {
      throw new SafetensorsError(
        `tensor ${JSON.stringify(name)}: shape [${tensor.shape.join(', ')}] has ${count} elements but data has ${tensor.data.length}`,
      );
    }
    return { name, dtype: 'F32', shape: [...tensor.shape], data: littleEndianF32(tensor.data) };
  });
  return encodeSafetensors(raw, metadata);
}

/** The little-endian bytes of `data` (its own bytes on a little-endian host). */
function littleEndianF32(data: Float32Array): ArrayBufferView {
  if (LITTLE_ENDIAN_HOST) return data;
  const bytes = new Uint8Array(data.byteLength);
  const view = new DataView(bytes.buffer);
  for (let t = 0; t < data.length; t++) view.setFloat32(t * 4, data[t]!, true);
  return bytes;
}

// ---------------------------------------------------------------------------------------------- reading

interface HeaderEntry {
  name: string;
  dtype: ReadableDtype;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, info: unknown, dataLength: number): HeaderEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (!isPlainObject(info))
    throw new SafetensorsError(`${where}: header entry must be an object, got ${describe(info)}`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string')
    throw new SafetensorsError(`${where}: dtype must be a string, got ${describe(dtype)}`);
  if (!Object.hasOwn(READABLE_DTYPES, dtype)) {
    if (KNOWN_UNREADABLE_DTYPES.has(dtype)) {
      throw new SafetensorsError(
        `${where}: dtype ${dtype} is not supported; ncap reads ${Object.keys(READABLE_DTYPES).join(', ')}`,
      );
    }
    throw new SafetensorsError(`${where}: unknown dtype ${JSON.stringify(dtype.slice(0, 40))}`);
  }
  if (!Array.isArray(shape))
    throw new SafetensorsError(`${where}: shape must be an array, got ${describe(shape)}`);
  const count = elementCount(shape, where);
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw new SafetensorsError(`${where}: data_offsets must be [begin, end], got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as unknown[];
  if (
    typeof begin !== 'number' ||
    typeof end !== 'number' ||
    !Number.isSafeInteger(begin) ||
    !Number.isSafeInteger(end) ||
    begin < 0 ||
    end < begin
  ) {
    throw new SafetensorsError(
      `${where}: data_offsets must be integers 0 ≤ begin ≤ end, got [${String(begin)}, ${String(end)}]`,
    );
  }
  if (end > dataLength) {
    throw new SafetensorsError(
      `${where}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes)`,
    );
  }
  const itemSize = READABLE_DTYPES[dtype as ReadableDtype];
  if (count * itemSize !== end - begin) {
    throw new SafetensorsError(
      `${where}: shape [${shape.join(', ')}] of ${dtype} needs ${count * itemSize} bytes but data_offsets span ${end - begin}`,
    );
  }
  return { name, dtype: dtype as ReadableDtype, shape: shape as number[], begin, end };
}

let halfTable: Float32Array | undefined;

/** float16 bit pattern → float32 value, for all 65,536 patterns. */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) table[h] = sign * fraction * 2 ** -24;
    else if (exponent === 31) table[h] = fraction ? NaN : sign * Infinity;
    else table[h] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  halfTable = table;
  return table;
}

function decodeData(bytes: Uint8Array, start: number, entry: HeaderEntry): Float32Array {
  const byteLength = entry.end - entry.begin;
  const at = start + entry.begin;
  switch (entry.dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN_HOST) {
        // Copy into a fresh, aligned buffer: the tensor may start at any byte and must not alias the input.
        const copy = new Uint8Array(byteLength);
        copy.set(bytes.subarray(at, at + byteLength));
        return new Float32Array(copy.buffer);
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, byteLength);
      return Float32Array.from({ length: byteLength / 4 }, (_, t) => view.getFloat32(t * 4, true));
    }
    case 'F64': {
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, byteLength);
      const out = new Float32Array(byteLength / 8);
      for (let t = 0; t < out.length; t++) out[t] = view.getFloat64(t * 8, true);
      return out;
    }
    case 'F16': {
      const table = halfToFloatTable();
      const out = new Float32Array(byteLength / 2);
      for (let t = 0; t < out.length; t++)
        out[t] = table[bytes[at + 2 * t]! | (bytes[at + 2 * t + 1]! << 8)]!;
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: write the bits through an integer view of the output.
      const out = new Float32Array(byteLength / 2);
      const bits = new Uint32Array(out.buffer);
      for (let t = 0; t < bits.length; t++)
        bits[t] = ((bytes[at + 2 * t]! | (bytes[at + 2 * t + 1]! << 8)) << 16) >>> 0;
      return out;
    }
  }
}

/** The header length from the first 8 bytes, checked against the file size and `maxHeaderBytes`. */
function readHeaderLength(bytes: Uint8Array, maxHeaderBytes: number): number {
  if (bytes.length < 8) {
    throw new SafetensorsError(
      `truncated file: ${bytes.length} bytes; a safetensors file starts with an 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low; // exact while high < 2^21; larger values fail the bound below anyway
  if (high !== 0 || headerLength > maxHeaderBytes) {
    throw new SafetensorsError(`header length ${headerLength} exceeds the limit of ${maxHeaderBytes} bytes`);
  }
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsError(
      `truncated file: header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`,
    );
  }
  return headerLength;
}

/** The header bytes after the length, parsed as a UTF-8 JSON object. */
function parseHeaderJson(bytes: Uint8Array, headerLength: number): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    );
  } catch (error) {
    throw new SafetensorsError('header is not valid UTF-8', { cause: error });
  }
  if (!text.startsWith('{')) throw new SafetensorsError(`header must be a JSON object starting with '{'`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(
      `header is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (!isPlainObject(header))
    throw new SafetensorsError(`header must be a JSON object, got ${describe(header)}`);
  return header;
}

/** The `__metadata__` entry as a fresh string-to-string map. */
function parseMetadata(info: unknown): Record<string, string> {
  if (!isPlainObject(info))
    throw new SafetensorsError(`${METADATA_KEY} must be an object of strings, got ${describe(info)}`);
  for (const [key, value] of Object.entries(info)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        `metadata ${JSON.stringify(key.slice(0, 40))} must be a string, got ${describe(value)}`,
      );
    }
  }
  return Object.fromEntries(Object.entries(info as Record<string, string>));
}

/** The header's metadata and its tensor entries in header order, each checked against the data length. */
function parseHeaderEntries(
  header: Record<string, unknown>,
  dataLength: number,
): { metadata: Record<string, string>; entries: HeaderEntry[] } {
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(info);
      continue;
    }
    entries.push(parseEntry(name, info, dataLength));
  }
  return { metadata, entries };
}

/** Checks that the entries tile the data section: sorted by offset, each starts where the last ended. */
function checkDataTiling(entries: readonly HeaderEntry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const entry of sorted) {
    if (entry.begin < cursor) {
      throw new SafetensorsError(
        `tensor ${JSON.stringify(entry.name)}: data_offsets [${entry.begin}, ${entry.end}] overlap another tensor`,
      );
    }
    if (entry.begin > cursor) {
      throw new SafetensorsError(`gap in the data: bytes [${cursor}, ${entry.begin}) belong to no tensor`);
    }
    cursor = entry.end;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError(
      `the data section has ${dataLength} bytes but the tensors cover ${cursor}; the file is truncated or has trailing bytes`,
    );
  }
}

/** Each entry's data converted to float32, keyed by name in header order. */
function decodeTensors(
  bytes: Uint8Array,
  dataStart: number,
  entries: readonly HeaderEntry[],
): Map<string, DecodedTensor> {
  const tensors = new Map<string, DecodedTensor>();
  for (const entry of entries) {
    tensors.set(entry.name, {
      dtype: entry.dtype,
      shape: entry.shape,
      data: decodeData(bytes, dataStart, entry),
    });
  }
  return tensors;
}

/**
 * Decodes a safetensors file. Tensors of dtype F32, F16, BF16 or F64 come back as Float32Array (F64
 * rounded to float32).
 * @throws SafetensorsError when the bytes are truncated, the header is too large, runs past the end, is not
 * UTF-8 JSON of the expected form, offsets overlap, leave gaps or run out of range, a dtype is unknown or
 * unsupported, a shape does not match its byte span, or metadata values are not strings.
 */
export function decodeFloat32Safetensors(bytes: Uint8Array, options: DecodeOptions = {}): DecodedSafetensors {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError('input must be a Uint8Array');
  const headerLength = readHeaderLength(bytes, options.maxHeaderBytes ?? MAX_HEADER_BYTES);
  const header = parseHeaderJson(bytes, headerLength);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const { metadata, entries } = parseHeaderEntries(header, dataLength);
  checkDataTiling(entries, dataLength);
  return { tensors: decodeTensors(bytes, dataStart, entries), metadata };
}
