/**
 * Deterministic storage layout (docs/design.md §4) and validation of the IDs that become key segments.
 * A retry writes to the same key, so it overwrites instead of duplicating.
 */
import { InvalidKeyError } from './errors.js';
import { MAX_SEGMENT_LENGTH, SEGMENT_CHARACTERS, SEGMENT_PATTERN } from './key-segment.js';

export { MAX_SEGMENT_LENGTH } from './key-segment.js';

/**
 * Checks that `value` can be one path segment of a key: non-empty, at most {@link MAX_SEGMENT_LENGTH}
 * characters of {@link SEGMENT_PATTERN}, not containing `..`.
 * @param field the name of the input field, used in the error message.
 * @throws InvalidKeyError naming the field and the fix.
 */
export function validateSegment(value: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidKeyError(`${field} must be a non-empty string`, field);
  }
  if (value.length > MAX_SEGMENT_LENGTH) {
    throw new InvalidKeyError(
      `${field} is ${value.length} characters long; use at most ${MAX_SEGMENT_LENGTH}`,
      field,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new InvalidKeyError(`${field} contains a control character; use ${SEGMENT_CHARACTERS}`, field);
  }
  if (value.includes('/') || value.includes('\\')) {
    throw new InvalidKeyError(
      `${field} ${JSON.stringify(value)} contains a path separator; remove '/' and '\\'`,
      field,
    );
  }
  if (value === '.' || value === '..' || value.includes('..')) {
    throw new InvalidKeyError(`${field} ${JSON.stringify(value)} contains '..'; use a plain name`, field);
  }
  if (!SEGMENT_PATTERN.test(value)) {
    throw new InvalidKeyError(
      `${field} ${JSON.stringify(value)} may use only ${SEGMENT_CHARACTERS}, starting with a letter or digit`,
      field,
    );
  }
  return value;
}

/**
 * Checks a whole relative key: `/`-separated, no empty, `.` or `..` segment, no control characters,
 * no leading `/`, at most 1024 bytes.
 */
export function validateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0)
    throw new InvalidKeyError('key must be a non-empty string', 'key');
  if (Buffer.byteLength(key, 'utf8') > 1024)
    throw new InvalidKeyError('key is longer than 1024 bytes', 'key');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) {
    throw new InvalidKeyError(`key ${JSON.stringify(key)} contains a control character or backslash`, 'key');
  }
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidKeyError(`key ${JSON.stringify(key)} has an empty, '.' or '..' segment`, 'key');
    }
  }
  return key;
}

/** Whether {@link validateKey} accepts `key`. */
export function isValidKey(key: string): boolean {
  try {
    validateKey(key);
    return true;
  } catch {
    return false;
  }
}

/** A listing prefix: like a key, but may be empty or end with `/`. */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

const pad = (n: number, width: number): string => {
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidKeyError(`expected a non-negative integer, got ${n}`, 'step');
  return String(n).padStart(width, '0');
};

/** Key builders for one sweep. IDs are validated once, here. */
export const sweepKeys = (sweepId: string) => {
  const sweep = `sweeps/${validateSegment(sweepId, 'sweepId')}`;
  return {
    root: `${sweep}/`,
    spec: `${sweep}/spec.json`,
    reportJson: `${sweep}/report.json`,
    reportHtml: `${sweep}/report.html`,
    /** The report of run `n` (1-based) kept beside the current one when `ncap sweep extend` decides again. */
    previousReport: (n: number) => ({
      json: `${sweep}/report-run${pad(n, 1)}.json`,
      html: `${sweep}/report-run${pad(n, 1)}.html`,
    }),
    candidate: (candidateId: string) => {
      const c = `${sweep}/candidates/${validateSegment(candidateId, 'candidateId')}`;
      return {
        root: `${c}/`,
        snapshotsPrefix: `${c}/snapshots/`,
        snapshot: (step: number) => `${c}/snapshots/${pad(step, 10)}.safetensors`,
        checkpointsPrefix: `${c}/checkpoints/`,
        checkpoint: (epoch: number) => `${c}/checkpoints/epoch-${pad(epoch, 4)}/`,
        /** A checkpoint inside epoch `epochsDone + 1`, at global `step` (the end of a fractional window). */
        checkpointInside: (epochsDone: number, step: number) =>
          `${c}/checkpoints/epoch-${pad(epochsDone, 4)}.step-${pad(step, 9)}/`,
        /** Correctness bitmap of the validation evaluation at global `step` (activities/training/outcome-bitmap.ts). */
        outcomes: (step: number) => `${c}/outcomes/${pad(step, 10)}.bits`,
        result: `${c}/result.json`,
      };
    },
  };
};

/**
 * Key builders for the observed runs of one dataset (runs with a known final accuracy that selection
 * learns from): `observed/{datasetKey}/runs/{sweepId}/{candidateId}/epochs-{E:04d}.json`, one object per
 * run and early window of E epochs, so recording a run again overwrites it.
 */
export const observedRunKeys = (datasetKey: string) => {
  const root = `observed/${validateSegment(datasetKey, 'datasetKey')}/runs/`;
  return {
    prefix: root,
    run: (sweepId: string, candidateId: string, windowEpochs: number) =>
      `${root}${validateSegment(sweepId, 'sweepId')}/${validateSegment(candidateId, 'candidateId')}/epochs-${pad(windowEpochs, 4)}.json`,
  };
};
