/**
 * Eigenvalues of a dense symmetric matrix, and the projections of a few given vectors on its eigenvectors,
 * in O(n³) without ever forming the n eigenvectors: Householder tridiagonalisation (the reflections are
 * applied to the given vectors, not accumulated into Q), then the implicit QL algorithm (EISPACK tql2, as
 * JAMA writes it) with its rotations carried by those vectors. LogME needs only the spectrum of a Gram
 * matrix and the projections of its C label vectors; the Bayesian ridge projects the unit vectors to get
 * the full eigenvector matrix of its small p × p Gram matrix. Dependency-free (its O(n³) inner loop is a
 * WebAssembly SIMD kernel, `wasm-kernels.ts`): shared by selection/ and capacitance/.
 */
import { RANK2_ROWS } from './rank2-kernel.js';
import { type Kernels, workspace } from './wasm-kernels.js';

export interface SymmetricEigenInput {
  /** Row-major size × size symmetric matrix; only its lower triangle is read. It is not modified. */
  matrix: Float64Array;
  /** Number of rows (= columns) of `matrix`. */
  size: number;
  /**
   * Vectors (each of length `size`) to project on the eigenvectors.
   * @default [] (eigenvalues only)
   */
  project?: readonly ArrayLike<number>[];
}

export interface SymmetricEigenResult {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** `projections[j][k]` = v_kᵀ project[j], v_k the unit eigenvector of `values[k]` (sign arbitrary). */
  projections: Float64Array[];
}

/** A = V diag(values) Vᵀ: the eigenvalues of `matrix` and Vᵀx for each x in `project`. */
export function symmetricEigen({ matrix, size: n, project = [] }: SymmetricEigenInput): SymmetricEigenResult {
  if (!Number.isInteger(n) || n < 0 || matrix.length !== n * n)
    throw new RangeError(`symmetricEigen: expected ${n}×${n} = ${n * n} values, got ${matrix.length}`);
  for (const x of project) {
    if (x.length !== n)
      throw new RangeError(`symmetricEigen: a projected vector has ${x.length} values, not ${n}`);
  }
  const vectors = project.map((x) => Float64Array.from(x));
  const { diagonal, offDiagonal } = tridiagonalise(matrix, n, vectors);
  implicitQl(diagonal, offDiagonal, n, vectors);
  return sortAscending(diagonal, vectors);
}

/**
 * The full eigen-decomposition of a small symmetric matrix given as rows: eigenvalues ascending and
 * `vectors[r][c]`, component r of the unit eigenvector of `values[c]` (by projecting the unit vectors).
 */
export function symmetricEigenVectors(matrix: readonly (readonly number[])[]): {
  values: number[];
  vectors: number[][];
} {
  const n = matrix.length;
  const flat = new Float64Array(n * n);
  matrix.forEach((row, r) => row.forEach((value, c) => (flat[r * n + c] = value)));
  const units = Array.from({ length: n }, (_, r) =>
    Float64Array.from({ length: n }, (_, c) => (r === c ? 1 : 0)),
  );
  const { values, projections } = symmetricEigen({ matrix: flat, size: n, project: units });
  // projections[r][c] = v_cᵀ e_r = component r of v_c.
  return { values: Array.from(values), vectors: projections.map((row) => Array.from(row)) };
}

/**
 * Below this size the rank-2 updates stay in JavaScript: a WebAssembly memory and instance cost tens of
 * microseconds, more than a small matrix takes (the Bayesian ridge's p × p Gram, p of a few dozen).
 */
const KERNEL_MIN_SIZE = 64;

/** The matrix being reduced and its pending reflections, in one WebAssembly memory with the kernels (or none). */
interface Tridiagonal {
  a: Float64Array;
  n: number;
  kernels: Kernels | null;
}

