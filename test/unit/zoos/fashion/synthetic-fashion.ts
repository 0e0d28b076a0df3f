/**
 * Test fixtures: Fashion-MNIST-shaped IDX files with learnable synthetic images (class c has a bright bar
 * whose position depends on c, plus seeded noise), written byte by byte from the IDX specification.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Bytes of an unsigned-byte IDX file, built from the format's definition (independently of the code under test). */
export function idxBytes(shape: readonly number[], data: Uint8Array): Uint8Array {
  const header = [0, 0, 0x08, shape.length];
  for (const size of shape)
    header.push((size >>> 24) & 0xff, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff);
  return Uint8Array.from([...header, ...data]);
}

/** A simple LCG, so fixtures do not depend on the module under test's generator. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** `perClass` images of each of the 10 classes, interleaved by class (label i % 10). */
export function syntheticImages(
  perClass: number,
  seed: number,
): { images: Uint8Array; labels: Uint8Array; count: number } {
  const count = perClass * 10;
  const random = lcg(seed);
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[i] = label;
    for (let p = 0; p < 784; p++) {
      const row = Math.floor(p / 28);
      const bar = row >= 2 + 2 * label && row < 5 + 2 * label;
      images[i * 784 + p] = bar ? 200 + Math.floor(random() * 55) : Math.floor(random() * 60);
    }
  }
  return { images, labels, count };
}

/** Writes gzipped train and t10k IDX files, as Debian's package ships them, into `dir`. */
export async function writeSyntheticFashionMnist(
  dir: string,
  perClass: { train: number; test: number },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [prefix, n, seed] of [
    ['train', perClass.train, 1],
    ['t10k', perClass.test, 2],
  ] as const) {
    const { images, labels, count } = syntheticImages(n, seed);
    await writeFile(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idxBytes([count, 28, 28], images)));
    await writeFile(join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(idxBytes([count], labels)));
  }
}
