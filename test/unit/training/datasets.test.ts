import { cp, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, type OpenDatasetOptions } from '../../../activities/training/datasets.js';
import { DatasetError } from '../../../activities/training/errors.js';
import { encodeNpy } from '../../../activities/training/npy-file.js';
import { encodeSafetensors } from '../../../activities/formats/safetensors.js';
import { syntheticImages, tempDir, writeSafetensorsDataset } from './helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('datasets');
});
afterAll(() => dir.cleanup());

const options = (uri: string, extra: Partial<OpenDatasetOptions> = {}): OpenDatasetOptions => ({
  uri,
  format: 'auto',
  imageTarget: { height: null, width: null, channels: 3 },
  ...extra,
});

const fieldOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
  } catch (error) {
    if (error instanceof DatasetError) return error.field;
    throw error;
  }
  return undefined;
};

describe('safetensors datasets', () => {
  const data = syntheticImages(30, 3, 5, 4, 2);

  it('reads labels of every integer dtype and rows in the requested order', async () => {
    for (const dtype of ['I32', 'I64', 'U8'] as const) {
      const uri = await writeSafetensorsDataset(join(dir.path, `st-${dtype}`), data, 'd.safetensors', dtype);
      for (const inMemoryMaxBytes of [0, 1 << 20]) {
        const ds = await openDataset(options(uri, { inMemoryMaxBytes }), {});
        try {
          expect(ds.format).toBe('safetensors');
          expect(ds.count).toBe(30);
          expect(ds.sampleShape).toEqual([5, 4, 2]);
          expect(Array.from(ds.labels)).toEqual(Array.from(data.y));
          expect(ds.numClasses).toBe(3);
          const rowSize = 5 * 4 * 2;
          const rows = await ds.readRows([7, 2]);
          expect(Array.from(rows)).toEqual([
            ...data.x.subarray(7 * rowSize, 8 * rowSize),
            ...data.x.subarray(2 * rowSize, 3 * rowSize),
          ]);
        } finally {
          await ds.close();
        }
      }
    }
  });

  it('treats NHW as one channel and reads float32 samples', async () => {
    const x = Float32Array.from({ length: 4 * 3 * 3 }, (_, i) => i / 10);
    const bytes = encodeSafetensors([
      { name: 'x', dtype: 'F32', shape: [4, 3, 3], data: x },
      { name: 'y', dtype: 'I32', shape: [4, 1], data: Int32Array.from([0, 1, 1, 0]) },
    ]);
    await writeFile(join(dir.path, 'nhw.safetensors'), bytes);
    const ds = await openDataset(options(pathToFileURL(join(dir.path, 'nhw.safetensors')).href), {});
    expect(ds.sampleShape).toEqual([3, 3, 1]);
    expect(ds.dtype).toBe('float32');
    const row = await ds.readRows([3]);
    expect(row).toBeInstanceOf(Float32Array);
    expect(Array.from(row)).toEqual(Array.from(x.subarray(27, 36)));
    await ds.close();
  });

  it('gives clear errors naming the field for inconsistent files', async () => {
    const write = async (name: string, tensors: Parameters<typeof encodeSafetensors>[0]) => {
      await writeFile(join(dir.path, name), encodeSafetensors(tensors));
      return pathToFileURL(join(dir.path, name)).href;
    };
    const x = { name: 'x', dtype: 'U8' as const, shape: [4, 2, 2, 1], data: new Uint8Array(16) };
    const noY = await write('noy.safetensors', [x]);
    await expect(openDataset(options(noY), {})).rejects.toThrow(
      /no tensor 'y'.*store samples as 'x' and labels as 'y'/,
    );
    const short = await write('short.safetensors', [
      x,
      { name: 'y', dtype: 'I32', shape: [3], data: new Int32Array(3) },
    ]);
    await expect(openDataset(options(short), {})).rejects.toThrow(/4 samples but y has 3 labels/);
    const floatY = await write('fy.safetensors', [
      x,
      { name: 'y', dtype: 'F32', shape: [4], data: new Float32Array(4) },
    ]);
    await expect(openDataset(options(floatY), {})).rejects.toThrow(/store labels as integers/);
    const oneHot = await write('oh.safetensors', [
      x,
      { name: 'y', dtype: 'I32', shape: [4, 2], data: new Int32Array(8) },
    ]);
    await expect(openDataset(options(oneHot), {})).rejects.toThrow(/not one-hot/);
    const negative = await write('neg.safetensors', [
      x,
      { name: 'y', dtype: 'I32', shape: [4], data: Int32Array.from([0, 1, -1, 0]) },
    ]);
    await expect(openDataset(options(negative), {})).rejects.toThrow(/label 2 is -1/);
    const single = await write('one.safetensors', [
      x,
      { name: 'y', dtype: 'I32', shape: [4], data: new Int32Array(4) },
    ]);
    expect(await fieldOf(openDataset(options(single), {}))).toBe('dataset.numClasses');
    const good = await write('good.safetensors', [
      x,
      { name: 'y', dtype: 'I32', shape: [4], data: Int32Array.from([0, 1, 2, 3]) },
    ]);
    expect(await fieldOf(openDataset(options(good, { numClasses: 3 }), {}))).toBe('dataset.numClasses');
    await expect(openDataset(options(good, { numClasses: 3 }), {})).rejects.toThrow(
      /set dataset.numClasses to at least 4/,
    );
    const ds = await openDataset(options(good, { numClasses: 10 }), {});
    expect(ds.numClasses).toBe(10);
    await ds.close();
    expect(
      await fieldOf(openDataset(options(pathToFileURL(join(dir.path, 'missing.safetensors')).href), {})),
    ).toBe('dataset.uri');
  });

  it('hashes content: equal for equal bytes, different when a pixel changes', async () => {
    const a = await writeSafetensorsDataset(join(dir.path, 'h1'), data);
    const b = await writeSafetensorsDataset(join(dir.path, 'h2'), data);
    const changed = { ...data, x: Uint8Array.from(data.x) };
    changed.x[17] = (changed.x[17]! + 1) % 256;
    const c = await writeSafetensorsDataset(join(dir.path, 'h3'), changed);
    const hash = async (uri: string) => {
      const ds = await openDataset(options(uri), {});
      try {
        return await ds.contentHash();
      } finally {
        await ds.close();
      }
    };
    expect(await hash(a)).toBe(await hash(b));
    expect(await hash(a)).not.toBe(await hash(c));
  });
});

