/**
 * The smoke path: one activity that writes an object through the artifact store and reads it back, so a
 * single workflow run proves Temporal, the worker and the store work together.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { ArtifactStore } from './store/artifact-store.js';
import { validateSegment } from './store/keys.js';
import { InvalidKeyError } from './store/errors.js';

export interface StoreRoundTripInput {
  /** Becomes a key segment: `smoke/{runId}/hello.txt`. */
  runId: string;
  /** Text to write. */
  message: string;
}

export interface StoreRoundTripOutput {
  key: string;
  /** What was read back. */
  readBack: string;
  bytes: number;
  sha256: string;
}

export function createSmokeActivities(deps: { store: ArtifactStore }) {
  return {
    async storeRoundTrip(input: StoreRoundTripInput): Promise<StoreRoundTripOutput> {
      let key: string;
      try {
        key = `smoke/${validateSegment(input.runId, 'runId')}/hello.txt`;
      } catch (error) {
        if (error instanceof InvalidKeyError) {
          throw ApplicationFailure.nonRetryable(error.message, error.name);
        }
        throw error;
      }
      const written = await deps.store.put(key, input.message, { contentType: 'text/plain' });
      const bytes = await deps.store.get(key);
      const readBack = Buffer.from(bytes).toString('utf8');
      const sha256 = createHash('sha256').update(bytes).digest('base64');
      if (sha256 !== written.sha256) {
        throw ApplicationFailure.retryable(
          `read-back checksum of ${key} differs from the written one`,
          'ChecksumMismatchError',
        );
      }
      return { key, readBack, bytes: bytes.byteLength, sha256 };
    },
  };
}

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
