/**
 * The safetensors layout (8-byte little-endian header length, JSON header, raw little-endian tensors),
 * read header-first so big tensors can be fetched by ranges, and written for checkpoints and feature
 * caches. Snapshots go through the capacitance codec; this is the generic part.
 */

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

/** Largest header we accept (the format's own limit is 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

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
    if (name === '__metadata__') {
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
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1) * SAFETENSORS_DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== expected) {
      throw new SafetensorsFormatError(
        `tensor '${t.name}': ${t.data.byteLength} bytes for shape [${t.shape.join(', ')}] ${t.dtype} (needs ${expected})`,
      );
    }
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
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
