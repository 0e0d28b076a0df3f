/**
 * The tridiagonalisation's inner loop as a WebAssembly SIMD (f64x2) kernel: a strip of rows of the fused
 * rank-2 update and matrix-vector product (`symmetric-eigen.ts`), each v[j], w[j], u[j], p[j] loaded
 * serving every row of the strip. Float64 multiplies and adds only (no fused multiply-add): it differs
 * from the scalar loop in summation order alone.
 */
import { Code, ValueType } from './wasm-assembler.js';

const { i32, v128 } = ValueType;

/** Rows per call of the rank-2 kernel. */
export const RANK2_ROWS = 4;

/**
 * rank2Rows(row, stride, from, to, v, w, u, p): for the RANK2_ROWS rows starting at byte `row` (`stride`
 * bytes apart; row r has index i + r where `to` = 8i) and columns j in [from, to) (byte offsets, an even
 * number of columns apart): A[r][j] ← A[r][j] − v[i+r]·w[j] − w[i+r]·v[j]; p[j] += Σ_r A[r][j]·u[i+r];
 * p[i+r] += Σ_j A[r][j]·u[j].
 */
export function rank2RowsCode(): Code {
  const code = new Code([i32, i32, i32, i32, i32, i32, i32, i32]);
  const [row, stride, from, to, v, w, u, p] = [0, 1, 2, 3, 4, 5, 6, 7];
  const rows = Array.from({ length: RANK2_ROWS }, (_, r) => {
    const pointer = code.local(i32);
    code.get(row).get(stride).i32(r).mul().add().set(pointer);
    const [vi, wi, ui, sum] = [code.local(v128), code.local(v128), code.local(v128), code.local(v128)];
    // The row's own v, w, u values, in both lanes: v[i + r] is at byte v + to + 8r.
    const at = 8 * r;
    code.get(v).get(to).add().f64Load(at).splat().set(vi);
    code.get(w).get(to).add().f64Load(at).splat().set(wi);
    code.get(u).get(to).add().f64Load(at).splat().set(ui);
    return { pointer, vi, wi, ui, sum };
  });
  const j = code.local(i32);
  const [vj, wj, uj, pj] = [code.local(v128), code.local(v128), code.local(v128), code.local(v128)];
  const t = code.local(v128);
  code.get(from).set(j);
  code.block().loop();
  code.get(j).get(to).geU().brIf(1);
  code.get(v).get(j).add().load().set(vj).get(w).get(j).add().load().set(wj);
  code.get(u).get(j).add().load().set(uj).get(p).get(j).add().load().set(pj);
  for (const { pointer, vi, wi, ui, sum } of rows) {
    code.get(pointer).get(j).add().load().get(vi).get(wj).vMul().vSub().get(wi).get(vj).vMul().vSub().set(t);
    code.get(pointer).get(j).add().get(t).store();
    code.get(sum).get(t).get(uj).vMul().vAdd().set(sum);
    code.get(pj).get(t).get(ui).vMul().vAdd().set(pj);
  }
  code.get(p).get(j).add().get(pj).store();
  code.get(j).i32(16).add().set(j).br(0);
  code.end().end();
  rows.forEach(({ sum }, r) => {
    const at = 8 * r;
    code.get(p).get(to).add().get(p).get(to).add().f64Load(at);
    code.get(sum).lane(0).f64Add().get(sum).lane(1).f64Add().f64Store(at);
  });
  return code;
}
