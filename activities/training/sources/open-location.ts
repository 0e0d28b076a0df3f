/**
 * Resolves a model or dataset URI to a {@link ByteSource} and the path of the target inside it.
 * `s3://` URIs under the sweep's own store reuse it; other buckets need `openStore`.
 */
import { fileURLToPath } from 'node:url';
import type { ArtifactStore } from '../../store/artifact-store.js';
import type { ByteSource } from './byte-source.js';
import { FsByteSource } from './fs-byte-source.js';
import { HttpByteSource } from './http-byte-source.js';
import { StoreByteSource } from './store-byte-source.js';

export interface LocationDeps {
  /** The sweep's store, reused for URIs inside it. */
  store?: ArtifactStore;
  /** Opens a store for `s3://bucket` when the URI is outside {@link store}. */
  openStore?: (uri: string) => Promise<ArtifactStore>;
  fetch?: typeof fetch;
}

export interface Location {
  source: ByteSource;
  /** The target (file or folder) inside the source, `/`-separated, no leading `/`; `''` = the root. */
  path: string;
}

/** A URI no source can serve (unknown scheme, or `s3://` without a way to open its bucket). */
export class UnsupportedUriError extends Error {
  override name = 'UnsupportedUriError';
  readonly nonRetryable = true;
}

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, '');

export async function openLocation(uri: string, deps: LocationDeps = {}): Promise<Location> {
  if (uri.startsWith('file://')) {
    return { source: new FsByteSource('/'), path: trimSlashes(fileURLToPath(uri)) };
  }
  if (uri.startsWith('http://') || uri.startsWith('https://')) {
    const url = new URL(uri);
    return {
      source: new HttpByteSource(`${url.origin}/`, deps.fetch),
      path: trimSlashes(decodeURIComponent(url.pathname)),
    };
  }
  if (uri.startsWith('s3://')) {
    const storeUri = deps.store?.uri.replace(/\/+$/, '');
    if (deps.store && storeUri && (uri === storeUri || uri.startsWith(`${storeUri}/`))) {
      return {
        source: new StoreByteSource(deps.store, '', false),
        path: trimSlashes(uri.slice(storeUri.length)),
      };
    }
    const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
    if (!match?.[1]) throw new UnsupportedUriError(`${uri} is not an s3://bucket/key URI`);
    if (!deps.openStore) {
      throw new UnsupportedUriError(
        `${uri} is outside the sweep's store (${deps.store?.uri ?? 'none'}) and no openStore was given`,
      );
    }
    const store = await deps.openStore(`s3://${match[1]}`);
    return { source: new StoreByteSource(store, '', true), path: trimSlashes(match[2] ?? '') };
  }
  throw new UnsupportedUriError(`${uri}: unsupported scheme; use file://, s3:// or http(s)://`);
}
