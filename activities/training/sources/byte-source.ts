/**
 * Read-only byte access to models and datasets wherever their URI points (`file://`, `s3://`,
 * `http(s)://`), with ranged reads so large tensor files are streamed instead of loaded whole.
 */

/** A byte range: `length` bytes from `offset`. */
export interface ByteRange {
  offset: number;
  length: number;
}

export interface ByteSource {
  /** Human-readable root, for error messages. */
  readonly description: string;
  /** Whole file (or a range of it). Missing file: {@link SourceNotFoundError}. */
  read(path: string, range?: ByteRange): Promise<Uint8Array>;
  /** Size in bytes, or `undefined` when the file does not exist. */
  size(path: string): Promise<number | undefined>;
  /** The file as a stream of chunks (for hashing without holding it). */
  stream(path: string): AsyncIterable<Uint8Array>;
  /** Every file below the folder `dir` (`''` = root), as paths relative to the root, sorted. */
  list(dir: string): Promise<string[]>;
  /** Releases handles; a source borrowed from the caller's store is not closed. */
  close(): Promise<void>;
}

/** A file the source does not have (HTTP 404, missing key or file). */
export class SourceNotFoundError extends Error {
  override name = 'SourceNotFoundError';
  readonly nonRetryable = true;
  constructor(
    readonly path: string,
    readonly source: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} not found in ${source}`, options);
  }
}

/** An HTTP source answered an error status other than 404. Client errors (4xx) are permanent. */
export class HttpSourceError extends Error {
  override name = 'HttpSourceError';
  readonly nonRetryable: boolean;
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    // 408 (timeout) and 429 (rate limit) say "later"; other 4xx say "never"; 5xx is the server's trouble.
    this.nonRetryable = status >= 400 && status < 500 && status !== 408 && status !== 429;
  }
}

/** A relative path that climbs above its source's root (`../..`): a bad URI, never fixed by a retry. */
export class PathOutsideRootError extends Error {
  override name = 'PathOutsideRootError';
  readonly nonRetryable = true;
}

/** Joins `/`-separated path parts, resolving `.` and `..` (never above the root). */
export function joinPath(...parts: string[]): string {
  const out: string[] = [];
  for (const part of parts.join('/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0)
        throw new PathOutsideRootError(`path ${JSON.stringify(parts.join('/'))} climbs above its root`);
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/** The folder part of a `/`-separated path (`''` for a top-level file). */
export function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The last segment of a `/`-separated path. */
export function basenameOf(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
