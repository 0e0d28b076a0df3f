/**
 * The result record reader: a version-1 `result.json` written before test sets and evaluations inside
 * epochs existed comes back in the current shape (no test samples, one evaluation per epoch); a current
 * record reads back as written.
 */
import { describe, expect, it } from 'vitest';
import { parseResultRecord } from '../../../activities/training/result-record.js';
import { RESULT_RECORD_VERSION, type CandidateResult } from '../../../activities/training/types.js';

/** A result of the current shape, as JSON would carry it. */
const current: CandidateResult = {
  version: RESULT_RECORD_VERSION,
  sweepId: 's',
  candidateId: 'c',
  mode: 'finetune',
  backend: 'cpu',
  model: {
    uri: 'file:///m.json',
    format: 'layers-model',
    featureLayer: 'f',
    weightsHash: 'a'.repeat(64),
    inputShape: [8, 8, 1],
    featureDim: 12,
  },
  dataset: { numClasses: 3, trainSamples: 90, valSamples: 30, testSamples: 20 },
  parameters: { backbone: 100, backboneTrainable: 100, probe: 200 },
  probe: {
    widths: [8],
    trainable: true,
    kernelShapes: [
      [12, 8],
      [8, 3],
    ],
  },
  training: {
    epochs: 1,
    stepsPerEpoch: 6,
    totalSteps: 6,
    batchSize: 16,
    optimizer: 'adam',
    learningRate: 0.01,
    snapshotEvery: 3,
    seed: 1,
    evaluationsPerEpoch: 2,
  },
  snapshots: { prefix: 'sweeps/s/candidates/c/snapshots/', steps: [3, 6], betaEff: [1.5, 1.25] },
  epochs: [],
  checkpointKeys: [],
  resumedFromEpoch: 0,
  timing: {
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:02.000Z',
    featureSeconds: 0,
    trainSeconds: 1,
  },
};

describe('result record reader', () => {
  it('reads a version-1 result without testSamples and evaluationsPerEpoch: no test set, once per epoch', () => {
    const { testSamples: _t, ...oldDataset } = current.dataset;
    const { evaluationsPerEpoch: _e, ...oldTraining } = current.training;
    const old = JSON.parse(
      JSON.stringify({ ...current, version: 1, dataset: oldDataset, training: oldTraining }),
    );
    const read = parseResultRecord(old);
    expect(read.version).toBe(2);
    expect(read.dataset).toEqual({ ...oldDataset, testSamples: 0 });
    expect(read.training).toEqual({ ...oldTraining, evaluationsPerEpoch: 1 });
    expect({ ...read, dataset: oldDataset, training: oldTraining, version: 1 }).toEqual(old);
  });

  it('reads a current result back as written', () => {
    expect(parseResultRecord(JSON.parse(JSON.stringify(current)))).toEqual(current);
  });
});
