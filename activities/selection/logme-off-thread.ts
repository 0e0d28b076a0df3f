/**
 * LogME in a worker thread, so the seconds of O(min(N, D)³) numerics never block the event loop that the
 * activity's heartbeat keepalive runs on. LogME is JavaScript and WebAssembly (no TF.js, which does not
 * load in a second worker thread), so a worker thread suffices: no child process. The thread gets a copy of
 * the features, so this thread still holds them if the thread never starts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { InvalidSeriesError } from '../capacitance/errors.js';
import { logme } from './logme.js';

export interface LogmeThreadRequest {
  /** Row-major samples × dims features (copied to the thread). */
  features: Float32Array;
  /** Number of rows N. */
  samples: number;
  /** Feature width D. */
  dims: number;
  /** N class indices in [0, C). */
  labels: Int32Array;
}

export type LogmeThreadReply = { value: number } | { error: string };

export interface LogmeOffThreadOptions {
  /**
   * The compiled entry point (`logme-thread.js`).
   * @default the one beside this module (dist/); from the TypeScript sources (tests), which have no
   *   compiled entry, LogME runs on this thread after yielding once.
   */
  entry?: URL;
  /** Aborting terminates the thread and rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * How long the thread may take to start running JavaScript (its `online` event) before it is given up
   * and LogME runs on this thread instead, in milliseconds. A thread was seen stuck before its first line
   * (no CPU, inspector unanswered) under Node 20 in a process running tfjs-node; the heartbeat keepalive
   * kept the activity alive, so without this the candidate never ended.
   * @default 30_000
   */
  startupTimeoutMs?: number;
  /** Starts the thread; a test may give a thread that never comes online. @default `new Worker` */
  spawn?: (entry: URL, options: WorkerOptions) => ThreadLike;
}

/** The part of a `Worker` used here. */
export type ThreadLike = Pick<Worker, 'once' | 'terminate' | 'unref'>;

/** Default of {@link LogmeOffThreadOptions.startupTimeoutMs}. */
export const DEFAULT_LOGME_STARTUP_TIMEOUT_MS = 30_000;

/** The compiled entry beside this module; none when running from the TypeScript sources (tests). */
function defaultEntry(): URL | null {
  const entry = new URL('./logme-thread.js', import.meta.url);
  return !import.meta.url.endsWith('.ts') && existsSync(fileURLToPath(entry)) ? entry : null;
}

/** LogME on this thread, after one turn of the event loop. */
async function logmeHere(request: LogmeThreadRequest): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  return logme(request.features, request.samples, request.dims, request.labels);
}

/** The thread's reply; `'stalled'` when it did not come online within `startupTimeoutMs`. */
function threadReply(
  worker: ThreadLike,
  startupTimeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<LogmeThreadReply | 'stalled'> {
  return new Promise((resolve, reject) => {
    const startup = setTimeout(() => resolve('stalled'), startupTimeoutMs);
    worker.once('online', () => clearTimeout(startup));
    worker.once('message', (reply: LogmeThreadReply) => {
      clearTimeout(startup);
      resolve(reply);
    });
    worker.once('error', (error: Error) => {
      clearTimeout(startup);
      reject(error);
    });
    worker.once('exit', (code: number) => {
      clearTimeout(startup);
      if (signal?.aborted) reject(signal.reason);
      else reject(new Error(`the LogME thread exited (code ${code}) without a result`));
    });
  });
}

/**
 * `logme(features, samples, dims, labels)` computed in a worker thread (on this thread when the thread does
 * not start in time).
 * @throws InvalidSeriesError for bad input (as `logme`), the signal's reason when aborted.
 */
export async function logmeOffThread(
  request: LogmeThreadRequest,
  options: LogmeOffThreadOptions = {},
): Promise<number> {
  const entry = options.entry ?? defaultEntry();
  if (!entry) return logmeHere(request);
  options.signal?.throwIfAborted();
  const spawn = options.spawn ?? ((url: URL, init: WorkerOptions) => new Worker(url, init));
  const worker = spawn(entry, { workerData: request });
  const onAbort = (): void => void worker.terminate();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let stalled = false;
  try {
    const reply = await threadReply(
      worker,
      options.startupTimeoutMs ?? DEFAULT_LOGME_STARTUP_TIMEOUT_MS,
      options.signal,
    );
    stalled = reply === 'stalled';
    if (reply === 'stalled') {
      options.signal?.throwIfAborted();
      return await logmeHere(request);
    }
    if ('error' in reply) throw new InvalidSeriesError(reply.error);
    return reply.value;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // A stalled thread may never answer terminate(): let it go without waiting on it.
    if (stalled) {
      worker.unref();
      void worker.terminate();
    } else await worker.terminate();
  }
}
