import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeFloat32Safetensors as decodeWithCapacitance } from '../../../activities/formats/safetensors.js';
import { NpyFormatError, encodeNpy, readNpyHeader } from '../../../activities/training/npy-file.js';
import {
  SafetensorsFormatError,
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsHeader,
} from '../../../activities/formats/safetensors.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/npy-numpy/${name}`, import.meta.url));
const reader = (bytes: Uint8Array) => (offset: number, length: number) =>
  Promise.resolve(bytes.subarray(offset, offset + length));

describe('NPY', () => {
  it('reads headers of files written by NumPy (uint8, int64, float32)', async () => {
    const x = await readFile(fixture('x.npy'));
    const header = await readNpyHeader(reader(x));
    expect(header).toMatchObject({ dtype: 'u1', shape: [6, 4, 4] });
    // NumPy wrote x = arange(96) * 7 % 256.
    const data = x.subarray(header.dataOffset);
    expect(Array.from(data.subarray(0, 5))).toEqual([0, 7, 14, 21, 28]);
    expect(data.byteLength).toBe(96);
    const y = await readFile(fixture('y.npy'));
    const yh = await readNpyHeader(reader(y));
    expect(yh).toMatchObject({ dtype: 'i8', shape: [6] });
    expect(Array.from(new BigInt64Array(new Uint8Array(y.subarray(yh.dataOffset)).buffer), Number)).toEqual([
      0, 1, 2, 0, 1, 2,
    ]);
    const f = await readFile(fixture('xf32.npy'));
    const fh = await readNpyHeader(reader(f));
    expect(fh).toMatchObject({ dtype: 'f4', shape: [2, 3, 2, 3] });
    expect(new Float32Array(new Uint8Array(f.subarray(fh.dataOffset)).buffer)[5]).toBeCloseTo(0.5, 6);
  });

  it('writes what NumPy writes for the same array (byte for byte)', async () => {
    const numpy = await readFile(fixture('x.npy'));
    const values = Uint8Array.from({ length: 96 }, (_, i) => (i * 7) % 256);
    expect(Buffer.compare(Buffer.from(encodeNpy('u1', [6, 4, 4], values)), numpy)).toBe(0);
  });

  it('round-trips 1-D arrays and rejects what it cannot read', async () => {
    const encoded = encodeNpy('i4', [3], Int32Array.from([5, -1, 7]));
    const header = await readNpyHeader(reader(encoded));
    expect(header).toMatchObject({ dtype: 'i4', shape: [3] });
    expect(header.dataOffset % 64).toBe(0);
    await expect(readNpyHeader(reader(new TextEncoder().encode('not an npy file at all')))).rejects.toThrow(
      NpyFormatError,
    );
    const fortran = Buffer.from(
      Buffer.from(encoded).toString('latin1').replace("'fortran_order': False", "'fortran_order': True "),
      'latin1',
    );
    await expect(readNpyHeader(reader(fortran))).rejects.toThrow(/Fortran/);
  });
});

describe('safetensors', () => {
  it('encodes files the capacitance reader (an independent implementation) decodes', () => {
    const bytes = encodeSafetensors(
      [
        { name: 'a', dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
        { name: 'b', dtype: 'F32', shape: [3], data: Float32Array.from([-1, 0.5, 9]) },
      ],
      { k: 'v' },
    );
    const decoded = decodeWithCapacitance(bytes);
    expect(decoded.metadata).toEqual({ k: 'v' });
    expect(Array.from(decoded.tensors.get('a')!.data)).toEqual([1, 2, 3, 4]);
    expect(decoded.tensors.get('b')!.shape).toEqual([3]);
    // Data section starts 8-byte aligned.
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
  });

  it('reads headers without the data and decodes integer tensors', async () => {
    const bytes = encodeSafetensors([
      { name: 'x', dtype: 'U8', shape: [3, 2], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'y', dtype: 'I64', shape: [3], data: BigInt64Array.from([7n, 8n, 9n]) },
    ]);
    const header = await readSafetensorsHeader(reader(bytes), bytes.byteLength);
    const x = header.tensors.get('x')!;
    expect(x).toMatchObject({ dtype: 'U8', shape: [3, 2] });
    expect(Array.from(bytes.subarray(x.start, x.end))).toEqual([1, 2, 3, 4, 5, 6]);
    const file = await decodeSafetensors(Buffer.from(bytes));
    const y = file.tensor('y')!;
    expect(Array.from(new BigInt64Array(y.bytes.buffer, y.bytes.byteOffset, 3))).toEqual([7n, 8n, 9n]);
  });

  it('rejects truncated files and inconsistent entries', async () => {
    const bytes = encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [4], data: new Float32Array(4) }]);
    await expect(readSafetensorsHeader(reader(bytes), bytes.byteLength - 4)).rejects.toThrow(
      SafetensorsFormatError,
    );
    expect(() =>
      encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [5], data: new Float32Array(4) }]),
    ).toThrow(/needs 20/);
    await expect(readSafetensorsHeader(reader(new Uint8Array(4)))).rejects.toThrow(/shorter/);
  });
});