/**
 * A = Q T Qᵀ with T tridiagonal (returned as its diagonal and sub-diagonal, offDiagonal[k] = T[k+1][k],
 * offDiagonal[n−1] = 0); each of `vectors` is replaced by Qᵀx. `matrix` is copied, not modified. Each
 * step is one fused pass over the trailing lower triangle: the rank-2 update of the last reflection and
 * the product with the next reflection's vector, so the matrix streams through memory once per column.
 */
function tridiagonalise(
  matrix: Float64Array,
  n: number,
  vectors: Float64Array[],
): { diagonal: Float64Array; offDiagonal: Float64Array } {
  const lengths = [n * n, n, n, n, n, n, n];
  const { arrays, kernels } =
    n >= KERNEL_MIN_SIZE
      ? workspace(lengths)
      : { arrays: lengths.map((length) => new Float64Array(length)), kernels: null };
  const [a, v0, w0, v1, w1, zero, product] = arrays as [Float64Array, ...Float64Array[]];
  a.set(matrix);
  const reduced: Tridiagonal = { a, n, kernels };
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(n);
  // The last reflection's rank-2 update A ← A − v wᵀ − w vᵀ, still to apply (zero when none).
  let last = { v: v0!, w: w0! };
  let next = { v: v1!, w: w1! };
  for (let k = 0; k + 2 < n; k++) {
    const { v, w: p } = next;
    const { alpha, tail } = householderColumn(reduced, k, last, v);
    diagonal[k] = a[k * n + k]!;
    offDiagonal[k] = alpha;
    updateAndMultiply(reduced, k + 1, last, v, p);
    if (tail === 0) p.fill(0);
    else {
      const beta = 2 / (v[k + 1]! ** 2 + tail);
      for (const x of vectors) reflect(x, v, beta, k + 1, n);
      // w = βp − (β²/2)(pᵀv) v, p = A v.
      let pv = 0;
      for (let i = k + 1; i < n; i++) pv += p[i]! * v[i]!;
      const half = (beta * beta * pv) / 2;
      for (let i = k + 1; i < n; i++) p[i] = beta * p[i]! - half * v[i]!;
    }
    [last, next] = [next, last];
  }
  const from = Math.max(0, n - 2);
  updateAndMultiply(reduced, from, last, zero!, product!);
  for (let i = from; i < n; i++) diagonal[i] = a[i * n + i]!;
  if (n >= 2) offDiagonal[n - 2] = a[(n - 1) * n + n - 2]!;
  return { diagonal, offDiagonal };
}

/**
 * Column k of A below the diagonal after the pending update, in one strided pass: applies the update to
 * it (rows ≥ k) and writes its Householder vector into v[k+1..n) (v[k] is scratch): H = I − β v vᵀ maps it to
 * (α, 0, …, 0). The vector is that of the column divided by its largest magnitude (H does not depend on
 * v's scale), as EISPACK tred2 scales it: a rank-deficient Gram matrix leaves a trailing block of rounding
 * noise that shrinks with every reflection, and unscaled its ‖column‖² underflowed to a subnormal, making
 * β = 2/‖v‖² infinite and the eigenvalues NaN (large entries would overflow likewise). `tail` =
 * Σ_{i ≥ k+2} (A[i][k]/scale)²; zero means the column needs no reflection (v = 0).
 */
function householderColumn(
  { a, n }: Tridiagonal,
  k: number,
  pending: { v: Float64Array; w: Float64Array },
  v: Float64Array,
): { alpha: number; tail: number } {
  const { v: pv, w: pw } = pending;
  const [vk, wk] = [pv[k]!, pw[k]!];
  let scale = 0;
  for (let i = k; i < n; i++) {
    const value = a[i * n + k]! - pv[i]! * wk - pw[i]! * vk;
    a[i * n + k] = value;
    v[i] = value;
    if (i > k) scale = Math.max(scale, Math.abs(value));
  }
  const x0 = v[k + 1]!;
  let tail = 0;
  if (scale > 0) {
    for (let i = k + 1; i < n; i++) v[i] = v[i]! / scale;
    for (let i = k + 2; i < n; i++) tail += v[i]! * v[i]!;
  }
  if (tail === 0) {
    v.fill(0, k + 1);
    return { alpha: x0, tail };
  }
  const scaled = v[k + 1]!;
  const norm = Math.sqrt(scaled * scaled + tail);
  const alpha = scaled > 0 ? -norm : norm;
  v[k + 1] = scaled - alpha;
  return { alpha: alpha * scale, tail };
}

