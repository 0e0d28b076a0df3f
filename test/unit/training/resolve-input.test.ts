import { describe, expect, it } from 'vitest';
import { InvalidTrainingInputError } from '../../../activities/training/errors.js';
import {
  checkSnapshotCount,
  resolveNormalisation,
  resolveTrainingInput,
} from '../../../activities/training/resolve-input.js';
import type { CandidateTrainingInput } from '../../../activities/training/types.js';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { toTrainingInput } from '../../../activities/spec/training-input.js';

const minimal: CandidateTrainingInput = {
  sweepId: 's1',
  candidateId: 'c1',
  model: { uri: 'file:///zoo/m/model.json' },
  dataset: { uri: 's3://bucket/data.safetensors', normalisation: '[0,1]' },
  training: { epochs: 2 },
};

const fieldOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (error) {
    if (error instanceof InvalidTrainingInputError) return error.field;
    throw error;
  }
  return undefined;
};

describe('resolveTrainingInput', () => {
  it('keeps the sweep’s interaction model for the β_eff monitor, and rejects an unknown one', () => {
    for (const interactionModel of ['abs-product', 'signed-product', 'gradient-coupled'] as const)
      expect(
        resolveTrainingInput({ ...minimal, monitor: { interactionModel } }).monitor.interactionModel,
      ).toBe(interactionModel);
    expect(resolveTrainingInput(minimal).monitor).toEqual({
      interactionModel: 'abs-product',
      skipInputProjection: true,
    });
    expect(
      fieldOf(() => resolveTrainingInput({ ...minimal, monitor: { interactionModel: 'nope' as never } })),
    ).toBe('monitor.interactionModel');
  });

  it('fills every documented default', () => {
    const r = resolveTrainingInput(minimal);
    expect(r.mode).toBe('finetune');
    expect(r.probe).toEqual({ widths: [256, 128, 64], trainable: true, recordBatchStats: false });
    expect(r.training).toEqual({
      epochs: 2,
      batchSize: 32,
      learningRate: 0.001,
      optimizer: 'adam',
      momentum: 0.9,
      snapshotEvery: 10,
      seed: 0,
      evaluationsPerEpoch: 1,
    });
    expect(r.dataset).toMatchObject({
      format: 'auto',
      validationFraction: 0.2,
      seed: 0,
      maxSamples: undefined,
      numClasses: undefined,
    });
    expect(r.model.featureLayer).toBeUndefined();
    expect(r.model.featurePooling).toBe('auto');
    expect(r.monitor).toEqual({ skipInputProjection: true, interactionModel: 'abs-product' });
  });

  it('takes its defaults from the sweep spec schema (one source)', () => {
    // The library trains one fixed window; a halving spec sets it to its last rung instead.
    const spec = validateSweepSpec({
      dataset: { uri: 's3://bucket/data.safetensors' },
      candidates: [{ id: 'c1', model: 'file:///zoo/m/model.json' }],
      budget: { strategy: 'fixed' },
    });
    const fromSpec = resolveTrainingInput(toTrainingInput(spec, 's1', 'c1'));
    const bare = resolveTrainingInput({
      sweepId: 's1',
      candidateId: 'c1',
      model: { uri: 'file:///zoo/m/model.json' },
      dataset: { uri: 's3://bucket/data.safetensors' },
    });
    expect(bare).toEqual(fromSpec);
    expect(bare.dataset.normalisation).toEqual(resolveNormalisation('[0,1]'));
    expect(bare.training.epochs).toBe(spec.training.epochs);
  });

  it("carries a candidate featurePooling from the spec to training; unset is 'auto' in a new spec", () => {
    const spec = validateSweepSpec({
      dataset: { uri: 's3://bucket/data.safetensors' },
      candidates: [
        { id: 'pooled', model: 'file:///zoo/m/model.json', featureLayer: 'conv', featurePooling: 'max' },
        { id: 'flat', model: 'file:///zoo/m/model.json' },
      ],
    });
    expect(resolveTrainingInput(toTrainingInput(spec, 's1', 'pooled')).model).toEqual({
      uri: 'file:///zoo/m/model.json',
      featureLayer: 'conv',
      featurePooling: 'max',
    });
    expect(resolveTrainingInput(toTrainingInput(spec, 's1', 'flat')).model.featurePooling).toBe('auto');
    expect(spec.candidates[1]!.featurePooling).toBe('auto');
    expect(() =>
      validateSweepSpec({
        dataset: { uri: 's3://bucket/data.safetensors' },
        candidates: [{ id: 'c', model: 'file:///m.json', featurePooling: 'mean' }],
      }),
    ).toThrow(/candidates\[0\]\.featurePooling|candidates\.0\.featurePooling/);
  });

  it('monitors β_eff with the interaction model it is given', () => {
    const r = resolveTrainingInput({ ...minimal, monitor: { interactionModel: 'gradient-coupled' } });
    expect(r.monitor.interactionModel).toBe('gradient-coupled');
  });

  it('rejects unknown fields, naming them', () => {
    expect(() => resolveTrainingInput({ ...minimal, extra: 1 } as never)).toThrow(
      /unknown field\(s\) 'extra'/,
    );
  });

  it('names the offending field', () => {
    const cases: [
      Partial<CandidateTrainingInput> | ((i: CandidateTrainingInput) => CandidateTrainingInput),
      string,
    ][] = [
      [{ sweepId: 'a/b' }, 'sweepId'],
      [{ candidateId: '..' }, 'candidateId'],
      [{ model: { uri: 'ftp://x' } }, 'model.uri'],
      [{ model: { uri: 'file:///m.json', featureLayer: '' } }, 'model.featureLayer'],
      [{ model: { uri: 'file:///m.json', featurePooling: 'mean' as never } }, 'model.featurePooling'],
      [(i) => ({ ...i, dataset: { ...i.dataset, validationFraction: 1 } }), 'dataset.validationFraction'],
      [(i) => ({ ...i, dataset: { ...i.dataset, maxSamples: 1 } }), 'dataset.maxSamples'],
      [(i) => ({ ...i, dataset: { ...i.dataset, numClasses: 1 } }), 'dataset.numClasses'],
      [(i) => ({ ...i, dataset: { ...i.dataset, format: 'csv' as never } }), 'dataset.format'],
      [(i) => ({ ...i, dataset: { ...i.dataset, normalisation: 'unit' as never } }), 'dataset.normalisation'],
      [
        (i) => ({ ...i, dataset: { ...i.dataset, normalisation: { std: [1, 0, 1] } } }),
        'dataset.normalisation.std[1]',
      ],
      [
        (i) => ({ ...i, dataset: { ...i.dataset, normalisation: { mean: [0, 0], std: [1, 1, 1] } } }),
        'dataset.normalisation.std',
      ],
      [{ mode: 'full' as never }, 'mode'],
      [{ probe: { widths: [64] } }, 'probe.widths'],
      [{ probe: { widths: [64, 0] } }, 'probe.widths[1]'],
      [{ probe: { trainable: 'yes' as never } }, 'probe.trainable'],
      [{ training: { epochs: 0 } }, 'training.epochs'],
      [{ training: { epochs: 1, batchSize: 1.5 } }, 'training.batchSize'],
      [{ training: { epochs: 1, learningRate: 0 } }, 'training.learningRate'],
      [{ training: { epochs: 1, optimizer: 'rmsprop' as never } }, 'training.optimizer'],
      [{ training: { epochs: 1, momentum: 1 } }, 'training.momentum'],
      [{ training: { epochs: 1, snapshotEvery: 0 } }, 'training.snapshotEvery'],
      [{ training: { epochs: 1, evaluationsPerEpoch: 0 } }, 'training.evaluationsPerEpoch'],
      [{ training: { epochs: 1, stopping: { patience: 0 } } }, 'training.stopping.patience'],
      [{ training: { epochs: 1, stopping: { patience: 2.5 } } }, 'training.stopping.patience'],
      [{ training: { epochs: 1, stopping: { minDelta: -0.1 } } }, 'training.stopping.minDelta'],
      [{ training: { epochs: 1, stopping: { patiense: 2 } as never } }, 'training.stopping'],
      [(i) => ({ ...i, dataset: { ...i.dataset, testUri: 'test.safetensors' } }), 'dataset.testUri'],
      [(i) => ({ ...i, dataset: { ...i.dataset, validationUri: 'ftp://v' } }), 'dataset.validationUri'],
    ];
    for (const [change, field] of cases) {
      const bad = typeof change === 'function' ? change(minimal) : { ...minimal, ...change };
      expect(
        fieldOf(() => resolveTrainingInput(bad)),
        field,
      ).toBe(field);
    }
  });

  it('fills the stopping defaults, and the sweep spec refuses stopping without validation samples', () => {
    const r = resolveTrainingInput({ ...minimal, training: { epochs: 20, stopping: {} } });
    expect(r.training.stopping).toEqual({ patience: 3, minDelta: 0 });
    expect(resolveTrainingInput(minimal).training.stopping).toBeUndefined();
    const spec = {
      dataset: { uri: 'file:///d.safetensors', validationFraction: 0 },
      candidates: [{ id: 'a', model: 'file:///m.json' }],
      training: { epochs: 20, stopping: { patience: 2 } },
    };
    expect(() => validateSweepSpec(spec)).toThrow(
      /training\.stopping: early stopping needs validation samples/,
    );
    expect(
      validateSweepSpec({ ...spec, dataset: { ...spec.dataset, validationUri: 'file:///v.safetensors' } })
        .training.stopping,
    ).toEqual({ patience: 2, minDelta: 0 });
  });

  it('rejects probes with fewer than 3 weight layers, saying why', () => {
    expect(() => resolveTrainingInput({ ...minimal, probe: { widths: [32] } })).toThrow(
      /at least 3 weight layers/,
    );
  });
});

describe('resolveNormalisation', () => {
  it('expands presets to the affine map they stand for', () => {
    const apply = (n: ReturnType<typeof resolveNormalisation>, x: number) => x * n.scale + n.offset;
    const unit = resolveNormalisation('[0,1]');
    const symmetric = resolveNormalisation('[-1,1]');
    expect([apply(unit, 0), apply(unit, 255)]).toEqual([0, 1]);
    expect(apply(symmetric, 0)).toBe(-1);
    expect(apply(symmetric, 255)).toBeCloseTo(1, 12);
    expect(resolveNormalisation('none')).toEqual({ scale: 1, offset: 0, mean: [], std: [] });
    expect(resolveNormalisation({ scale: 1 / 255, mean: [0.5], std: [0.25] })).toEqual({
      scale: 1 / 255,
      offset: 0,
      mean: [0.5],
      std: [0.25],
    });
  });
});

describe('checkSnapshotCount', () => {
  it('accepts a reasonable cadence and rejects one that would flood result.json, suggesting a value', () => {
    expect(() => checkSnapshotCount(1000, 500, 10, 2)).not.toThrow();
    expect(() => checkSnapshotCount(100_000, 50_000, 1, 2)).toThrow(/use at least \d+/);
  });
});
