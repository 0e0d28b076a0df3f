/**
 * The Gram matrix G = X Xᵀ of `count` vectors of `length` float64 values (the rows of X), for LogME's
 * FᵀF or FFᵀ. Strips of register tiles in a WebAssembly SIMD kernel (`gram-kernel.ts`), shared between
 * this thread and, for large inputs, a helper worker thread on the same shared memory: each takes the
 * next strip from an atomic counter, so the work splits evenly however late the helper starts.
 */
import { Worker } from 'node:worker_threads';
import { GRAM_TILE } from './gram-kernel.js';
import { workspace, type Kernels, type Workspace } from './wasm-kernels.js';

/** Below this many multiply-adds, starting a thread (tens of milliseconds) costs more than it saves. */
const HELPER_MIN_MULTIPLY_ADDS = 2e8;
/** No strip finished for this long while waiting on the helper means it is gone: fail, not hang. */
const HELPER_STALL_MS = 60_000;

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
  /**
   * Threads computing the tiles: 1 (this one) or 2 (and a helper worker thread).
   * @default 2 from 2·10⁸ multiply-adds (count²·length/2) up, else 1
   */
  threads?: 1 | 2;
}

/** The kernel's arguments for one Gram, and where its [counter, done, failed] i32 flags are. */
export interface GramJob {
  args: Parameters<Kernels['gramStrip']>;
  /** Int32Array over [counter, done, failed]. */
  flags: Int32Array;
  strips: number;
}

/** Row-major count × count G with G[i][j] = Σ_r rows[i][r]·rows[j][r], both triangles filled. */
export function gram(input: GramInput): Float64Array {
  const { rows, count, length } = input;
  if (rows.length !== count * length)
    throw new RangeError(`gram: expected ${count}×${length} = ${count * length} values, got ${rows.length}`);
  const { space, job, padded } = prepareGram(input);
  const threads = input.threads ?? ((count * count * length) / 2 >= HELPER_MIN_MULTIPLY_ADDS ? 2 : 1);
  const helper = threads === 2 ? startGramHelper(space, job) : null;
  try {
    while (space.kernels.gramStrip(...job.args) === 1);
    awaitGram(job);
  } finally {
    void helper?.terminate();
  }
  return mirrored(space.arrays[1]!, padded, count);
}

/** The workspace with X copied in (rows padded with zeros to even length, count to whole tiles). */
export function prepareGram({ rows, count, length, transposed = false }: GramInput): {
  space: Workspace;
  job: GramJob;
  padded: number;
} {
  const stride = Math.ceil(length / 2) * 2;
  const strips = Math.ceil(count / GRAM_TILE);
  const padded = strips * GRAM_TILE;
  const space = workspace([padded * stride, padded * padded, 2]);
  const [x, g, flagWords] = space.arrays as [Float64Array, Float64Array, Float64Array];
  copyRows(rows, count, length, transposed, x, stride);
  const flags = new Int32Array(flagWords.buffer, flagWords.byteOffset, 3);
  const args: GramJob['args'] = [
    x.byteOffset,
    8 * stride,
    g.byteOffset,
    8 * padded,
    strips,
    flags.byteOffset,
    flags.byteOffset + 4,
  ];
  return { space, job: { args, flags, strips }, padded };
}

/** The helper thread's program: instantiate the kernels on the shared memory, take strips until none is left. */
const HELPER_SOURCE = `
const { workerData: { module, memory, args } } = require('node:worker_threads');
try {
  const { gramStrip } = new WebAssembly.Instance(module, { env: { memory } }).exports;
  while (gramStrip(...args) === 1);
} catch {
  const flags = new Int32Array(memory.buffer, args[5], 3);
  Atomics.store(flags, 2, 1);
  Atomics.notify(flags, 1);
}`;

/**
 * A worker thread sharing `job`'s strips (it exits by itself when none is left). Its failures reach this
 * thread through the flags (or the stall timeout), so an 'error' event, which may come after the Gram is
 * done, is not rethrown.
 */
export function startGramHelper(space: Workspace, job: GramJob): Worker {
  const helper = new Worker(HELPER_SOURCE, { eval: true, workerData: { ...space.shared, args: job.args } });
  helper.on('error', () => undefined);
  return helper;
}

/** Blocks until every strip is done (by whichever thread took it). */
export function awaitGram({ flags, strips }: GramJob): void {
  for (;;) {
    const done = Atomics.load(flags, 1);
    if (done >= strips) return;
    if (Atomics.load(flags, 2) !== 0) throw new Error('gram: the helper thread failed');
    if (Atomics.wait(flags, 1, done, HELPER_STALL_MS) === 'timed-out')
      throw new Error(`gram: no progress for ${HELPER_STALL_MS / 1000} s from the helper thread`);
  }
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

/** The count × count G from the lower triangle of the padded one, both triangles filled. */
function mirrored(padded: Float64Array, size: number, count: number): Float64Array {
  const g = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j <= i; j++) {
      const value = padded[i * size + j]!;
      g[i * count + j] = value;
      g[j * count + i] = value;
    }
  }
  return g;
}
