import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  InvalidNetworkError,
  InvalidSeriesError,
  SafetensorsError,
  SnapshotFormatError,
} from '../../../activities/capacitance/errors.js';
import { InvalidSpecError } from '../../../activities/spec/sweep-spec.js';
import { UnknownCandidateError } from '../../../activities/spec/training-input.js';
import {
  ArtifactConflictError,
  ArtifactNotFoundError,
  ArtifactRangeError,
  ArtifactStoreError,
  ArtifactStoreUnavailableError,
  InvalidKeyError,
  InvalidStoreUriError,
} from '../../../activities/store/errors.js';
import { SpecConflictError, toApplicationFailure } from '../../../activities/sweep/failures.js';
import {
  InvalidTfBackendError,
  TfBackendUnavailableError,
  TfRuntimeError,
} from '../../../activities/tf/errors.js';
import {
  CheckpointMismatchError,
  CorruptCheckpointError,
  DatasetError,
  IncompatibleModelError,
  InvalidTrainingInputError,
  NonFiniteLossError,
  ResultTooLargeError,
  TrainingError,
} from '../../../activities/training/errors.js';
import { ModelArtifactsError } from '../../../activities/training/model-io.js';
import { serialiseResult } from '../../../activities/training/result.js';
import {
  HttpSourceError,
  PathOutsideRootError,
  SourceNotFoundError,
  joinPath,
} from '../../../activities/training/sources/byte-source.js';

const permanent: Error[] = [
  new InvalidSpecError([{ path: 'training.epochs', message: 'must be ≥ 1' }]),
  new SpecConflictError('another spec'),
  new UnknownCandidateError('no such candidate'),
  new InvalidKeyError('bad key', 'sweepId'),
  new InvalidStoreUriError('bad uri'),
  new ArtifactNotFoundError('missing'),
  new ArtifactRangeError('bad range'),
  new InvalidTrainingInputError('bad', 'training.batchSize'),
  new IncompatibleModelError('no feature layer', 'file:///m.json'),
  new DatasetError('labels', 'dataset.numClasses'),
  new NonFiniteLossError('c', 1, 1, Number.NaN),
  new CheckpointMismatchError('other setup', 'ckpt/'),
  new ResultTooLargeError('too big'),
  new ModelArtifactsError('not JSON'),
  new SourceNotFoundError('model.json', 'http://zoo'),
  new HttpSourceError('HTTP 403', 403),
  new HttpSourceError('HTTP 404', 404),
  new PathOutsideRootError('../..'),
  new InvalidNetworkError('bad shapes'),
  new SafetensorsError('bad file'),
  new SnapshotFormatError('bad layout'),
  new InvalidSeriesError('too few points'),
  new TfBackendUnavailableError('not installed', 'tfjs-node'),
  new InvalidTfBackendError('no such backend', 'NCAP_TF_BACKEND'),
];
const transient: Error[] = [
  new ArtifactStoreError('S3 PutObject failed: InternalError (HTTP 500)'),
  new ArtifactStoreUnavailableError('S3 GetObject failed: ECONNREFUSED'),
  new ArtifactConflictError('lost a conditional write'),
  new HttpSourceError('HTTP 503', 503),
  new HttpSourceError('HTTP 429', 429),
  new TrainingError('something transient'),
  new TfRuntimeError('runtime hiccup'),
  new CorruptCheckpointError('hash mismatch', 'ckpt/'),
  new Error('plain'),
];

describe('one source of truth for retryability: the class flag', () => {
  it.each(permanent.map((e) => [e.name, e] as const))(
    '%s becomes a non-retryable failure of its class name',
    (_, error) => {
      const failure = toApplicationFailure(error, 'ctx') as ApplicationFailure;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe(error.name);
      expect(failure.type).toMatch(/Error$/);
    },
  );

  it.each(transient.map((e) => [e.name, e] as const))('%s stays retryable', (_, error) => {
    const failure = toApplicationFailure(error, 'ctx') as ApplicationFailure;
    expect(failure.nonRetryable).toBe(false);
    expect(failure.type).toBe(error.name);
  });

  it('an oversized result and a path above its root are classes, not plain errors', () => {
    const huge = { snapshots: { prefix: 'p', steps: [], betaEff: [] }, blob: 'x'.repeat(3_000_000) };
    expect(() => serialiseResult(huge as never)).toThrow(ResultTooLargeError);
    expect(() => joinPath('a', '../../b')).toThrow(PathOutsideRootError);
  });
});
