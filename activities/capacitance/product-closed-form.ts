/**
 * Closed form of β_eff for product interaction models, P[e, e'] = φ(w_e)·φ(w_e') for consecutive synapses
 * e = (i→j), e' = (j→k), with φ = |·| (`abs-product`) or the identity (`signed-product`).
 *
 * With A_l = φ(W_l) in the [in, out] layout, row sums r_l (out-strength of kernel l's input neurons) and
 * column sums c_l (in-strength of its output neurons):
 *   s_in(e)  = φ(w_e)·r_{l+1}(j)      s_out(e) = φ(w_e)·c_{l-1}(i)          for e = (i→j) in kernel l
 *   numerator_l   = Σ_{i,j} φ(w)²·c_{l-1}(i)·r_{l+1}(j) = c_{l-1}ᵀ (A_l∘A_l) r_{l+1}
 *   denominator_l = Σ_j c_l(j)·r_{l+1}(j)
 *   xEff_l        = Σ_{i,j} |w|·φ(w)·c_{l-1}(i)
 * (docs/design.md §1 states it in the same layout.)
 *
 * Every weight is read exactly once: kernels are visited from the last to the first, so r_{l+1} is known
 * when kernel l is read; the row-wise partial q_l(i) = Σ_j φ(w)²·r_{l+1}(j) waits for c_{l-1}, which the
 * next (earlier) kernel produces. The first kernel only needs column sums, the last only row sums.
 */
import type { KernelSums } from './interaction-model.js';
import type { DenseKernel } from './network.js';

/** Column sums of φ(W) for the first kernel: `col[o] = Σ_i φ(w_io)`. */
function firstKernelSums(
  values: Float32Array,
  inDim: number,
  outDim: number,
  col: Float64Array,
  signed: boolean,
): void {
  if (signed) {
    for (let i = 0; i < inDim; i++) {
      const base = i * outDim;
      for (let o = 0; o < outDim; o++) col[o]! += values[base + o]!;
    }
  } else {
    for (let i = 0; i < inDim; i++) {
      const base = i * outDim;
      for (let o = 0; o < outDim; o++) col[o]! += Math.abs(values[base + o]!);
    }
  }
}

/** Row sums `row[i] = Σ_o φ(w)` and `x[i] = Σ_o |w|·φ(w)` for the last kernel (two columns per step). */
function lastKernelSums(
  values: Float32Array,
  inDim: number,
  outDim: number,
  row: Float64Array,
  x: Float64Array,
  signed: boolean,
): void {
  const evenEnd = outDim - (outDim & 1);
  for (let i = 0; i < inDim; i++) {
    const base = i * outDim;
    let rs0 = 0;
    let rs1 = 0;
    let xs0 = 0;
    let xs1 = 0;
    if (signed) {
      for (let o = 0; o < evenEnd; o += 2) {
        const w0 = values[base + o]!;
        const w1 = values[base + o + 1]!;
        rs0 += w0;
        rs1 += w1;
        xs0 += w0 * Math.abs(w0);
        xs1 += w1 * Math.abs(w1);
      }
      if (evenEnd !== outDim) {
        const w = values[base + evenEnd]!;
        rs0 += w;
        xs0 += w * Math.abs(w);
      }
    } else {
      for (let o = 0; o < evenEnd; o += 2) {
        const a0 = Math.abs(values[base + o]!);
        const a1 = Math.abs(values[base + o + 1]!);
        rs0 += a0;
        rs1 += a1;
        xs0 += a0 * a0;
        xs1 += a1 * a1;
      }
      if (evenEnd !== outDim) {
        const a = Math.abs(values[base + evenEnd]!);
        rs0 += a;
        xs0 += a * a;
      }
    }
    row[i] = rs0 + rs1;
    x[i] = xs0 + xs1;
  }
}

/**
 * The fused pass over an interior kernel: row sums, column sums, `q[i] = Σ_o φ(w)²·rowNext[o]` and
 * `x[i] = Σ_o |w|·φ(w)`. Two columns per step with separate accumulators halve the add-latency chains.
 */
