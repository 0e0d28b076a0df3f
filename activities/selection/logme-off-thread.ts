/**
 * LogME in a worker thread, so the seconds of O(min(N, D)³) numerics never block the event loop that the
 * activity's heartbeat keepalive runs on. LogME is JavaScript and WebAssembly (no TF.js, which does not
 * load in a second worker thread), so a worker thread suffices: no child process, and the feature matrix
 * moves by transfer, not copy.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InvalidSeriesError } from '../capacitance/errors.js';
import { logme } from './logme.js';

export interface LogmeThreadRequest {
  /** Row-major samples × dims features; its buffer is transferred to the thread (unusable afterwards). */
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
}

/** The compiled entry beside this module; none when running from the TypeScript sources (tests). */
function defaultEntry(): URL | null {
  const entry = new URL('./logme-thread.js', import.meta.url);
  return !import.meta.url.endsWith('.ts') && existsSync(fileURLToPath(entry)) ? entry : null;
}

/**
 * `logme(features, samples, dims, labels)` computed in a worker thread.
 * @throws InvalidSeriesError for bad input (as `logme`), the signal's reason when aborted.
 */
export async function logmeOffThread(
  request: LogmeThreadRequest,
  options: LogmeOffThreadOptions = {},
): Promise<number> {
  const entry = options.entry ?? defaultEntry();
  if (!entry) {
    await new Promise((resolve) => setImmediate(resolve));
    return logme(request.features, request.samples, request.dims, request.labels);
  }
  options.signal?.throwIfAborted();
  const worker = new Worker(entry, {
    workerData: request,
    transferList: [request.features.buffer as ArrayBuffer, request.labels.buffer as ArrayBuffer],
  });
  const onAbort = (): void => void worker.terminate();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const reply = await new Promise<LogmeThreadReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (options.signal?.aborted) reject(options.signal.reason);
        else reject(new Error(`the LogME thread exited (code ${code}) without a result`));
      });
    });
    if ('error' in reply) throw new InvalidSeriesError(reply.error);
    return reply.value;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
