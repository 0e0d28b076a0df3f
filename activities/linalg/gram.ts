/**
 * The Gram matrix G = X Xᵀ of `count` vectors of `length` float64 values (the rows of X), for LogME's
 * FᵀF or FFᵀ. Blocked GRAM_TILE × GRAM_TILE in a WebAssembly SIMD kernel (`wasm-kernels.ts`): each pass
 * over a strip of rows fills a tile of G from accumulators held in registers, two values per instruction.
 */
import { GRAM_TILE, workspace } from './wasm-kernels.js';

export interface GramInput {
  /** Row-major count × length values. */
  rows: Float64Array;
  /** Number of vectors (rows). */
  count: number;
  /** Values per vector. */
  length: number;
}

/** Row-major count × count G with G[i][j] = Σ_r rows[i][r]·rows[j][r], both triangles filled. */
export function gram({ rows, count, length }: GramInput): Float64Array {
  if (rows.length !== count * length)
    throw new RangeError(`gram: expected ${count}×${length} = ${count * length} values, got ${rows.length}`);
  // Rows padded with zeros to an even length (whole f64x2 pairs) and to a whole number of tiles.
  const stride = Math.ceil(length / 2) * 2;
  const padded = Math.ceil(count / GRAM_TILE) * GRAM_TILE;
  const {
    arrays: [x, out],
    kernels,
  } = workspace([padded * stride, GRAM_TILE * GRAM_TILE]);
  for (let i = 0; i < count; i++) x!.set(rows.subarray(i * length, (i + 1) * length), i * stride);
  const g = new Float64Array(count * count);
  const base = x!.byteOffset;
  for (let i = 0; i < padded; i += GRAM_TILE) {
    for (let j = 0; j <= i; j += GRAM_TILE) {
      kernels.gramTile(base + 8 * i * stride, base + 8 * j * stride, 8 * stride, 8 * stride, out!.byteOffset);
      scatterTile(out!, i, j, g, count);
    }
  }
  return g;
}

/** G[i..][j..] and its mirror from one tile, rows beyond `count` being the zero padding. */
function scatterTile(tile: Float64Array, i: number, j: number, g: Float64Array, count: number): void {
  for (let a = 0; a < GRAM_TILE && i + a < count; a++) {
    for (let b = 0; b < GRAM_TILE && j + b < count; b++) {
      const value = tile[a * GRAM_TILE + b]!;
      g[(i + a) * count + j + b] = value;
      g[(j + b) * count + i + a] = value;
    }
  }
}
