import { describe, expect, it } from 'vitest';
import { MAX_RESULT_BYTES, roundSignificant, serialiseResult } from '../../../activities/training/result.js';
import type { CandidateResult } from '../../../activities/training/types.js';

const result = (snapshots: number): CandidateResult => ({
  version: 2,
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
  dataset: { numClasses: 3, trainSamples: 90, valSamples: 30, testSamples: 0 },
  parameters: { backbone: 100, backboneTrainable: 100, probe: 200 },
  probe: {
    widths: [8, 6],
    trainable: true,
    kernelShapes: [
      [12, 8],
      [8, 6],
      [6, 3],
    ],
  },
  training: {
    epochs: 2,
    stepsPerEpoch: 6,
    totalSteps: 12,
    batchSize: 16,
    optimizer: 'adam',
    learningRate: 0.01,
    snapshotEvery: 4,
    seed: 1,
    evaluationsPerEpoch: 1,
  },
  snapshots: {
    prefix: 'sweeps/s/candidates/c/snapshots/',
    steps: Array.from({ length: snapshots }, (_, i) => i * 1000),
    betaEff: Array.from({ length: snapshots }, (_, i) => (i === 1 ? null : Math.PI * 1e6 + i / 7)),
  },
  epochs: [],
  checkpointKeys: [],
  resumedFromEpoch: 0,
  timing: {
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    featureSeconds: 0,
    trainSeconds: 60,
  },
});

describe('result.json', () => {
  it('rounds β_eff to float32 precision and keeps nulls', () => {
    const parsed = JSON.parse(serialiseResult(result(3))) as CandidateResult;
    expect(parsed.snapshots.betaEff).toEqual([3141593, null, 3141593]);
    expect(roundSignificant(Number.NaN)).toBeNull();
  });

  it('stays under 64 KB for the largest allowed snapshot count', () => {
    const text = serialiseResult(result(2000));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect((JSON.parse(text) as CandidateResult).snapshots.betaEff).toHaveLength(2000);
  });

  it('drops the β_eff list rather than exceed the limit, and refuses when even that is not enough', () => {
    const big = serialiseResult(result(4500));
    expect((JSON.parse(big) as CandidateResult).snapshots.betaEff).toEqual([]);
    expect(() => serialiseResult(result(20_000))).toThrow(/over 65536/);
  });
});
