/** The spec's `budget` block and fractional `training.epochs`: defaults, and errors naming the field and the fix. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUDGET_STRATEGY,
  DEFAULT_HALVING_RUNGS,
  DEFAULT_HALVING_STOP,
  DEFAULT_KEEP_TIES,
  defaultBudgetStrategy,
  InvalidSpecError,
  validateRecordedSpec,
  validateSweepSpec,
} from '../../../activities/spec/sweep-spec.js';
import { resolveTrainingInput } from '../../../activities/training/resolve-input.js';
import { halvingConfigOf } from '../../../workflows/halving.js';

const BASE = {
  dataset: { uri: 'file:///data/d.safetensors' },
  candidates: [
    { id: 'a', model: 'file:///zoo/a/model.json' },
    { id: 'b', model: 'file:///zoo/b/model.json' },
  ],
};

function issues(extra: Record<string, unknown>): string[] {
  try {
    validateSweepSpec({ ...BASE, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSpecError);
    return (error as InvalidSpecError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

describe('budget', () => {
  it('defaults to halving over the default rungs, training.epochs being the last rung', () => {
    expect(DEFAULT_BUDGET_STRATEGY).toBe('halving');
    const spec = validateSweepSpec(BASE);
    expect(spec.budget).toMatchObject({ strategy: 'halving', rungs: DEFAULT_HALVING_RUNGS });
    expect(spec.training.epochs).toBe(DEFAULT_HALVING_RUNGS.at(-1));
    // A validated spec validates to itself (spec.json and workflow inputs are validated again).
    expect(validateSweepSpec(spec)).toEqual(spec);
    expect(validateRecordedSpec(spec)).toEqual(spec);
  });

  it('keeps a fixed window for a spec that asks for one: training.epochs or training.stopping', () => {
    expect(validateSweepSpec({ ...BASE, training: { epochs: 0.5 } }).budget).toEqual({ strategy: 'fixed' });
    expect(validateSweepSpec({ ...BASE, training: { stopping: {} } }).budget).toEqual({ strategy: 'fixed' });
    expect(validateSweepSpec({ ...BASE, budget: { strategy: 'fixed' } })).toMatchObject({
      budget: { strategy: 'fixed' },
      training: { epochs: 3 },
    });
    expect(defaultBudgetStrategy({ training: { epochs: 2 } })).toBe('fixed');
    expect(defaultBudgetStrategy({})).toBe(DEFAULT_BUDGET_STRATEGY);
  });

  it('refuses a written training.epochs that is not the last rung, naming the field and both fixes', () => {
    expect(issues({ budget: { strategy: 'halving', rungs: [0.5, 1] }, training: { epochs: 3 } })).toEqual([
      'training.epochs: is 3, but halving trains to its rungs (the last is 1): remove training.epochs, or set budget.strategy: fixed for a fixed window',
    ]);
    const spec = validateSweepSpec({
      ...BASE,
      budget: { strategy: 'halving', rungs: [0.5, 1] },
      training: { epochs: 1 },
    });
    expect(spec.training.epochs).toBe(1);
  });

  it('reads a halving spec recorded with the old training.epochs default as trained to its last rung', () => {
    const recorded = { ...validateSweepSpec({ ...BASE, budget: { strategy: 'halving', rungs: [0.25, 4] } }) };
    const old = { ...recorded, training: { ...recorded.training, epochs: 3 } };
    expect(() => validateSweepSpec(old)).toThrow(InvalidSpecError);
    expect(validateRecordedSpec(old)).toEqual(recorded);
  });

  it('refuses early-accuracy without validation samples, with the fixes', () => {
    expect(issues({ dataset: { uri: 'file:///d.safetensors', validationFraction: 0 } })).toEqual([
      expect.stringMatching(
        /^selection.rule: early-accuracy .*validationFraction > 0 or dataset.validationUri.*tse/,
      ),
    ]);
    const withFile = {
      uri: 'file:///d.safetensors',
      validationFraction: 0,
      validationUri: 'file:///v.safetensors',
    };
    expect(issues({ dataset: withFile })).toEqual([]);
    expect(
      issues({
        dataset: { uri: 'file:///d.safetensors', validationFraction: 0 },
        selection: { rule: 'tse' },
      }),
    ).toEqual([]);
  });

  it('fills the halving defaults, which are the state machine’s', () => {
    const spec = validateSweepSpec({ ...BASE, budget: { strategy: 'halving' } });
    expect(spec.budget).toEqual({
      strategy: 'halving',
      rungs: [...DEFAULT_HALVING_RUNGS],
      keepFraction: 1 / 3,
      keepTies: DEFAULT_KEEP_TIES,
      stop: DEFAULT_HALVING_STOP,
    });
    expect(spec.budget.strategy === 'halving' && spec.budget.stop.maxCandidateEpochs).toBeUndefined();
  });

  it('passes keepTies to the bracket, and names the field of a bad one', () => {
    const spec = validateSweepSpec({ ...BASE, budget: { strategy: 'halving', keepTies: true } });
    expect(spec.budget).toMatchObject({ keepTies: true });
    if (spec.budget.strategy !== 'halving') throw new Error('not halving');
    expect(halvingConfigOf(spec.budget).keepTies).toBe(true);
    expect(halvingConfigOf({ ...spec.budget, keepTies: false })).not.toHaveProperty('keepTies');
    expect(issues({ budget: { strategy: 'halving', keepTies: 'yes' } })).toEqual([
      'budget.keepTies: budget.keepTies must be true or false',
    ]);
  });

  it('accepts explicit rungs, keep fraction and stop rule', () => {
    const spec = validateSweepSpec({
      ...BASE,
      budget: {
        strategy: 'halving',
        rungs: [0.5, 1.5, 3],
        keepFraction: 0.5,
        stop: { z: 1, minGap: 0.01, maxCandidateEpochs: 20 },
      },
    });
    expect(spec.budget).toMatchObject({
      rungs: [0.5, 1.5, 3],
      keepFraction: 0.5,
      stop: { z: 1, minGap: 0.01, maxCandidateEpochs: 20 },
    });
  });

  it('names the field and the fix of every bad halving setting', () => {
    expect(issues({ budget: { strategy: 'fast' } })).toEqual([
      expect.stringMatching(/^budget.strategy: .*fixed, halving/),
    ]);
    expect(issues({ budget: { strategy: 'halving', rungs: [1, 0.5] } })).toEqual([
      'budget.rungs[1]: 0.5 is not above the rung before (1): rungs must strictly increase',
    ]);
    expect(issues({ budget: { strategy: 'halving', rungs: [] } })).toEqual([
      expect.stringMatching(/^budget.rungs: needs|^budget.rungs: budget.rungs needs at least one rung/),
    ]);
    expect(issues({ budget: { strategy: 'halving', rungs: [0, 1] } })[0]).toMatch(
      /^budget.rungs\[0\]: .*> 0/,
    );
    expect(issues({ budget: { strategy: 'halving', rungs: [0.3] } })[0]).toMatch(
      /^budget.rungs\[0\]: .*multiple of 1\/64/,
    );
    expect(issues({ budget: { strategy: 'halving', keepFraction: 1 } })[0]).toMatch(
      /^budget.keepFraction: .*strategy: fixed/,
    );
    expect(issues({ budget: { strategy: 'halving', keepFraction: 0 } })[0]).toMatch(
      /^budget.keepFraction: .*> 0/,
    );
    expect(issues({ budget: { strategy: 'halving', stop: { z: -1 } } })[0]).toMatch(/^budget.stop.z: .*≥ 0/);
    expect(issues({ budget: { strategy: 'halving', stop: { maxCandidateEpochs: 0.25 } } })).toEqual([
      'budget.stop.maxCandidateEpochs: the first rung alone spends 0.5 candidate-epochs (2 × 0.25): raise it or lower budget.rungs[0]',
    ]);
    expect(issues({ budget: { strategy: 'halving', stop: { patience: 3 } } })[0]).toMatch(
      /^budget.stop: .*patience/,
    );
    expect(issues({ budget: { strategy: 'fixed', rungs: [1] } })[0]).toMatch(/^budget: .*rungs/);
    expect(issues({ budget: { strategy: 'halving' }, training: { stopping: {} } })).toEqual([
      'budget.strategy: halving stops candidates at its rungs; training.stopping trains to a plateau: remove one of them',
    ]);
  });
});

describe('fractional training.epochs', () => {
  it('accepts multiples of 1/64 epoch for the fixed strategy', () => {
    expect(validateSweepSpec({ ...BASE, training: { epochs: 0.5 } }).training.epochs).toBe(0.5);
    expect(validateSweepSpec({ ...BASE, training: { epochs: 1.25 } }).training.epochs).toBe(1.25);
    expect(issues({ training: { epochs: 0.3 } })).toEqual([
      expect.stringMatching(/^training.epochs: .*multiple of 1\/64 epoch/),
    ]);
    expect(issues({ training: { epochs: 0 } })).toEqual([expect.stringMatching(/^training.epochs: .*> 0/)]);
  });

  it('with training.stopping, epochs stay whole (the library refuses the rest too)', () => {
    expect(issues({ training: { epochs: 1.5, stopping: {} } })).toEqual([
      'training.epochs: 1.5 is not a whole number of epochs; training.stopping counts whole epochs: use e.g. 2',
    ]);
    expect(() =>
      resolveTrainingInput({
        sweepId: 's',
        candidateId: 'c',
        model: { uri: 'file:///m.json' },
        dataset: { uri: 'file:///d.safetensors' },
        training: { epochs: 1.5, stopping: {} },
      }),
    ).toThrow(/training.epochs: 1.5 is not a whole number of epochs; .*use e.g. 2/);
  });
});
