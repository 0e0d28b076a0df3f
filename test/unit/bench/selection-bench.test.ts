/**
 * The selection benchmark's pure parts on synthetic inputs: reading windows out of one longer run, the
 * sub-epoch evidence, the default-rule choice (and that it ignores zoos it is not chosen on), and the
 * verdict's "β_eff adds nothing" statement.
 */
import { describe, expect, it } from 'vitest';
import type { CandidateEvidence } from '../../../activities/selection/index.js';
import { extractFeatures } from '../../../activities/selection/index.js';
import { chooseDefaultRule, type SelectionEntry } from '../../../bench/selection/default-rule.js';
import {
  earlySweepSpec,
  EARLY_SEED,
  isEarlySweepId,
  REPLICATE_EARLY_SEEDS,
} from '../../../bench/selection/early-sweeps.js';
import { windowCut, withEvaluationPoints } from '../../../bench/selection/windows.js';
import { TRUTH_SEEDS } from '../../../bench/truth/ground-truth.js';

// 47 steps per epoch, 4 evaluations per epoch: the training loop's points at steps 12, 24, 35, 47, …
const evaluations = [12, 24, 35, 47, 59, 71, 82, 94].map((step, i) => ({
  step,
  trainSamples: Math.min(step * 64, 3000 * Math.ceil((i + 1) / 4)),
  trainLoss: 2 - 0.2 * i,
  valAccuracy: 0.4 + 0.05 * i,
}));

describe('windowCut', () => {
  it('finds the evaluation at round(w · steps per epoch) for ¼, ½, 1 and 2 epochs', () => {
    expect([0.25, 0.5, 1, 2].map((w) => windowCut(evaluations, 47, w).step)).toEqual([12, 24, 47, 94]);
    expect(windowCut(evaluations, 47, 0.5).trainSamples).toBe(24 * 64);
  });

  it('refuses a window the run cannot provide, saying how to get it', () => {
    expect(() => windowCut(evaluations, 47, 3)).toThrow(
      /no validation evaluation at step 141.*evaluationsPerEpoch/,
    );
    expect(() => windowCut(evaluations, 47, 0.125)).toThrow(RangeError);
    expect(() => windowCut(evaluations, 47, 0)).toThrow(RangeError);
  });
});

describe('withEvaluationPoints', () => {
  const epochOnly: CandidateEvidence = {
    candidateId: 'c',
    stepsPerEpoch: 47,
    trainSamples: 3000,
    beta: [],
    validation: [
      { step: 47, accuracy: 0.55 },
      { step: 94, accuracy: 0.75 },
    ],
    trainLoss: [
      { step: 47, steps: 47, loss: 1.7 },
      { step: 94, steps: 47, loss: 0.9 },
    ],
    probeInputWidth: 64,
    logme: null,
  };

  it('gives a sub-epoch window its own early accuracy and TSE', () => {
    const evidence = withEvaluationPoints(epochOnly, evaluations);
    const quarter = extractFeatures(evidence, { maxStep: 12 });
    expect(quarter.earlyValAccuracy).toBeCloseTo(0.4);
    // TSE counts a chunk by its share of an epoch: 12 steps of mean loss 2.
    expect(quarter.tse).toBeCloseTo((2 * 12) / 47);
    const half = extractFeatures(evidence, { maxStep: 24 });
    expect(half.earlyValAccuracy).toBeCloseTo(0.45);
    expect(half.tse).toBeCloseTo((2 * 12 + 1.8 * 12) / 47);
    // Per-epoch evidence alone has nothing inside the first epoch.
    expect(extractFeatures(epochOnly, { maxStep: 12 }).earlyValAccuracy).toBeNull();
  });

  it('leaves evidence without evaluation points as it is', () => {
    expect(withEvaluationPoints(epochOnly, undefined)).toBe(epochOnly);
  });
});

const entry = (
  column: string,
  window: number,
  zoo: string,
  regret: number,
  kendallTau: number,
  fitted = false,
): SelectionEntry => ({
  column,
  predictor: column.split('/')[1]!,
  setting: column.split('/')[0]!,
  window,
  zoo,
  regret,
  kendallTau,
  fitted,
});