describe('NPY datasets', () => {
  it('reads a folder of x.npy and y.npy written by NumPy (int64 labels, NHW uint8)', async () => {
    const folder = join(dir.path, 'npy');
    await mkdir(folder, { recursive: true });
    const fixtures = fileURLToPath(new URL('./fixtures/npy-numpy/', import.meta.url));
    await cp(join(fixtures, 'x.npy'), join(folder, 'x.npy'));
    await cp(join(fixtures, 'y.npy'), join(folder, 'y.npy'));
    const ds = await openDataset(options(pathToFileURL(folder).href), {});
    expect(ds.format).toBe('npy');
    expect(ds.sampleShape).toEqual([4, 4, 1]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 0, 1, 2]);
    // NumPy wrote x = arange(96) * 7 % 256 reshaped to (6, 4, 4).
    expect(Array.from(await ds.readRows([5]))).toEqual(
      Array.from({ length: 16 }, (_, i) => ((80 + i) * 7) % 256),
    );
    await ds.close();
  });

  it('says which file is missing', async () => {
    const folder = join(dir.path, 'npy-half');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'x.npy'), encodeNpy('u1', [2, 2, 2], new Uint8Array(8)));
    await expect(openDataset(options(pathToFileURL(folder).href, { format: 'npy' }), {})).rejects.toThrow(
      /no y.npy/,
    );
  });
});

