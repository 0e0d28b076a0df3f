/**
 * A minimal WebAssembly binary writer, enough for the linear-algebra kernels (`wasm-kernels.ts`): i32
 * and f64 arithmetic, f64x2 SIMD, loads and stores, i32 atomics, blocks and loops, functions on one
 * imported shared memory.
 * There is no toolchain here to compile .wat at build time, so the kernels are written as instruction
 * lists and turned into bytes when first used (a few hundred bytes, microseconds).
 */

/** Value types (binary encoding). */
export const ValueType = { i32: 0x7f, f64: 0x7c, v128: 0x7b } as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

/** One-byte opcodes used by the kernels. */
const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
} as const;

/** Atomic opcodes (after the 0xfe prefix); all take an i32-aligned memarg. */
const ATOMIC = { notify: 0x00, i32RmwAdd: 0x1e } as const;

/** SIMD opcodes (after the 0xfd prefix, LEB128-encoded). */
const SIMD = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f64x2Splat: 0x14,
  f64x2ExtractLane: 0x21,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
} as const;

function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

const vector = (items: number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()];
const name = (text: string): number[] => vector([...new TextEncoder().encode(text)].map((b) => [b]));

/** A function body under construction: append instructions, then `finish`. */
export class Code {
  readonly bytes: number[] = [];
  private readonly locals: ValueType[];

  constructor(
    readonly params: readonly ValueType[],
    readonly results: readonly ValueType[] = [],
  ) {
    this.locals = [...params];
  }

  /** A new local of `type`; returns its index. Parameters are locals 0, 1, … */
  local(type: ValueType): number {
    this.locals.push(type);
    return this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
  private simd(code: number, ...rest: number[]): this {
    return this.op(0xfd, ...unsignedLeb(code), ...rest);
  }
  private atomic(code: number): this {
    return this.op(0xfe, code, 2, 0);
  }

  get = (index: number): this => this.op(OP.localGet, ...unsignedLeb(index));
  set = (index: number): this => this.op(OP.localSet, ...unsignedLeb(index));
  tee = (index: number): this => this.op(OP.localTee, ...unsignedLeb(index));
  i32 = (value: number): this => this.op(OP.i32Const, ...signedLeb(value));
  add = (): this => this.op(OP.i32Add);
  sub = (): this => this.op(OP.i32Sub);
  mul = (): this => this.op(OP.i32Mul);
  eqz = (): this => this.op(OP.i32Eqz);
  ltU = (): this => this.op(OP.i32LtU);
  geU = (): this => this.op(OP.i32GeU);
  gtU = (): this => this.op(OP.i32GtU);
  f64Load = (offset = 0): this => this.op(OP.f64Load, 3, ...unsignedLeb(offset));
  f64Store = (offset = 0): this => this.op(OP.f64Store, 3, ...unsignedLeb(offset));
  f64Add = (): this => this.op(OP.f64Add);
  f64Sub = (): this => this.op(OP.f64Sub);
  f64Mul = (): this => this.op(OP.f64Mul);
  load = (offset = 0): this => this.simd(SIMD.v128Load, 3, ...unsignedLeb(offset));
  store = (offset = 0): this => this.simd(SIMD.v128Store, 3, ...unsignedLeb(offset));
  zero = (): this => this.simd(SIMD.v128Const, ...new Array<number>(16).fill(0));
  splat = (): this => this.simd(SIMD.f64x2Splat);
  lane = (index: 0 | 1): this => this.simd(SIMD.f64x2ExtractLane, index);
  vAdd = (): this => this.simd(SIMD.f64x2Add);
  vSub = (): this => this.simd(SIMD.f64x2Sub);
  vMul = (): this => this.simd(SIMD.f64x2Mul);
  block = (): this => this.op(OP.block, 0x40);
  loop = (): this => this.op(OP.loop, 0x40);
  end = (): this => this.op(OP.end);
  br = (depth: number): this => this.op(OP.br, ...unsignedLeb(depth));
  brIf = (depth: number): this => this.op(OP.brIf, ...unsignedLeb(depth));
  drop = (): this => this.op(OP.drop);
  return = (): this => this.op(OP.return);
  /** [address, delta] → the old i32 at address, which becomes old + delta (sequentially consistent). */
  atomicAdd = (): this => this.atomic(ATOMIC.i32RmwAdd);
  /** [address, count] → the number of waiters woken on the i32 at address. */
  notify = (): this => this.atomic(ATOMIC.notify);

  /** The encoded body: locals beyond the parameters, one entry each, then the instructions. */
  finish(): number[] {
    const declared = this.locals.slice(this.params.length).map((type) => [1, type]);
    const body = [...vector(declared), ...this.bytes, OP.end];
    return [...unsignedLeb(body.length), ...body];
  }
}

/**
 * A module of void functions exported by name, all on the shared memory imported as `env.memory` (at most
 * 65536 pages, 4 GiB; shared so that threads can run the kernels on the same arrays).
 */
export function assembleModule(functions: Record<string, Code>): Uint8Array {
  const entries = Object.entries(functions);
  const section = (id: number, content: number[]): number[] => [
    id,
    ...unsignedLeb(content.length),
    ...content,
  ];
  const types = entries.map(([, { params, results }]) => [
    0x60,
    ...vector(params.map((t) => [t])),
    ...vector(results.map((t) => [t])),
  ]);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x03, 0x01, ...unsignedLeb(65536)];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(entries.map((_, i) => unsignedLeb(i)))),
    ...section(7, vector(entries.map(([key], i) => [...name(key), 0x00, ...unsignedLeb(i)]))),
    ...section(10, vector(entries.map(([, code]) => code.finish()))),
  ]);
}
