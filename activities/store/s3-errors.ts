/**
 * Turning S3 SDK and network failures into artifact store errors, and telling transient ones apart.
 * Messages name the bucket, the key and the S3 error code; they never carry credentials (the SDK's
 * errors do not hold them and nothing here reads the client configuration).
 */
import {
  ArtifactConflictError,
  ArtifactNotFoundError,
  ArtifactRangeError,
  ArtifactStoreError,
  StoreUnusableError,
  ArtifactStoreUnavailableError,
  InvalidKeyError,
} from './errors.js';

export interface S3ErrorContext {
  /** S3 operation, e.g. `GetObject`. */
  operation: string;
  /** Store URI, e.g. `s3://bucket/prefix`. */
  uri: string;
  bucket: string;
  /** Key relative to the store. */
  key: string;
  /** Key inside the bucket (store prefix + key). */
  fullKey: string;
}

/** S3 error code (`NoSuchKey`, `SlowDown`…), Node error code (`ECONNRESET`…) or error name. */
export function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'UnknownError';
  const { code, name, Code } = error as { code?: unknown; name?: unknown; Code?: unknown };
  if (typeof Code === 'string') return Code;
  // The SDK sets `name` to the S3 code on service errors; Node sets `code` on system errors.
  if (typeof name === 'string' && name !== 'Error' && name !== 'S3ServiceException') return name;
  if (typeof code === 'string') return code;
  return typeof name === 'string' ? name : 'UnknownError';
}

/** HTTP status of an SDK service error, if it got that far. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'InternalError',
  'ServiceUnavailable',
]);

/** Worth another attempt: 5xx, 429, throttling, timeouts and broken connections. */
export function isTransientS3Error(error: unknown): boolean {
  const status = httpStatus(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (TRANSIENT_CODES.has(errorCode(error))) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  // Node reports a response cut short as Error('aborted') (code ECONNRESET on recent versions).
  return error instanceof Error && error.message === 'aborted';
}

/**
 * Maps a failure to the store's error classes: missing key → {@link ArtifactNotFoundError}, lost
 * conditional write → {@link ArtifactConflictError}, unsatisfiable range → {@link ArtifactRangeError},
 * transient failure (the SDK's retries spent) → {@link ArtifactStoreUnavailableError}, anything else →
 * {@link ArtifactStoreError}; messages name operation, bucket, key, code and HTTP status.
 */
export function toArtifactError(error: unknown, context: S3ErrorContext): Error {
  if (error instanceof ArtifactStoreError || error instanceof InvalidKeyError) return error;
  const code = errorCode(error);
  const status = httpStatus(error);
  const details = { uri: context.uri, bucket: context.bucket, key: context.key };
  const where = `s3://${context.bucket}/${context.fullKey}`;
  if (code === 'NoSuchBucket') {
    return new StoreUnusableError(
      `S3 ${context.operation} of ${where} failed: NoSuchBucket: bucket ${JSON.stringify(context.bucket)} does not exist; create it or fix storeUri`,
      details,
      { cause: error },
    );
  }
  if (code === 'NoSuchKey' || code === 'NotFound' || (status === 404 && code !== 'NoSuchUpload')) {
    return new ArtifactNotFoundError(
      `artifact ${JSON.stringify(context.key)} not found in ${context.uri} (${where}: ${code})`,
      details,
      { cause: error },
    );
  }
  if (code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || status === 412) {
    return new ArtifactConflictError(
      `S3 ${context.operation} of ${where} with If-None-Match: the key already exists or another conditional write to it is in progress (${code})`,
      details,
      { cause: error },
    );
  }
  if (code === 'InvalidRange' || status === 416) {
    return new ArtifactRangeError(
      `S3 ${context.operation} of ${where}: the requested range is not satisfiable (${code})`,
      details,
      { cause: error },
    );
  }
  const message =
    error instanceof Error && error.message !== '' && error.message !== code ? `: ${error.message}` : '';
  const statusText = status !== undefined ? ` (HTTP ${status})` : '';
  const text = `S3 ${context.operation} of ${where} failed: ${code}${statusText}${message}`;
  if (isTransientS3Error(error)) return new ArtifactStoreUnavailableError(text, details, { cause: error });
  return new ArtifactStoreError(text, details, { cause: error });
}
