import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEBIAN_FASHION_MNIST_DIR,
  decodeIdx,
  encodeIdx,
  IdxFormatError,
  readFashionMnist,
} from '../../../../zoos/fashion/fashion-mnist.js';
import { idxBytes, syntheticImages, writeSyntheticFashionMnist } from './synthetic-fashion.js';

describe('decodeIdx', () => {
  it('reads a hand-built 3-D file, plain and gzipped', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 7) % 256);
    const bytes = idxBytes([2, 3, 4], data);
    for (const input of [bytes, gzipSync(bytes)]) {
      const decoded = decodeIdx(input);
      expect(decoded.shape).toEqual([2, 3, 4]);
      expect([...decoded.data]).toEqual([...data]);
    }
  });

  it('reads sizes as big-endian 32-bit integers', () => {
    const decoded = decodeIdx(idxBytes([70_000], new Uint8Array(70_000)));
    expect(decoded.shape).toEqual([70_000]);
  });

  it('round-trips through encodeIdx for any shape', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
        fc.integer(),
        (shape, seed) => {
          const size = shape.reduce((a, b) => a * b, 1);
          const data = Uint8Array.from({ length: size }, (_, i) => (seed + i * 31) & 0xff);
          const decoded = decodeIdx(encodeIdx({ shape, data }));
          expect(decoded.shape).toEqual(shape);
          expect([...decoded.data]).toEqual([...data]);
          expect([...encodeIdx({ shape, data })]).toEqual([...idxBytes(shape, data)]);
        },
      ),
    );
  });

  it('rejects a bad magic number, another value type, a truncated header or data, and corrupt gzip', () => {
    const good = idxBytes([2, 2], Uint8Array.of(1, 2, 3, 4));
    const bad = (mutate: (b: Uint8Array) => Uint8Array): Uint8Array => mutate(Uint8Array.from(good));
    expect(() => decodeIdx(bad((b) => ((b[0] = 1), b)))).toThrow(IdxFormatError);
    expect(() => decodeIdx(bad((b) => ((b[2] = 0x0d), b)))).toThrow(/unsupported IDX value type 0xd/);
    expect(() => decodeIdx(good.subarray(0, 8))).toThrow(/truncated IDX header/);
    expect(() => decodeIdx(good.subarray(0, good.length - 1))).toThrow(/truncated IDX data/);
    expect(() => decodeIdx(Uint8Array.of(0x1f, 0x8b, 1, 2, 3))).toThrow(/corrupt gzip/);
  });
});

describe('readFashionMnist', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ncap-fmnist-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the gzipped train and test splits of a generated data set', async () => {
    await writeSyntheticFashionMnist(join(dir, 'gz'), { train: 3, test: 2 });
    const train = await readFashionMnist('train', join(dir, 'gz'));
    const expected = syntheticImages(3, 1);
    expect([train.count, train.rows, train.cols]).toEqual([30, 28, 28]);
    expect(train.images).toEqual(expected.images);
    expect(train.labels).toEqual(expected.labels);
    expect((await readFashionMnist('test', join(dir, 'gz'))).count).toBe(20);
  });

  it('falls back to uncompressed files', async () => {
    const plain = join(dir, 'plain');
    await writeSyntheticFashionMnist(plain, { train: 1, test: 1 });
    const { images, labels, count } = syntheticImages(1, 2);
    await rm(join(plain, 't10k-images-idx3-ubyte.gz'));
    await rm(join(plain, 't10k-labels-idx1-ubyte.gz'));
    await writeFile(join(plain, 't10k-images-idx3-ubyte'), idxBytes([count, 28, 28], images));
    await writeFile(join(plain, 't10k-labels-idx1-ubyte'), idxBytes([count], labels));
    const test = await readFashionMnist('test', plain);
    expect(test.images).toEqual(images);
    expect(test.labels).toEqual(labels);
  });

  it('rejects labels whose count differs from the images', async () => {
    const broken = join(dir, 'broken');
    await writeSyntheticFashionMnist(broken, { train: 2, test: 1 });
    await writeFile(join(broken, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([19], new Uint8Array(19))));
    await expect(readFashionMnist('train', broken)).rejects.toThrow(/does not match 20 images/);
  });

  it('names the Debian package when the files are missing', async () => {
    await expect(readFashionMnist('train', join(dir, 'nowhere'))).rejects.toThrow(/dataset-fashion-mnist/);
  });

  it.skipIf(!existsSync(DEBIAN_FASHION_MNIST_DIR))(
    'reads the real data set: 60k + 10k balanced 28×28 images',
    async () => {
      for (const [split, count] of [
        ['train', 60_000],
        ['test', 10_000],
      ] as const) {
        const data = await readFashionMnist(split);
        expect([data.count, data.rows, data.cols]).toEqual([count, 28, 28]);
        const perClass = new Array<number>(10).fill(0);
        for (const label of data.labels) perClass[label] = (perClass[label] ?? 0) + 1;
        expect(perClass).toEqual(new Array<number>(10).fill(count / 10));
      }
    },
  );
});
