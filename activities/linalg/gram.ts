/**
 * The Gram matrix G = X Xᵀ of `count` vectors of `length` float64 values (the rows of X), for LogME's
 * FᵀF or FFᵀ. Blocked GRAM_TILE × GRAM_TILE in a WebAssembly SIMD kernel (`wasm-kernels.ts`): each pass
 * over a strip of rows fills a tile of G from accumulators held in registers, two values per instruction.
 */
import { GRAM_TILE, workspace } from './wasm-kernels.js';

export interface GramInput {
  /** Row-major count × length values (float32 values are widened exactly), or length × count if `transposed`. */
  rows: ArrayLike<number>;
  /** Number of vectors (rows). */
  count: number;
  /** Values per vector. */
  length: number;
  /**
   * `rows` holds X transposed (length × count, row-major): the vectors are its columns, e.g. FᵀF of
   * row-major features F.
   * @default false
   */
  transposed?: boolean;
}

/** Row-major count × count G with G[i][j] = Σ_r rows[i][r]·rows[j][r], both triangles filled. */
export function gram({ rows, count, length, transposed = false }: GramInput): Float64Array {
  if (rows.length !== count * length)
    throw new RangeError(`gram: expected ${count}×${length} = ${count * length} values, got ${rows.length}`);
  // Rows padded with zeros to an even length (whole f64x2 pairs) and to a whole number of tiles.
  const stride = Math.ceil(length / 2) * 2;
  const padded = Math.ceil(count / GRAM_TILE) * GRAM_TILE;
  const {
    arrays: [x, out],
    kernels,
  } = workspace([padded * stride, GRAM_TILE * GRAM_TILE]);
  copyRows(rows, count, length, transposed, x!, stride);
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

/** X into `x`, one vector every `stride` values. */
function copyRows(
  rows: ArrayLike<number>,
  count: number,
  length: number,
  transposed: boolean,
  x: Float64Array,
  stride: number,
): void {
  if (!transposed) {
    for (let i = 0; i < count; i++)
      for (let r = 0; r < length; r++) x[i * stride + r] = rows[i * length + r]!;
    return;
  }
  // Blocks of 8 vectors, so each source row is read in runs and each target row written in runs.
  for (let i0 = 0; i0 < count; i0 += 8) {
    const i1 = Math.min(count, i0 + 8);
    for (let r = 0; r < length; r++) for (let i = i0; i < i1; i++) x[i * stride + r] = rows[r * count + i]!;
  }
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