describe('chooseDefaultRule', () => {
  const entries: SelectionEntry[] = [
    // early-accuracy: regret 0 on both zoos from ½ epoch on; τ grows with the window.
    ...[0.25, 0.5, 1, 2].flatMap((w) => [
      entry('trainable/early-accuracy', w, 'demo', w < 0.5 ? 0.02 : 0, 0.5 + w / 10),
      entry('trainable/early-accuracy', w, 'reversed', w < 0.5 ? 0.01 : 0, 0.4 + w / 10),
    ]),
    // β_eff: good τ on one zoo, high regret.
    entry('trainable/beta-eff', 1, 'demo', 0.2, 0.9, true),
    entry('trainable/beta-eff', 1, 'reversed', 0.1, -0.3, true),
    // a ridge: regret 0 and the best τ, but it needs observed runs.
    entry('trainable/hybrid', 2, 'demo', 0, 0.95, true),
    entry('trainable/hybrid', 2, 'reversed', 0, 0.9, true),
    // random would win on regret by luck: never a rule.
    entry('trainable/random', 0.25, 'demo', 0, 1, false),
    entry('trainable/random', 0.25, 'reversed', 0, 1, false),
    // scored on one zoo only: not eligible.
    entry('trainable/logme', 0.25, 'demo', 0, 1, false),
    // a held-out zoo where early-accuracy is terrible: must not change the choice.
    entry('trainable/early-accuracy', 0.5, 'real', 0.5, -1),
    entry('trainable/tse', 0.5, 'real', 0, 1),
  ];

  it('takes the lowest mean regret, then τ, and the fallback among rules without labelled runs', () => {
    const choice = chooseDefaultRule(entries, ['demo', 'reversed']);
    expect(choice.rule.column).toBe('trainable/hybrid');
    expect(choice.fallback.column).toBe('trainable/early-accuracy');
    expect(choice.ranking.some((r) => r.predictor === 'random' || r.predictor === 'logme')).toBe(false);
  });

  it('picks the smallest window that reaches the winning regret', () => {
    const choice = chooseDefaultRule(entries, ['demo', 'reversed']);
    // τ is highest at 2 epochs, but ½ epoch already reaches regret 0.
    expect(choice.fallback.window).toBe(0.5);
    expect(choice.fallback.meanRegret).toBe(0);
  });

  it('reads only the selection zoos', () => {
    const withoutHeldOut = entries.filter((e) => e.zoo !== 'real');
    expect(chooseDefaultRule(entries, ['demo', 'reversed'])).toEqual(
      chooseDefaultRule(withoutHeldOut, ['demo', 'reversed']),
    );
  });

  it('fails when nothing was scored on every selection zoo', () => {
    expect(() => chooseDefaultRule(entries, ['demo', 'elsewhere'])).toThrow(/no rule was scored/);
  });
});

describe('earlySweepSpec', () => {
  const task = {
    name: 'toy-zoo',
    trainUri: 'file:///tmp/train.safetensors',
    validationUri: 'file:///tmp/validation.safetensors',
    trainSamples: 3000,
    normalisation: '[0,1]' as const,
    mode: 'finetune' as const,
    batchSize: 64,
    learningRate: 1e-3,
    probeWidths: [256, 128, 64],
    candidates: [{ id: 'a', model: 'file:///tmp/a/model.json' }],
  };

  it('trains with a seed apart from the ground truth and the two probe settings', () => {
    expect(TRUTH_SEEDS).not.toContain(EARLY_SEED);
    const trainable = earlySweepSpec(task, 'trainable');
    const frozen = earlySweepSpec(task, 'frozen-probe');
    expect(trainable.training.seed).toBe(EARLY_SEED);
    expect(trainable.training.evaluationsPerEpoch).toBe(4);
    expect(trainable.probe.trainable).toBe(true);
    expect(frozen.probe).toMatchObject({ trainable: false, recordBatchStats: true });
    expect(frozen.selection.interactionModel).toBe('gradient-coupled');
    expect(trainable.id).not.toBe(frozen.id);
    // The id follows the content, not how many run at once (so a re-run reuses finished candidates).
    expect(earlySweepSpec(task, 'trainable', 4).id).toBe(trainable.id);
  });

  it('a replicate seed trains under its own id, which the default seed’s lookup never takes', () => {
    for (const seed of REPLICATE_EARLY_SEEDS) expect(TRUTH_SEEDS).not.toContain(seed);
    const primary = earlySweepSpec(task, 'trainable');
    const replicate = earlySweepSpec(task, 'trainable', 1, 2002);
    expect(replicate.training.seed).toBe(2002);
    expect(replicate.id).toMatch(/^early-toy-zoo-trainable-s2002-[0-9a-f]{10}$/);
    expect(primary.id).toMatch(/^early-toy-zoo-trainable-[0-9a-f]{10}$/);
    expect(isEarlySweepId(primary.id!, 'toy-zoo', 'trainable')).toBe(true);
    expect(isEarlySweepId(replicate.id!, 'toy-zoo', 'trainable')).toBe(false);
    expect(isEarlySweepId(replicate.id!, 'toy-zoo', 'trainable', 2002)).toBe(true);
    expect(isEarlySweepId(replicate.id!, 'toy-zoo', 'trainable', 2003)).toBe(false);
    expect(isEarlySweepId(primary.id!, 'toy-zoo', 'frozen-probe')).toBe(false);
  });
});
