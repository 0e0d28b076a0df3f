import { describe, expect, it } from 'vitest';
import { awaitGram, gram, prepareGram, startGramHelper } from '../../../activities/linalg/gram.js';
import { RANK2_ROWS } from '../../../activities/linalg/rank2-kernel.js';
import { workspace } from '../../../activities/linalg/wasm-kernels.js';
import { mulberry32 } from '../../../activities/training/rng.js';

function randomArray(length: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length }, () => random() * 2 - 1);
}

/** The plain scalar loop the rank-2 kernel replaces (the oracle). */
function rank2RowsPlain(
  a: Float64Array,
  n: number,
  i: number,
  from: number,
  [v, w, u, p]: Float64Array[],
): void {
  for (let r = i; r < i + RANK2_ROWS; r++) {
    for (let j = from; j < i; j++) {
      a[r * n + j] = a[r * n + j]! - v![r]! * w![j]! - w![r]! * v![j]!;
      p![j] = p![j]! + a[r * n + j]! * u![r]!;
      p![r] = p![r]! + a[r * n + j]! * u![j]!;
    }
  }
}

describe('rank2Rows (WebAssembly SIMD)', () => {
  it('updates the strip and accumulates both products as the scalar loop does, at odd and even offsets (even widths, as the solver calls it)', () => {
    const n = 23;
    for (const [i, from] of [
      [4, 0],
      [9, 1],
      [12, 6],
      [19, 3],
      [19, 17],
      [6, 6],
    ] as const) {
      const seed = 100 * i + from;
      const { arrays, kernels } = workspace([n * n, n, n, n, n]);
      const [a, ...vectors] = arrays as [Float64Array, ...Float64Array[]];
      a.set(randomArray(n * n, seed));
      vectors.forEach((x, k) => x.set(randomArray(n, seed + k + 1)));
      const expectedA = Float64Array.from(a);
      const expectedVectors = vectors.map((x) => Float64Array.from(x));
      rank2RowsPlain(expectedA, n, i, from, expectedVectors);
      const [v, w, u, p] = vectors.map((x) => x.byteOffset);
      kernels.rank2Rows(a.byteOffset + 8 * i * n, 8 * n, 8 * from, 8 * i, v!, w!, u!, p!);
      a.forEach((value, k) => expect(value).toBeCloseTo(expectedA[k]!, 13));
      vectors[3]!.forEach((value, k) => expect(value).toBeCloseTo(expectedVectors[3]![k]!, 13));
      vectors.slice(0, 3).forEach((x, k) => expect(x).toEqual(expectedVectors[k]));
    }
  });
});

/** G = X Xᵀ by the plain triple loop (the oracle). */
function plainGram(rows: Float64Array, count: number, length: number): Float64Array {
  const g = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < count; j++) {
      let dot = 0;
      for (let r = 0; r < length; r++) dot += rows[i * length + r]! * rows[j * length + r]!;
      g[i * count + j] = dot;
    }
  }
  return g;
}

describe('gram (WebAssembly SIMD tiles)', () => {
  it('equals the plain triple loop at sizes off the tile and odd lengths, given rows or columns', () => {
    for (const [count, length] of [
      [37, 101],
      [64, 64],
      [100, 33],
      [2, 2],
    ] as const) {
      const rows = randomArray(count * length, count + length);
      const g = gram({ rows, count, length, threads: 1 });
      const columns = Float64Array.from(
        { length: count * length },
        (_, k) => rows[(k % count) * length + Math.floor(k / count)]!,
      );
      expect(gram({ rows: columns, count, length, transposed: true, threads: 1 })).toEqual(g);
      plainGram(rows, count, length).forEach((dot, k) => expect(g[k]).toBeCloseTo(dot, 12));
    }
  });

  it('has the helper thread compute every strip when this thread takes none', async () => {
    const [count, length] = [100, 31];
    const rows = randomArray(count * length, 5);
    const { space, job, padded } = prepareGram({ rows, count, length });
    const helper = startGramHelper(space, job);
    try {
      awaitGram(job);
    } finally {
      await helper.terminate();
    }
    const g = space.arrays[1]!;
    const oracle = plainGram(rows, count, length);
    for (let i = 0; i < count; i++)
      for (let j = 0; j <= i; j++) expect(g[i * padded + j]).toBeCloseTo(oracle[i * count + j]!, 12);
  });
  it('fails, not hangs, when the helper thread fails holding a strip', async () => {
    const { space, job } = prepareGram({ rows: randomArray(40, 6), count: 10, length: 4 });
    job.args[0] = 0x7ffffff0; // X beyond the memory: the helper's kernel traps
    const helper = startGramHelper(space, job);
    try {
      expect(() => awaitGram(job)).toThrow(/helper thread failed/);
    } finally {
      await helper.terminate();
    }
  });
});

describe('workspace', () => {
  it('refuses arrays beyond the 4 GiB that 32-bit addresses reach, naming the size', () => {
    expect(() => workspace([2 ** 29 + 8])).toThrow(/4\.0 GiB of arrays exceed/);
  });
});
