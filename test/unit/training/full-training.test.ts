/**
 * Full training (`training.stopping`) and sub-epoch evaluation (`training.evaluationsPerEpoch`) through the
 * real training path: a tiny CNN on a learnable synthetic task, real TF.js, a file store.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepKeys } from '../../../activities/store/keys.js';
import { InvalidTrainingInputError, TrainingCancelledError } from '../../../activities/training/errors.js';
import { evaluationSteps } from '../../../activities/training/train-loop.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import type { CandidateResult, CandidateTrainingInput } from '../../../activities/training/types.js';
import {
  saveModel,
  syntheticImages,
  tempDir,
  tempStore,
  tf,
  tinyConvModel,
  useCpuBackend,
  writeSafetensorsDataset,
} from './helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
let modelUri: string;
let trainUri: string;
let validationUri: string;
let testUri: string;

beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('full-training');
  const model = tinyConvModel({ hidden: 12, seed: 3 });
  modelUri = await saveModel(model, join(dir.path, 'zoo', 'tiny'));
  model.dispose();
  trainUri = await writeSafetensorsDataset(
    join(dir.path, 'data'),
    syntheticImages(96, 3, 8, 8, 1, 7),
    'train.safetensors',
  );
  validationUri = await writeSafetensorsDataset(
    join(dir.path, 'data'),
    syntheticImages(48, 3, 8, 8, 1, 8),
    'val.safetensors',
  );
  testUri = await writeSafetensorsDataset(
    join(dir.path, 'data'),
    syntheticImages(60, 3, 8, 8, 1, 9),
    'test.safetensors',
  );
});
afterAll(async () => {
  await dir.cleanup();
});

const MAX_EPOCHS = 30;
const keys = sweepKeys('full-1').candidate('tiny');

function input(
  training: Partial<CandidateTrainingInput['training']> = {},
  dataset: Partial<CandidateTrainingInput['dataset']> = {},
  mode: CandidateTrainingInput['mode'] = 'finetune',
): CandidateTrainingInput {
  return {
    sweepId: 'full-1',
    candidateId: 'tiny',
    model: { uri: modelUri },
    dataset: { uri: trainUri, normalisation: '[0,1]', validationUri, testUri, seed: 1, ...dataset },
    mode,
    probe: { widths: [8, 6] },
    training: {
      epochs: MAX_EPOCHS,
      batchSize: 16,
      learningRate: 0.01,
      snapshotEvery: 100,
      seed: 5,
      stopping: { patience: 2 },
      ...training,
    },
  };
}

/** The result without wall-clock fields. */
const timeless = (r: CandidateResult) => ({
  ...r,
  timing: undefined,
  resumedFromEpoch: undefined,
  resumedFromStep: undefined,
  epochs: r.epochs.map(({ seconds: _s, ...e }) => e),
});

