/**
 * Waiting out store outages: a decorator that retries an operation failing with
 * {@link ArtifactStoreUnavailableError} on a schedule of its own (minutes), so that a store restart or a
 * network blip costs time, never a candidate's attempt or the training it has in memory. Every other
 * error passes through at once.
 *
 * Why here and not in Temporal's retry policy: an activity has one retry policy, shared by every kind of
 * failure. Stretching it to outlast an outage would also delay the retries of genuine failures and spend
 * the attempts (`training.maxAttempts`) that belong to the candidate; and a retried training activity
 * starts again from its last epoch checkpoint, while a retried store call loses nothing.
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ArtifactStore,
  GetOptions,
  ListOptions,
  ObjectInfo,
  PutBody,
  PutOptions,
  PutResult,
} from './artifact-store.js';
import { isBufferedBody } from './body.js';
import { ArtifactStoreUnavailableError } from './errors.js';

export interface OutageRetryOptions {
  /** First wait after a failure, milliseconds. @default 1000 */
  initialDelayMs?: number;
  /** Longest wait between two tries, milliseconds. @default 30000 */
  maxDelayMs?: number;
  /**
   * Give up once the store has been unavailable this long, milliseconds; the error then reaches the
   * activity's retry policy. @default 300000 (5 minutes)
   */
  maxOutageMs?: number;
  /** Told before each wait (operators see the outage in the worker's log). @default none */
  onRetry?: (event: {
    operation: string;
    key: string;
    attempt: number;
    delayMs: number;
    error: Error;
  }) => void;
  /** @default timers/promises setTimeout */
  sleep?: (ms: number) => Promise<unknown>;
}

export const DEFAULT_OUTAGE_RETRY = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxOutageMs: 5 * 60_000,
} as const;

/** The same store, with each operation retried while the store is unavailable. */
export function withOutageRetry(store: ArtifactStore, options: OutageRetryOptions = {}): ArtifactStore {
  const initialDelayMs = options.initialDelayMs ?? DEFAULT_OUTAGE_RETRY.initialDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_OUTAGE_RETRY.maxDelayMs;
  const maxOutageMs = options.maxOutageMs ?? DEFAULT_OUTAGE_RETRY.maxOutageMs;
  const wait = options.sleep ?? sleep;

  async function retrying<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    let since: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof ArtifactStoreUnavailableError)) throw error;
        since ??= Date.now();
        const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
        if (Date.now() - since + delayMs > maxOutageMs) throw error;
        options.onRetry?.({ operation, key, attempt, delayMs, error });
        await wait(delayMs);
      }
    }
  }

  return {
    uri: store.uri,
    put(key: string, body: PutBody, putOptions?: PutOptions): Promise<PutResult> {
      // A stream body is consumed by the first try: only bytes and strings can be sent again.
      if (!isBufferedBody(body)) return store.put(key, body, putOptions);
      return retrying('put', key, () => store.put(key, body, putOptions));
    },
    get: (key: string, getOptions?: GetOptions): Promise<Uint8Array> =>
      retrying('get', key, () => store.get(key, getOptions)),
    getStream: (key: string, getOptions?: GetOptions): Promise<Readable> =>
      retrying('getStream', key, () => store.getStream(key, getOptions)),
    head: (key: string): Promise<ObjectInfo | undefined> => retrying('head', key, () => store.head(key)),
    exists: (key: string): Promise<boolean> => retrying('exists', key, () => store.exists(key)),
    deletePrefix: (prefix: string): Promise<number> =>
      retrying('deletePrefix', prefix, () => store.deletePrefix(prefix)),
    close: () => store.close(),
    async *list(prefix: string, listOptions?: ListOptions): AsyncIterable<ObjectInfo> {
      // Listings are in key order: a listing broken by an outage starts again and skips what was yielded.
      let last: string | undefined;
      let since: number | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          for await (const info of store.list(prefix, listOptions)) {
            if (last !== undefined && info.key <= last) continue;
            last = info.key;
            since = undefined;
            yield info;
          }
          return;
        } catch (error) {
          if (!(error instanceof ArtifactStoreUnavailableError)) throw error;
          since ??= Date.now();
          const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
          if (Date.now() - since + delayMs > maxOutageMs) throw error;
          options.onRetry?.({ operation: 'list', key: prefix, attempt, delayMs, error });
          await wait(delayMs);
        }
      }
    },
  };
}
