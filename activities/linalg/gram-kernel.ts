/**
 * The Gram matrix's inner loop as a WebAssembly SIMD (f64x2) kernel: strips of GRAM_TILE × GRAM_TILE
 * register tiles, each filled by one pass over GRAM_TILE + GRAM_TILE rows, two values per instruction.
 * Threads running it on one shared memory share the work: each takes the next strip from an atomic
 * counter. Float64 multiplies and adds only (no fused multiply-add): it differs from the scalar loop in
 * summation order alone.
 */
import { Code, ValueType } from './wasm-assembler.js';

const { i32, v128 } = ValueType;

/** Rows of each operand in a register tile: GRAM_TILE² f64x2 accumulators. */
export const GRAM_TILE = 3;

/**
 * gramStrip(x, stride, g, gStride, strips, counter, done) → 1, or 0 when none is left: takes strip
 * s = counter++ (largest first: rows i = (strips − 1 − s)·T, T = GRAM_TILE) and writes
 * G[i + r][j + c] = Σ_k X[i + r][k]·X[j + c][k] for every tile j = 0, T, …, i (X rows `stride` bytes apart
 * from byte x, whole rows summed; G rows `gStride` bytes apart from byte g), then adds 1 to the i32 at
 * `done` and wakes one waiter there. One strip per call, not a loop over all: V8 moves a WebAssembly
 * function to its optimising compiler between calls, never inside a running one.
 */
export function gramStripCode(): Code {
  const code = new Code([i32, i32, i32, i32, i32, i32, i32], [i32]);
  const [, , , , strips, counter, done] = [0, 1, 2, 3, 4, 5, 6];
  const [s, i, j] = [code.local(i32), code.local(i32), code.local(i32)];
  code.block();
  code.get(counter).i32(1).atomicAdd().tee(s).get(strips).geU().brIf(0);
  code.get(strips).i32(1).sub().get(s).sub().i32(GRAM_TILE).mul().set(i);
  code.loop();
  tile(code, i, j);
  code.get(j).i32(GRAM_TILE).add().tee(j).get(i).gtU().eqz().brIf(0);
  code.end();
  code.get(done).i32(1).atomicAdd().drop().get(done).i32(1).notify().drop();
  code.i32(1).return();
  code.end();
  code.i32(0);
  return code;
}

/** One tile: G[i..i+T)[j..j+T) from rows i.. and j.. of X (parameters as in gramStripsCode). */
function tile(code: Code, i: number, j: number): void {
  const [x, stride, g, gStride] = [0, 1, 2, 3];
  const rows = (first: number) =>
    Array.from({ length: GRAM_TILE }, (_, r) => {
      const pointer = code.local(i32);
      code.get(first).i32(r).add().get(stride).mul().get(x).add().set(pointer);
      return pointer;
    });
  const [pa, pb] = [rows(i), rows(j)];
  const xa = pa.map(() => code.local(v128));
  const xb = pb.map(() => code.local(v128));
  const acc = xa.map(() => xb.map(() => code.local(v128)));
  acc.flat().forEach((sum) => code.zero().set(sum));
  const k = code.local(i32);
  code.i32(0).set(k).block().loop();
  code.get(k).get(stride).geU().brIf(1);
  pa.forEach((pointer, r) => code.get(pointer).get(k).add().load().set(xa[r]!));
  pb.forEach((pointer, c) => code.get(pointer).get(k).add().load().set(xb[c]!));
  acc.forEach((row, r) =>
    row.forEach((sum, c) => code.get(sum).get(xa[r]!).get(xb[c]!).vMul().vAdd().set(sum)),
  );
  code.get(k).i32(16).add().set(k).br(0);
  code.end().end();
  acc.forEach((row, r) => {
    // Row i + r of G starts at g + (i + r)·gStride; column j at 8j bytes further.
    const out = code.local(i32);
    code.get(i).i32(r).add().get(gStride).mul().get(g).add().get(j).i32(8).mul().add().set(out);
    row.forEach((sum, c) => {
      const at = 8 * c;
      code.get(out).get(sum).lane(0).get(sum).lane(1).f64Add().f64Store(at);
    });
  });
}
