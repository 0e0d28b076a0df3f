/**
 * The two O(n³) inner loops of LogME as WebAssembly SIMD (f64x2) kernels, two to three times the
 * multiply-adds per second of the same loops in plain JavaScript: strips of Gram register tiles
 * (`gram-kernel.ts`) and strips of the tridiagonalisation's fused rank-2 update (`rank2-kernel.ts`).
 * The arrays they work on live in one shared WebAssembly memory per {@link Workspace}, which a helper
 * thread can instantiate the same module on; pointers are byte offsets into it.
 */
import { gramStripCode } from './gram-kernel.js';
import { rank2RowsCode } from './rank2-kernel.js';
import { assembleModule } from './wasm-assembler.js';

/** The exported kernels; every argument is an i32 (a byte offset, a byte stride or a count). */
export interface Kernels {
  /** 1 after computing the next strip of tiles, 0 when none is left. */
  gramStrip(
    x: number,
    stride: number,
    g: number,
    gStride: number,
    strips: number,
    counter: number,
    done: number,
  ): number;
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
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => {
    buffer: SharedArrayBuffer;
  };
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;
/** 64 KiB pages: 4 GiB, what 32-bit addresses reach (the module's declared maximum). */
const MAX_PAGES = 65536;

/** Float64 arrays sharing one WebAssembly memory, and the kernels bound to it. */
export interface Workspace {
  /** One array per requested length, each 16-byte aligned, zero-filled. */
  arrays: Float64Array[];
  kernels: Kernels;
  /** The compiled module and its memory, for a helper thread to instantiate (structured-cloneable). */
  shared: { module: object; memory: object };
}

/** A fresh shared memory holding arrays of the given lengths (float64 values each). */
export function workspace(lengths: readonly number[]): Workspace {
  compiled ??= new wasm.Module(assembleModule({ gramStrip: gramStripCode(), rank2Rows: rank2RowsCode() }));
  const padded = lengths.map((length) => Math.ceil(length / 2) * 2);
  const bytes = 8 * padded.reduce((sum, length) => sum + length, 0);
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  if (pages > MAX_PAGES)
    throw new RangeError(
      `linalg: ${(bytes / 2 ** 30).toFixed(1)} GiB of arrays exceed WebAssembly's 4 GiB memory`,
    );
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  const instance = new wasm.Instance(compiled, { env: { memory } });
  let offset = 0;
  const arrays = lengths.map((length, index) => {
    const array = new Float64Array(memory.buffer, offset, length);
    offset += 8 * padded[index]!;
    return array;
  });
  return { arrays, kernels: instance.exports as unknown as Kernels, shared: { module: compiled, memory } };
}