function interiorKernelSums(
  values: Float32Array,
  inDim: number,
  outDim: number,
  rowNext: Float64Array,
  row: Float64Array,
  col: Float64Array,
  q: Float64Array,
  x: Float64Array,
  signed: boolean,
): void {
  const evenEnd = outDim - (outDim & 1);
  for (let i = 0; i < inDim; i++) {
    const base = i * outDim;
    let rs0 = 0;
    let rs1 = 0;
    let qs0 = 0;
    let qs1 = 0;
    let xs0 = 0;
    let xs1 = 0;
    if (signed) {
      for (let o = 0; o < evenEnd; o += 2) {
        const w0 = values[base + o]!;
        const w1 = values[base + o + 1]!;
        rs0 += w0;
        rs1 += w1;
        col[o]! += w0;
        col[o + 1]! += w1;
        const s0 = w0 * w0;
        const s1 = w1 * w1;
        qs0 += s0 * rowNext[o]!;
        qs1 += s1 * rowNext[o + 1]!;
        xs0 += w0 * Math.abs(w0);
        xs1 += w1 * Math.abs(w1);
      }
      if (evenEnd !== outDim) {
        const w = values[base + evenEnd]!;
        rs0 += w;
        col[evenEnd]! += w;
        qs0 += w * w * rowNext[evenEnd]!;
        xs0 += w * Math.abs(w);
      }
    } else {
      for (let o = 0; o < evenEnd; o += 2) {
        const a0 = Math.abs(values[base + o]!);
        const a1 = Math.abs(values[base + o + 1]!);
        rs0 += a0;
        rs1 += a1;
        col[o]! += a0;
        col[o + 1]! += a1;
        const s0 = a0 * a0;
        const s1 = a1 * a1;
        qs0 += s0 * rowNext[o]!;
        qs1 += s1 * rowNext[o + 1]!;
        xs0 += s0;
        xs1 += s1;
      }
      if (evenEnd !== outDim) {
        const a = Math.abs(values[base + evenEnd]!);
        rs0 += a;
        col[evenEnd]! += a;
        const s = a * a;
        qs0 += s * rowNext[evenEnd]!;
        xs0 += s;
      }
    }
    row[i] = rs0 + rs1;
    q[i] = qs0 + qs1;
    x[i] = xs0 + xs1;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/**
 * Per-kernel closed-form sums for P[e, e'] = φ(w_e)·φ(w_e'). Kernels must be shape-checked and chained,
 * at least three. Non-finite weights are not checked here: they surface as a non-finite `strength`.
 * @param signed φ = identity when true, φ = |·| when false.
 */
export function productClosedForm(kernels: readonly DenseKernel[], signed: boolean): KernelSums[] {
  const count = kernels.length;
  const sums: KernelSums[] = kernels.map(() => ({
    numerator: 0,
    denominator: 0,
    xEffNumerator: 0,
    strength: 0,
  }));
  if (count === 0) return sums;

  // State carried from kernel l+1 to kernel l.
  let rowNext: Float64Array | undefined;
  let pendingQ: Float64Array | undefined;
  let pendingX: Float64Array | undefined;

  for (let l = count - 1; l >= 0; l--) {
    const { inDim, outDim, values } = kernels[l]!;
    const out = sums[l]!;
    const isLast = l === count - 1;
    const isFirst = l === 0;

    let row: Float64Array | undefined;
    let col: Float64Array | undefined;
    let q: Float64Array | undefined;
    let x: Float64Array | undefined;

    if (isLast && isFirst) {
      // A single kernel has no arcs; only its strength is meaningful.
      col = new Float64Array(outDim);
      firstKernelSums(values, inDim, outDim, col, signed);
      out.strength = sum(col);
    } else if (isLast) {
      row = new Float64Array(inDim);
      x = new Float64Array(inDim);
      lastKernelSums(values, inDim, outDim, row, x, signed);
      out.strength = sum(row);
    } else if (isFirst) {
      col = new Float64Array(outDim);
      firstKernelSums(values, inDim, outDim, col, signed);
      out.strength = sum(col);
      out.denominator = dot(col, rowNext!);
    } else {
      row = new Float64Array(inDim);
      col = new Float64Array(outDim);
      q = new Float64Array(inDim);
      x = new Float64Array(inDim);
      interiorKernelSums(values, inDim, outDim, rowNext!, row, col, q, x, signed);
      out.strength = sum(row);
      out.denominator = dot(col, rowNext!);
    }

    // Kernel l's column sums are kernel l+1's c_{l-1}: its pending row-wise partials can now be reduced.
    if (!isLast && col) {
      const after = sums[l + 1]!;
      if (pendingQ) after.numerator = dot(col, pendingQ);
      if (pendingX) after.xEffNumerator = dot(col, pendingX);
    }

    rowNext = row;
    pendingQ = q;
    pendingX = x;
  }
  return sums;
}
