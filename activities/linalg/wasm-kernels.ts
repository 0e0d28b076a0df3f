/**
 * The two O(n³) inner loops of LogME as WebAssembly SIMD (f64x2) kernels, about twice the multiply-adds
 * per second of the same loops in plain JavaScript: a register tile of the Gram matrix, and a strip of
 * rows of the tridiagonalisation's fused rank-2 update and matrix-vector product. Both do float64
 * arithmetic only (no fused multiply-add), so they differ from the scalar loops in summation order alone.
 * The arrays they read live in one WebAssembly memory per {@link Workspace}; pointers are byte offsets.
 */
import { assembleModule, Code, ValueType } from './wasm-assembler.js';

const { i32, v128 } = ValueType;

/** Rows of each operand in a Gram register tile: GRAM_TILE² f64x2 accumulators. */
export const GRAM_TILE = 3;
/** Rows per call of the rank-2 kernel. */
export const RANK2_ROWS = 4;

/**
 * gramTile(a, b, stride, bytes, out): out[r·T + s] = Σ_k row(a + r·stride)[k] · row(b + s·stride)[k]
 * over the first `bytes` bytes of each row (a multiple of 16), T = GRAM_TILE.
 */
function gramTileCode(): Code {
  const code = new Code([i32, i32, i32, i32, i32]);
  const [a, b, stride, bytes, out] = [0, 1, 2, 3, 4];
  const rows = (base: number) =>
    Array.from({ length: GRAM_TILE }, (_, r) => {
      const pointer = code.local(i32);
      code.get(base).get(stride).i32(r).mul().add().set(pointer);
      return pointer;
    });
  const [pa, pb] = [rows(a), rows(b)];
  const xa = pa.map(() => code.local(v128));
  const xb = pb.map(() => code.local(v128));
  const acc = xa.map(() => xb.map(() => code.local(v128)));
  const k = code.local(i32);
  code.block().loop();
  code.get(k).get(bytes).geU().brIf(1);
  pa.forEach((pointer, r) => code.get(pointer).get(k).add().load().set(xa[r]!));
  pb.forEach((pointer, s) => code.get(pointer).get(k).add().load().set(xb[s]!));
  acc.forEach((row, r) =>
    row.forEach((sum, s) => code.get(sum).get(xa[r]!).get(xb[s]!).vMul().vAdd().set(sum)),
  );
  code.get(k).i32(16).add().set(k).br(0);
  code.end().end();
  acc.flat().forEach((sum, index) => {
    const at = 8 * index;
    code.get(out).get(sum).lane(0).get(sum).lane(1).f64Add().f64Store(at);
  });
  return code;
}

/**
 * rank2Rows(row, stride, from, to, v, w, u, p): for the RANK2_ROWS rows starting at byte `row` (`stride`
 * bytes apart; row r has index i + r where `to` = 8i) and columns j in [from, to) (byte offsets, an even
 * number of columns apart): A[r][j] ← A[r][j] − v[i+r]·w[j] − w[i+r]·v[j]; p[j] += Σ_r A[r][j]·u[i+r];
 * p[i+r] += Σ_j A[r][j]·u[j].
 */
function rank2RowsCode(): Code {
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

export interface Kernels {
  gramTile(a: number, b: number, stride: number, bytes: number, out: number): void;
  rank2Rows(
    row: number,
    stride: number,
    from: number,
    to: number,
    v: number,
    w: number,
    u: number,
    p: number,
  ): void;
}

/** The part of the WebAssembly JS API used here (the project's `lib` has no DOM or WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;

/** Float64 arrays sharing one WebAssembly memory, and the kernels bound to it. */
export interface Workspace {
  /** One array per requested length, each 16-byte aligned, zero-filled. */
  arrays: Float64Array[];
  kernels: Kernels;
}

/** A fresh memory holding arrays of the given lengths (float64 values each). */
export function workspace(lengths: readonly number[]): Workspace {
  compiled ??= new wasm.Module(assembleModule({ gramTile: gramTileCode(), rank2Rows: rank2RowsCode() }));
  const padded = lengths.map((length) => Math.ceil(length / 2) * 2);
  const bytes = 8 * padded.reduce((sum, length) => sum + length, 0);
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new wasm.Instance(compiled, { env: { memory } });
  let offset = 0;
  const arrays = lengths.map((length, index) => {
    const array = new Float64Array(memory.buffer, offset, length);
    offset += 8 * padded[index]!;
    return array;
  });
  return { arrays, kernels: instance.exports as unknown as Kernels };
}