describe('full training to a validation plateau', () => {
  it('stops `patience` epochs after the best one, keeps the best and the last checkpoint, and scores the test set on the best weights', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const result = await runCandidateTraining(input(), { tf, store });
      const ft = result.fullTraining!;
      expect(ft).toBeDefined();
      expect(ft.stoppedBy).toBe('plateau');
      expect(ft.epochsRun).toBeLessThan(MAX_EPOCHS);
      expect(ft.epochsRun).toBe(ft.bestEpoch + 2);
      expect(result.epochs).toHaveLength(ft.epochsRun);
      const accuracies = result.epochs.map((e) => e.valAccuracy ?? -1);
      // The best epoch is the first to reach the highest validation accuracy.
      expect(ft.bestEpoch).toBe(accuracies.indexOf(Math.max(...accuracies)) + 1);
      expect(ft.best.valAccuracy).toBe(Math.max(...accuracies));
      expect(accuracies.slice(ft.bestEpoch).every((a) => a <= ft.best.valAccuracy!)).toBe(true);

      expect(result.dataset).toMatchObject({ trainSamples: 96, valSamples: 48, testSamples: 60 });
      expect(result.test).toMatchObject({ samples: 60, epoch: ft.bestEpoch });
      expect(result.test!.accuracy).toBeGreaterThan(0.6);
      // What observed runs learn from: the test accuracy of the best epoch.
      expect(ft.finalAccuracy).toBe(result.test!.accuracy);
      expect(result.compute).toEqual({
        trainSamples: 96 * ft.epochsRun,
        evalSamples: 48 * result.evaluations!.length + 60,
      });

      const kept = [...new Set([keys.checkpoint(ft.bestEpoch), keys.checkpoint(ft.epochsRun)])].sort();
      expect(result.checkpointKeys).toEqual(kept);
      const stored: string[] = [];
      for await (const info of store.list(keys.checkpointsPrefix))
        if (info.key.endsWith('state.json')) stored.push(info.key.slice(0, -'state.json'.length));
      expect(stored.sort()).toEqual(kept);
    } finally {
      await cleanup();
    }
  });

  it('scores the test set on the best epoch’s weights: with test = validation, test loss is the best epoch’s validation loss', async () => {
    const { store, cleanup } = await tempStore();
    try {
      // A learning rate that overshoots after the best epoch makes later epochs' losses differ from it.
      const result = await runCandidateTraining(
        input({ learningRate: 0.05, stopping: { patience: 3 } }, { testUri: validationUri }),
        {
          tf,
          store,
        },
      );
      const ft = result.fullTraining!;
      const best = result.epochs[ft.bestEpoch - 1]!;
      expect(result.test!.epoch).toBe(ft.bestEpoch);
      expect(result.test!.accuracy).toBe(best.valAccuracy);
      expect(result.test!.loss).toBeCloseTo(best.valLoss!, 5);
      expect(ft.bestEpoch).toBeLessThan(ft.epochsRun);
      const last = result.epochs.at(-1)!;
      expect(Math.abs(last.valLoss! - best.valLoss!)).toBeGreaterThan(1e-4);
    } finally {
      await cleanup();
    }
  });

  it('resumed mid-way gives the same result as an uninterrupted run', async () => {
    const a = await tempStore();
    const b = await tempStore();
    try {
      const spec = input({ evaluationsPerEpoch: 2 });
      const uninterrupted = await runCandidateTraining(spec, { tf, store: a.store });
      expect(uninterrupted.fullTraining!.epochsRun).toBeGreaterThanOrEqual(3);

      const controller = new AbortController();
      const error = await runCandidateTraining(spec, {
        tf,
        store: b.store,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.checkpointKey && p.epoch === 2) controller.abort(new Error('test interrupt'));
        },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrainingCancelledError);
      const resumed = await runCandidateTraining(spec, { tf, store: b.store });
      expect(resumed.resumedFromEpoch).toBe(2);
      expect(timeless(resumed)).toEqual(timeless(uninterrupted));

      // Once stopped, a rerun trains nothing more and reports the same.
      const again = await runCandidateTraining(spec, { tf, store: b.store });
      expect(timeless(again)).toEqual(timeless(uninterrupted));
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  it('works in frozen mode (cached features for the train, validation and test sets)', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const result = await runCandidateTraining(input({ learningRate: 0.02 }, {}, 'frozen'), { tf, store });
      expect(result.mode).toBe('frozen');
      expect(result.fullTraining?.stoppedBy).toBe('plateau');
      expect(result.test?.epoch).toBe(result.fullTraining?.bestEpoch);
      expect(result.parameters.backboneTrainable).toBe(0);
      let cached = 0;
      for await (const info of store.list('features/')) if (info.key.endsWith('.safetensors')) cached++;
      expect(cached).toBe(3);
    } finally {
      await cleanup();
    }
  });

  it('refuses stopping without validation samples, naming the field', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const bad = input({}, { validationUri: undefined, validationFraction: 0 });
      delete bad.dataset.validationUri;
      const error = await runCandidateTraining(bad, { tf, store }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTrainingInputError);
      expect((error as InvalidTrainingInputError).message).toMatch(/training\.stopping.*validation/);
    } finally {
      await cleanup();
    }
  });
});

describe('sub-epoch evaluation (training.evaluationsPerEpoch)', () => {
  it('places the points evenly, the last at the epoch end', () => {
    expect(evaluationSteps(1, 94, 4)).toEqual([24, 47, 71, 94]);
    expect(evaluationSteps(2, 94, 4)).toEqual([118, 141, 165, 188]);
    expect(evaluationSteps(3, 10, 1)).toEqual([30]);
    expect(evaluationSteps(1, 2, 4)).toEqual([1, 2]);
  });

  it('records ¼-epoch evaluations with a snapshot at each, agreeing with the epoch summaries at epoch ends', async () => {
    const { store, cleanup } = await tempStore();
    try {
      // 72 train samples (96, a quarter held out) / 12 = 6 steps per epoch: points at steps 2, 3, 5, 6 of each.
      const spec = input(
        { epochs: 2, evaluationsPerEpoch: 4, snapshotEvery: 1000, batchSize: 12 },
        { validationFraction: 0.25 },
      );
      delete spec.training!.stopping;
      delete spec.dataset.validationUri;
      delete spec.dataset.testUri;
      const result = await runCandidateTraining(spec, { tf, store });
      const steps = [2, 3, 5, 6, 8, 9, 11, 12];
      const points = result.evaluations!;
      expect(points.map((p) => p.step)).toEqual(steps);
      expect(points.map((p) => p.epoch)).toEqual(steps.map((s) => s / 6));
      for (const step of steps) expect(result.snapshots.steps).toContain(step);
      expect(result.training.evaluationsPerEpoch).toBe(4);
      for (const e of result.epochs) {
        const atEnd = points.find((p) => p.step === e.step)!;
        expect(atEnd.valAccuracy).toBe(e.valAccuracy);
        expect(atEnd.valLoss).toBe(e.valLoss);
      }
      // Running totals: every batch holds 12 samples; the loss sum is the sum of the per-point means × steps.
      expect(points.map((p) => p.trainSamples)).toEqual(steps.map((s) => 12 * s));
      const sums = points.map((p, i) => p.trainLoss * (p.step - (points[i - 1]?.step ?? 0)));
      expect(points.at(-1)!.trainLossSum).toBeCloseTo(
        sums.reduce((a, b) => a + b, 0),
        4,
      );
      expect(result.fullTraining).toBeUndefined();
      expect(result.test).toBeUndefined();
    } finally {
      await cleanup();
    }
  });
});