/** x ← (I − β v vᵀ) x on indices [from, n). */
function reflect(x: Float64Array, v: Float64Array, beta: number, from: number, n: number): void {
  let dot = 0;
  for (let i = from; i < n; i++) dot += v[i]! * x[i]!;
  const scale = beta * dot;
  for (let i = from; i < n; i++) x[i] = x[i]! - scale * v[i]!;
}

/**
 * On the lower triangle of the trailing block [from, n)²: A ← A − v wᵀ − w vᵀ (the pending update), then
 * p = A u, in one pass. Strips of RANK2_ROWS rows left of their diagonal block go through the SIMD kernel
 * (when there is one), so each v[j], w[j], u[j], p[j] loaded serves the whole strip; diagonal blocks,
 * leftover rows and small matrices row by row here.
 */
function updateAndMultiply(
  { a, n, kernels }: Tridiagonal,
  from: number,
  pending: { v: Float64Array; w: Float64Array },
  u: Float64Array,
  p: Float64Array,
): void {
  const { v, w } = pending;
  p.fill(0);
  let i = from;
  for (; kernels && i + RANK2_ROWS <= n; i += RANK2_ROWS) {
    kernels.rank2Rows(
      a.byteOffset + 8 * i * n,
      8 * n,
      8 * from,
      8 * i,
      v.byteOffset,
      w.byteOffset,
      u.byteOffset,
      p.byteOffset,
    );
    for (let k = i; k < i + RANK2_ROWS; k++) updateRow(a, n, k, i, pending, u, p);
  }
  for (; i < n; i++) updateRow(a, n, i, from, pending, u, p);
}

/** updateAndMultiply for row i, columns [from, i], element by element. */
function updateRow(
  a: Float64Array,
  n: number,
  i: number,
  from: number,
  { v, w }: { v: Float64Array; w: Float64Array },
  u: Float64Array,
  p: Float64Array,
): void {
  const row = i * n;
  const [vi, wi, ui] = [v[i]!, w[i]!, u[i]!];
  let sum = 0;
  for (let j = from; j < i; j++) {
    const aij = a[row + j]! - vi * w[j]! - wi * v[j]!;
    a[row + j] = aij;
    sum += aij * u[j]!;
    p[j] = p[j]! + aij * ui;
  }
  const aii = a[row + i]! - 2 * vi * wi;
  a[row + i] = aii;
  p[i] = p[i]! + sum + aii * ui;
}

/**
 * Diagonalises the tridiagonal T (JAMA tql2): `diagonal` becomes the eigenvalues (unsorted); each of
 * `vectors` x becomes Wᵀx, W the eigenvectors of T, by applying every QL rotation to x instead of to W.
 */
function implicitQl(d: Float64Array, e: Float64Array, n: number, vectors: Float64Array[]): void {
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      do {
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          for (const x of vectors) {
            const xi1 = x[i + 1]!;
            x[i + 1] = s * x[i]! + c * xi1;
            x[i] = c * x[i]! - s * xi1;
          }
        }
        // e[l]/dl1 first: the product el1·e[l] of JAMA's order under- or overflows at extreme scales.
        p = -s * s2 * c3 * el1 * (e[l]! / dl1);
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

function sortAscending(values: Float64Array, vectors: Float64Array[]): SymmetricEigenResult {
  const order = Array.from(values.keys()).sort((i, j) => values[i]! - values[j]!);
  return {
    values: Float64Array.from(order, (i) => values[i]!),
    projections: vectors.map((x) => Float64Array.from(order, (i) => x[i]!)),
  };
}
