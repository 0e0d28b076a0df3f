/**
 * Worker-thread entry point of {@link logmeOffThread}: computes one LogME and posts the score (or the
 * error's message) back. JavaScript and WebAssembly numerics, no TF.js, so it runs in a worker thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { logme } from './logme.js';
import type { LogmeThreadReply, LogmeThreadRequest } from './logme-off-thread.js';

const { features, samples, dims, labels } = workerData as LogmeThreadRequest;
let reply: LogmeThreadReply;
try {
  reply = { value: logme(features, samples, dims, labels) };
} catch (error) {
  reply = { error: error instanceof Error ? error.message : String(error) };
}
parentPort!.postMessage(reply);