describe('image-folder datasets', () => {
  /** Writes class folders of small PNGs with known pixels; returns the pixels per file. */
  async function writeImageFolder(
    root: string,
    classes: string[],
    perClass: number,
    channels: 1 | 3,
    ext: 'png' | 'jpg' = 'png',
  ) {
    const pixels = new Map<string, Uint8Array>();
    for (const [c, name] of classes.entries()) {
      await mkdir(join(root, name), { recursive: true });
      for (let k = 0; k < perClass; k++) {
        const raw = Uint8Array.from({ length: 6 * 5 * channels }, (_, i) => (i * 13 + c * 50 + k * 7) % 256);
        const image = sharp(raw, { raw: { width: 5, height: 6, channels } });
        const file = join(root, name, `img-${k}.${ext}`);
        await writeFile(
          file,
          ext === 'png' ? await image.png().toBuffer() : await image.jpeg({ quality: 100 }).toBuffer(),
        );
        pixels.set(`${name}/img-${k}.${ext}`, raw);
      }
    }
    await writeFile(join(root, 'README.txt'), 'not an image');
    return pixels;
  }

  it('labels by sorted class folder and decodes PNGs exactly at their own size', async () => {
    const root = join(dir.path, 'images');
    const pixels = await writeImageFolder(root, ['zebra', 'ant', 'moose'], 3, 3);
    const ds = await openDataset(options(pathToFileURL(root).href), {});
    try {
      expect(ds.format).toBe('image-folder');
      expect(ds.classNames).toEqual(['ant', 'moose', 'zebra']);
      expect(ds.count).toBe(9);
      expect(ds.sampleShape).toEqual([6, 5, 3]);
      expect(Array.from(ds.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
      const rows = await ds.readRows([4, 0]);
      expect(Array.from(rows.subarray(0, 90))).toEqual(Array.from(pixels.get('moose/img-1.png')!));
      expect(Array.from(rows.subarray(90))).toEqual(Array.from(pixels.get('ant/img-0.png')!));
      expect(await ds.contentHash()).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await ds.close();
    }
  });

  it('resizes to the model input and converts grayscale to RGB by repetition', async () => {
    const root = join(dir.path, 'gray');
    await writeImageFolder(root, ['a', 'b'], 2, 1);
    const ds = await openDataset(
      options(pathToFileURL(root).href, { imageTarget: { height: 12, width: 10, channels: 3 } }),
      {},
    );
    try {
      expect(ds.sampleShape).toEqual([12, 10, 3]);
      const row = await ds.readRows([0]);
      expect(row.length).toBe(12 * 10 * 3);
      for (let p = 0; p < 120; p++) expect(row[p * 3]).toBe(row[p * 3 + 1]);
    } finally {
      await ds.close();
    }
  });

  it('decodes JPEGs (lossy, so approximately)', async () => {
    const root = join(dir.path, 'jpeg');
    const pixels = await writeImageFolder(root, ['a', 'b'], 1, 3, 'jpg');
    const ds = await openDataset(options(pathToFileURL(root).href), {});
    const row = await ds.readRows([1]);
    const expected = pixels.get('b/img-0.jpg')!;
    const meanError = Array.from(row).reduce((s, v, i) => s + Math.abs(v - expected[i]!), 0) / row.length;
    expect(meanError).toBeLessThan(40);
    await ds.close();
  });

  it('reports class-count mismatches and folders without class sub-folders', async () => {
    const root = join(dir.path, 'images2');
    await writeImageFolder(root, ['a', 'b'], 1, 3);
    await expect(openDataset(options(pathToFileURL(root).href, { numClasses: 3 }), {})).rejects.toThrow(
      /2 class sub-folders.*dataset.numClasses is 3/,
    );
    const flat = join(dir.path, 'flat');
    await mkdir(flat, { recursive: true });
    await writeFile(
      join(flat, 'x.png'),
      await sharp(new Uint8Array(12), { raw: { width: 2, height: 2, channels: 3 } })
        .png()
        .toBuffer(),
    );
    await expect(openDataset(options(pathToFileURL(flat).href), {})).rejects.toThrow(/class sub-folders/);
  });
});
