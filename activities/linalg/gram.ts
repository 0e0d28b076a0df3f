/**
 * The Gram matrix G = X Xᵀ of `count` vectors of `length` float64 values (the rows of X), for LogME's
 * FᵀF or FFᵀ. Blocked 4 × 4: each pass over a 4-row strip of the inputs fills 16 entries of G, so every
 * value loaded feeds four multiply-adds held in registers (about 4× the plain triple loop in V8).
 */

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
  const padded = Math.ceil(count / 4) * 4;
  const x = rows.length === padded * length ? rows : new Float64Array(padded * length);
  if (x !== rows) x.set(rows);
  const g = new Float64Array(count * count);
  for (let i = 0; i < padded; i += 4) {
    for (let j = 0; j <= i; j += 4) tile(x, length, i, j, g, count);
  }
  return g;
}

/** G[i..i+3][j..j+3] (and its mirror), rows beyond `count` being the zero padding. */
function tile(x: Float64Array, length: number, i: number, j: number, g: Float64Array, count: number): void {
  const a0 = i * length;
  const a1 = a0 + length;
  const a2 = a1 + length;
  const a3 = a2 + length;
  const b0 = j * length;
  const b1 = b0 + length;
  const b2 = b1 + length;
  const b3 = b2 + length;
  let s00 = 0,
    s01 = 0,
    s02 = 0,
    s03 = 0;
  let s10 = 0,
    s11 = 0,
    s12 = 0,
    s13 = 0;
  let s20 = 0,
    s21 = 0,
    s22 = 0,
    s23 = 0;
  let s30 = 0,
    s31 = 0,
    s32 = 0,
    s33 = 0;
  for (let r = 0; r < length; r++) {
    const x0 = x[a0 + r]!;
    const x1 = x[a1 + r]!;
    const x2 = x[a2 + r]!;
    const x3 = x[a3 + r]!;
    const y0 = x[b0 + r]!;
    const y1 = x[b1 + r]!;
    const y2 = x[b2 + r]!;
    const y3 = x[b3 + r]!;
    s00 += x0 * y0;
    s01 += x0 * y1;
    s02 += x0 * y2;
    s03 += x0 * y3;
    s10 += x1 * y0;
    s11 += x1 * y1;
    s12 += x1 * y2;
    s13 += x1 * y3;
    s20 += x2 * y0;
    s21 += x2 * y1;
    s22 += x2 * y2;
    s23 += x2 * y3;
    s30 += x3 * y0;
    s31 += x3 * y1;
    s32 += x3 * y2;
    s33 += x3 * y3;
  }
  const sums = [s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33];
  for (let a = 0; a < 4 && i + a < count; a++) {
    for (let b = 0; b < 4 && j + b < count; b++) {
      const value = sums[a * 4 + b]!;
      g[(i + a) * count + j + b] = value;
      g[(j + b) * count + i + a] = value;
    }
  }
}
