/**
 * The time-to-decision benchmark's pure parts: ASHA against hand-worked cases of Ray Tune's rung and
 * promotion semantics (its `_Bracket` docstring example included), the asynchronous replay on K workers,
 * each strategy's compute accounting on synthetic curves, the scoring (ties kept, the strategy's own
 * pick), the verdict rules and the marked RESULTS.md section.
 */
import { describe, expect, it } from 'vitest';
import type { CandidateEvidence } from '../../../activities/selection/index.js';
import {
  AshaBracket,
  AshaScheduler,
  nanPercentile,
  simulateAsha,
  type AshaTrial,
} from '../../../bench/ttd/asha.js';
import type { RecordedCurve, ZooCurves } from '../../../bench/ttd/curves.js';
import { rankingScores, scoreStrategy } from '../../../bench/ttd/evaluate.js';
import { defaultHalvingBudget, ncapHalving, recordedRungScorer } from '../../../bench/ttd/ncap-halving.js';
import { earlySweepSpec } from '../../../bench/selection/early-sweeps.js';
import { compareWithProduct, halvingSweepSpec } from '../../../bench/ttd/product-check.js';
import { replaceTtdSection, TTD_BEGIN, TTD_END } from '../../../bench/ttd/results-md.js';
import {
  asha,
  fixedWindow,
  fullFineTuning,
  naiveHalving,
  type AshaVariant,
} from '../../../bench/ttd/strategies.js';
import {
  acrossSeeds,
  acrossZoos,
  supportedDefault,
  versusAsha,
  withinGoal,
} from '../../../bench/ttd/verdict.js';
import { halvingConfigOf } from '../../../workflows/halving.js';

describe('nanPercentile', () => {
  it("is numpy's linear percentile, NaNs left out", () => {
    // numpy.percentile([1, 2, 3, 4], 75) = 3.25; ([2, 4], 50) = 3; ([5], 75) = 5.
    expect(nanPercentile([4, 1, 3, 2], 75)).toBeCloseTo(3.25, 12);
    expect(nanPercentile([2, 4], 50)).toBe(3);
    expect(nanPercentile([5], 75)).toBe(5);
    expect(nanPercentile([1, NaN, 3], 50)).toBe(2);
    // (1 − 1/3) · 100 of [0.1, 0.2, 0.4]: position 2 · 2/3 = 4/3 → 0.2 + (0.4 − 0.2) / 3.
    expect(nanPercentile([0.1, 0.2, 0.4], (1 - 1 / 3) * 100)).toBeCloseTo(0.2 + 0.2 / 3, 12);
  });
});

describe('AshaBracket (Ray Tune _Bracket, s = 0)', () => {
  const milestones = (settings: ConstructorParameters<typeof AshaBracket>[0]) =>
    new AshaBracket(settings).rungs.map((r) => r.milestone);

  it('has milestones grace · rf^k for k < ⌊log(max_t / grace) / log(rf) + 1⌋, highest first', () => {
    expect(milestones({ gracePeriod: 1, reductionFactor: 2, maxT: 10 })).toEqual([8, 4, 2, 1]);
    expect(milestones({ gracePeriod: 1, reductionFactor: 4, maxT: 2 })).toEqual([1]);
    expect(milestones({ gracePeriod: 1, reductionFactor: 4, maxT: 8 })).toEqual([4, 1]);
    expect(milestones({ gracePeriod: 1, reductionFactor: 3, maxT: 8 })).toEqual([3, 1]);
    expect(milestones({ gracePeriod: 1, reductionFactor: 4, maxT: 100 })).toEqual([64, 16, 4, 1]);
  });

  it("follows the docstring example of Ray's _Bracket(1, 10, 2, 0)", () => {
    const b = new AshaBracket({ gracePeriod: 1, reductionFactor: 2, maxT: 10 });
    expect(b.onResult('trial1', 1, 2)).toBe('CONTINUE');
    expect(b.onResult('trial2', 1, 4)).toBe('CONTINUE');
    expect(b.cutoff(b.rungs.at(-1)!.recorded)).toBe(3);
    expect(b.onResult('trial3', 1, 1)).toBe('STOP');
    expect(b.cutoff(b.rungs[3]!.recorded)).toBe(2);
  });

  it('compares with the values recorded before this one, strictly below stops, equal continues', () => {
    const b = new AshaBracket({ gracePeriod: 1, reductionFactor: 2, maxT: 4 });
    // The first trial at a rung has no cutoff: it continues however bad it is.
    expect(b.onResult('a', 1, 0.1)).toBe('CONTINUE');
    expect(b.onResult('b', 1, 0.1)).toBe('CONTINUE');
    expect(b.onResult('c', 1, 0.3)).toBe('CONTINUE');
    // Recorded {0.1, 0.1, 0.3}: median 0.1; 0.05 is below it.
    expect(b.onResult('d', 1, 0.05)).toBe('STOP');
    expect([...b.rungs.at(-1)!.recorded.keys()]).toEqual(['a', 'b', 'c', 'd']);
  });

  it('evaluates only the highest milestone reached that the trial has no value at, once', () => {
    const b = new AshaBracket({ gracePeriod: 1, reductionFactor: 2, maxT: 8 });
    b.onResult('a', 2, 0.9);
    // A result at time 2 is recorded at milestone 2 only, not at 1.
    expect(b.rungs.find((r) => r.milestone === 2)!.recorded.get('a')).toBe(0.9);
    expect(b.rungs.find((r) => r.milestone === 1)!.recorded.has('a')).toBe(false);
    expect(b.onResult('b', 2, 0.5)).toBe('STOP');
    // Ray's loop goes on past milestones the trial has a value at: a later result is judged at the
    // next lower milestone it has none at (here 1, empty, so it continues and is recorded there).
    expect(b.onResult('b', 3, 0.1)).toBe('CONTINUE');
    expect(b.rungs.find((r) => r.milestone === 1)!.recorded.get('b')).toBe(0.1);
    expect(b.rungs.find((r) => r.milestone === 2)!.recorded.get('b')).toBe(0.5);
  });

  it('stops every trial at max_t (stop_last_trials) and records it on completion', () => {
    const s = new AshaScheduler({ gracePeriod: 1, reductionFactor: 2, maxT: 4 });
    expect(s.onTrialResult('a', 4, 0.99)).toBe('STOP');
    s.onTrialComplete('a', 4, 0.99);
    expect(s.bracket.rungs[0]!.milestone).toBe(4);
    expect(s.bracket.rungs[0]!.recorded.get('a')).toBe(0.99);
  });

  it('refuses settings Ray refuses', () => {
    expect(() => new AshaBracket({ gracePeriod: 0, reductionFactor: 2, maxT: 4 })).toThrow(/grace_period/);
    expect(() => new AshaBracket({ gracePeriod: 5, reductionFactor: 2, maxT: 4 })).toThrow(/grace_period/);
    expect(() => new AshaBracket({ gracePeriod: 1, reductionFactor: 1, maxT: 4 })).toThrow(
      /reduction_factor/,
    );
  });
});

const trial = (id: string, rewards: number[], seconds = 1): AshaTrial => ({
  id,
  reports: rewards.map((reward) => ({ reward, seconds })),
});

describe('simulateAsha', () => {
  const settings = { gracePeriod: 1, reductionFactor: 2, maxT: 4 };

  it('on one worker: trials in order, each judged against those before it (hand-worked bracket)', () => {
    const run = simulateAsha(
      [trial('a', [0.5, 0.6, 0.7, 0.8]), trial('b', [0.4, 0.9, 0.9, 0.9]), trial('c', [0.6, 0.55, 0.9, 0.9])],
      settings,
      1,
    );
    // a: first everywhere, runs to max_t. b: 0.4 < median{0.5} at 1. c: 0.6 ≥ median{0.5, 0.4} = 0.45
    // at 1, then 0.55 < median{0.6} at 2.
    expect(run.trials.map((t) => [t.id, t.iterations, t.stoppedBy])).toEqual([
      ['a', 4, 'max_t'],
      ['b', 1, 'rung'],
      ['c', 2, 'rung'],
    ]);
    expect(run.rungs).toEqual([
      { milestone: 1, recorded: ['a', 'b', 'c'] },
      { milestone: 2, recorded: ['a', 'c'] },
      { milestone: 4, recorded: ['a'] },
    ]);
    expect(run.best).toBe('a');
    // Sequential: 4 + 1 + 2 iterations of 1 s.
    expect(run.makespan).toBe(7);
  });

  it('is asynchronous: on two workers a faster trial reaches a rung first and is judged without the others', () => {
    const trials = [trial('a', [0.5, 0.6, 0.7, 0.8], 3), trial('b', [0.4, 0.45, 0.5, 0.55], 1)];
    // One worker: b comes after a and is cut at 1 (0.4 < 0.5).
    expect(simulateAsha(trials, settings, 1).trials[1]!.iterations).toBe(1);
    // Two workers: b's results arrive first, so it is first at every rung and runs to max_t; a's
    // 0.5 at time 1 is ≥ median{0.4}, its 0.6 at 2 ≥ median{0.45}, and it runs to max_t too.
    const two = simulateAsha(trials, settings, 2);
    expect(two.trials.map((t) => t.iterations)).toEqual([4, 4]);
    expect(two.rungs[0]!.recorded).toEqual(['b', 'a']);
    expect(two.makespan).toBe(12);
    expect(two.best).toBe('a');
  });

  it('takes the next pending trial when a worker frees up, and breaks reward ties to the earlier trial', () => {
    const run = simulateAsha(
      [trial('a', [0.5, 0.5], 1), trial('b', [0.1, 0.1], 1), trial('c', [0.5, 0.5], 1)],
      { gracePeriod: 1, reductionFactor: 2, maxT: 2 },
      2,
    );
    // a and b start at 0; b is cut at 1 (0.1 < 0.5), c starts at 1 and continues (0.5 ≥ median{0.5, 0.1}).
    expect(run.trials.map((t) => [t.id, t.startedAt, t.iterations])).toEqual([
      ['a', 0, 2],
      ['b', 0, 1],
      ['c', 1, 2],
    ]);
    expect(run.best).toBe('a');
  });

  it('refuses a trial with too few reports for max_t', () => {
    expect(() => simulateAsha([trial('a', [0.5])], settings, 1)).toThrow(/needs 4/);
    expect(() => simulateAsha([trial('a', [0.5, 0.5, 0.5, 0.5])], settings, 0)).toThrow(/workers/);
  });
});

// Synthetic zoo: 4 steps per epoch, one evaluation per step (¼ epoch), 10 samples per step.
const SPE = 4;
function curve(id: string, accuracies: number[], truth: number, secondsPerSample = 0.01): RecordedCurve {
  const points = accuracies.map((valAccuracy, i) => ({
    epochs: (i + 1) / 4,
    step: i + 1,
    trainSamples: 10 * (i + 1),
    valAccuracy,
  }));
  const evidence: CandidateEvidence = {
    candidateId: id,
    stepsPerEpoch: SPE,
    trainSamples: 40,
    beta: [],
    validation: points.map((p) => ({ step: p.step, accuracy: p.valAccuracy })),
    trainLoss: points.map((p) => ({ step: p.step, steps: 1, loss: 1 - p.valAccuracy })),
    probeInputWidth: 8,
    logme: null,
  };
  return {
    candidateId: id,
    stepsPerEpoch: SPE,
    points,
    valSamples: 1000,
    secondsPerSample,
    evidence,
    truth,
    fullSamples: 1000,
  };
}

const curves = [
  curve('a', [0.3, 0.4, 0.5, 0.6, 0.62, 0.64, 0.66, 0.7], 0.8),
  curve('b', [0.5, 0.55, 0.56, 0.57, 0.58, 0.59, 0.6, 0.61], 0.7),
  curve('c', [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55], 0.6),
  curve('d', [0.4, 0.5, 0.55, 0.58, 0.6, 0.62, 0.64, 0.65], 0.75),
];
const spec = earlySweepSpec(
  {
    name: 'synthetic',
    trainUri: 'file:///tmp/train.safetensors',
    validationUri: 'file:///tmp/validation.safetensors',
    trainSamples: 40,
    normalisation: '[0,1]',
    mode: 'finetune',
    batchSize: 10,
    learningRate: 1e-3,
    probeWidths: [16, 8, 4],
    candidates: ['a', 'b', 'c', 'd', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((id) => ({
      id,
      model: `file:///tmp/${id}/model.json`,
    })),
  },
  'trainable',
);
const zoo: ZooCurves = {
  spec,
  zoo: 'synthetic',
  setting: 'trainable',
  sweepId: 's',
  horizonEpochs: 2,
  curves,
  leftOut: [],
};

describe('strategies on recorded curves', () => {
  it('fixed window: everyone trains the window, the default rule (early accuracy) ranks', () => {
    const run = fixedWindow(curves, 0.5);
    expect(run.spent.map((s) => s.trainSamples)).toEqual([20, 20, 20, 20]);
    expect(run.ranking.map((r) => r.candidateId)).toEqual(['b', 'd', 'a', 'c']);
    const score = scoreStrategy(zoo, run);
    expect(score.samples).toBe(80);
    expect(score.computeFraction).toBeCloseTo(80 / 4000, 12);
    expect(score.proratedSeconds).toBeCloseTo(0.8, 12);
    expect(score.pick).toBe('b');
    expect(score.metrics.regret.value).toBeCloseTo(0.1, 12);
  });

  it('naive halving: everyone 1 epoch, the best ⌈n/3⌉ to the horizon', () => {
    const run = naiveHalving(curves, 1, 2);
    // At 1 epoch: a 0.6, d 0.58, b 0.57, c 0.35 → ⌈4/3⌉ = 2 go on: a and d.
    expect(run.rungs.map((r) => r.candidates)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['a', 'd'],
    ]);
    expect(run.spent.map((s) => [s.candidateId, s.trainSamples])).toEqual([
      ['a', 80],
      ['b', 40],
      ['c', 40],
      ['d', 80],
    ]);
    expect(run.ranking.map((r) => r.candidateId)).toEqual(['a', 'd', 'b', 'c']);
    const score = scoreStrategy(zoo, run);
    expect(score.samples).toBe(240);
    expect(score.metrics.regret.value).toBe(0);
  });

  it('ASHA in ¼-epoch units: the bracket and the samples of a hand-worked replay', () => {
    const variant: AshaVariant = {
      id: 'asha-test',
      label: 'test',
      epochsPerIteration: 0.25,
      gracePeriod: 1,
      reductionFactor: 2,
    };
    const run = asha(curves, variant, 1, 2);
    // max_t 8, milestones 1, 2, 4 (8 = max_t). One worker, order a, b, c, d:
    // a: first everywhere → 8. b: 0.5 ≥ {0.3} at 1; 0.55 ≥ {0.4} at 2; 0.57 ≥ {0.6}? no → cut at 4.
    // c: 0.2 < median{0.3, 0.5} = 0.4 → cut at 1.
    // d: 0.4 ≥ median{0.3, 0.5, 0.2} = 0.3 at 1; 0.5 ≥ median{0.4, 0.55} = 0.475 at 2;
    //    0.58 ≥ median{0.6, 0.57} = 0.585? no → cut at 4.
    expect(run.spent.map((s) => [s.candidateId, s.epochs, s.trainSamples])).toEqual([
      ['a', 2, 80],
      ['b', 1, 40],
      ['c', 0.25, 10],
      ['d', 1, 40],
    ]);
    expect(run.rungs).toEqual([
      { epochs: 0.25, candidates: ['a', 'b', 'c', 'd'] },
      { epochs: 0.5, candidates: ['a', 'b', 'd'] },
      { epochs: 1, candidates: ['a', 'b', 'd'] },
      { epochs: 2, candidates: ['a'] },
    ]);
    // Ray's pick: the best last reported accuracy (a: 0.7 at 2 epochs).
    expect(run.ranking[0]!.candidateId).toBe('a');
    expect(scoreStrategy(zoo, run).samples).toBe(170);
  });

  it('ASHA in epoch units with Ray defaults: one milestone at 1 epoch, max_t 2', () => {
    const variant: AshaVariant = {
      id: 'asha-epoch',
      label: 'epoch',
      epochsPerIteration: 1,
      gracePeriod: 1,
      reductionFactor: 4,
    };
    const run = asha(curves, variant, 1, 2);
    // At 1 epoch: a 0.6 first; b 0.57 < 0.6 → cut; c 0.35 < p75{0.6, 0.57} = 0.5925 → cut;
    // d 0.58 < p75{0.6, 0.57, 0.35} = 0.585 → cut.
    expect(run.spent.map((s) => s.trainSamples)).toEqual([80, 40, 40, 40]);
  });

  it('full fine-tuning: the truth itself, 100% of the compute, regret 0, τ 1', () => {
    const score = scoreStrategy(zoo, fullFineTuning(curves));
    expect(score.computeFraction).toBe(1);
    expect(score.metrics.regret.value).toBe(0);
    expect(score.metrics.kendallTau.value).toBeCloseTo(1, 12);
  });
});

describe('ncap halving replay (the product state machine on recorded curves)', () => {
  // Rung ¼: e1 .50, e2 .49 — a gap of .01, inside 2 × √(σ₁² + σ₂²) ≈ .045 (σ = √(p(1 − p)/1000)):
  // no decision; ⌊6/3⌋ = 2 go on. Rung ½: e2 .60 vs e1 .55 — .05 > 2 × √(.24 + .2475)/√1000 ≈ .0442.
  const six = [
    curve('e1', [0.5, 0.55, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6], 0.7),
    curve('e2', [0.49, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6], 0.8),
    curve('e3', [0.48, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], 0.9),
    curve('e4', [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3], 0.4),
    curve('e5', [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2], 0.3),
    curve('e6', [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 0.2),
  ];
  const config = halvingConfigOf(defaultHalvingBudget(spec, [0.25, 0.5, 1, 2]));

  it("takes the spec schema's halving defaults with the benchmark's rungs", () => {
    expect(config).toMatchObject({ rungs: [0.25, 0.5, 1, 2], maxCandidateEpochs: null });
    expect(config.keepFraction).toBeGreaterThan(0);
    expect(config.z).toBeGreaterThan(0);
  });

  it('matches the hand-computed bracket: survivors per rung, samples, the decision and the ranking', async () => {
    const { run, decision } = await ncapHalving(
      six,
      { ...config, keepFraction: 1 / 3, z: 2, minGap: 0 },
      recordedRungScorer(six),
    );
    expect(run.rungs).toEqual([
      { epochs: 0.25, candidates: ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'] },
      { epochs: 0.5, candidates: ['e1', 'e2'] },
    ]);
    expect(decision).toMatchObject({ winner: 'e2', rung: 1, reason: 'margin' });
    expect(run.spent.map((s) => s.trainSamples)).toEqual([20, 20, 10, 10, 10, 10]);
    expect(run.ranking.map((r) => r.candidateId)).toEqual(['e2', 'e1', 'e3', 'e4', 'e5', 'e6']);
    const sixZoo = { ...zoo, curves: six };
    const score = scoreStrategy(sixZoo, run);
    expect(score.samples).toBe(80);
    // e3 was cut at ¼ (its late jump never seen): regret 0.9 − 0.8.
    expect(score.metrics.regret.value).toBeCloseTo(0.1, 12);
  });

  it('without a margin (z = ∞) it runs the rungs down to one survivor', async () => {
    const { run, decision } = await ncapHalving(
      six,
      { ...config, keepFraction: 1 / 3, z: Infinity, minGap: 0 },
      recordedRungScorer(six),
    );
    // ¼: 6 → 2 (e1, e2); ½: e2 .60 leads, ⌊2/3⌋ → 1 kept: decided with e2.
    expect(decision).toMatchObject({ winner: 'e2', reason: 'sole-survivor' });
    expect(run.spent.map((s) => s.trainSamples)).toEqual([20, 20, 10, 10, 10, 10]);
  });
});

describe('the product check', () => {
  const benchZoo = {
    name: 'synthetic',
    description: '',
    task: {
      name: 'synthetic',
      trainUri: 'file:///tmp/train.safetensors',
      validationUri: 'file:///tmp/validation.safetensors',
      trainSamples: 40,
      normalisation: '[0,1]' as const,
      mode: 'finetune' as const,
      batchSize: 10,
      learningRate: 1e-3,
      probeWidths: [16, 8, 4],
      candidates: [
        { id: 'a', model: 'file:///tmp/a/model.json' },
        { id: 'no-truth', model: 'file:///tmp/n/model.json' },
      ],
    },
    truth: [
      { candidateId: 'a', accuracy: 0.5, seedAccuracies: [], seeds: [], fullSamples: 1, epochsRun: [] },
    ],
    missingTruth: [],
    truthRecipe: '',
  };

  it('runs the early sweep again as a halving sweep over the rungs (same seed and data, its own id)', () => {
    const spec = halvingSweepSpec(benchZoo, 'trainable');
    const early = earlySweepSpec(benchZoo.task, 'trainable');
    expect(spec.budget).toMatchObject({ strategy: 'halving', rungs: [0.25, 0.5, 1, 2] });
    expect(spec.training).toMatchObject({ epochs: 2, seed: early.training.seed, evaluationsPerEpoch: 4 });
    expect(spec.dataset).toEqual(early.dataset);
    // Only the candidates the replay has (those with a ground truth).
    expect(spec.candidates.map((c) => c.id)).toEqual(['a']);
    expect(spec.id).not.toBe(early.id);
    expect(halvingSweepSpec(benchZoo, 'trainable').id).toBe(spec.id);
  });

  const replay = {
    ...fixedWindow(curves, 0.25),
    rungs: [
      { epochs: 0.25, candidates: ['a', 'b', 'c', 'd'] },
      { epochs: 0.5, candidates: ['a', 'b'] },
    ],
    ranking: ['b', 'a', 'c', 'd'].map((candidateId) => ({ candidateId, key: [0] })),
    spent: ['a', 'b', 'c', 'd'].map((candidateId, i) => ({
      candidateId,
      epochs: i < 2 ? 0.5 : 0.25,
      trainSamples: i < 2 ? 20 : 10,
    })),
  };
  const bracket = (cutAt0: string[], winner: string) => ({
    rungSizes: [4, 4 - cutAt0.length],
    decision: { winner },
    entries: ['a', 'b', 'c', 'd'].map((candidateId) => ({
      candidateId,
      rung: cutAt0.includes(candidateId) ? 0 : 1,
    })),
  });

  it('agrees when the product kept the same survivors, picked the same winner and spent the same samples', () => {
    const check = compareWithProduct(
      'z',
      's',
      { bracket: bracket(['c', 'd'], 'b'), compute: { trainSamples: 60 } },
      replay,
    );
    expect(check).toMatchObject({
      sameSurvivors: true,
      differences: [],
      productRungs: [4, 2],
      simulatedRungs: [4, 2],
    });
  });

  it('names every rung, the winner and the samples where they differ', () => {
    const check = compareWithProduct(
      'z',
      's',
      { bracket: bracket(['b', 'd'], 'c'), compute: { trainSamples: 70 } },
      replay,
    );
    expect(check.sameSurvivors).toBe(false);
    expect(check.differences).toEqual([
      'rung 2: only the product trained c; only the replay b',
      'winner: product c, replay b',
      'samples: product 70, replay 60',
    ]);
    expect(compareWithProduct('z', 's', { compute: { trainSamples: 60 } }, replay).differences[0]).toMatch(
      /no bracket/,
    );
  });
});

describe('scoreStrategy', () => {
  it('keeps ties in the ranking keys and takes the strategy’s own pick', () => {
    expect(
      rankingScores([
        { candidateId: 'x', key: [1, 0.5] },
        { candidateId: 'y', key: [1, 0.5] },
        { candidateId: 'z', key: [0, 0.9] },
      ]),
    ).toEqual([3, 3, 1]);
    // A tie at the top broken towards c (the worse truth): the pick is c, regret 0.8 − 0.6.
    const run = {
      ...fixedWindow(curves, 0.25),
      ranking: [
        { candidateId: 'c', key: [1] },
        { candidateId: 'a', key: [1] },
        { candidateId: 'b', key: [0] },
        { candidateId: 'd', key: [0] },
      ],
    };
    const score = scoreStrategy(zoo, run);
    expect(score.pick).toBe('c');
    expect(score.metrics.regret.value).toBeCloseTo(0.2, 12);
  });

  it('refuses a ranking that leaves out a candidate', () => {
    const run = { ...fixedWindow(curves, 0.25), ranking: [{ candidateId: 'a', key: [1] }] };
    expect(() => scoreStrategy(zoo, run)).toThrow(/does not cover/);
  });
});

describe('verdict rules', () => {
  const scores = [
    scoreStrategy(zoo, fixedWindow(curves, 0.25)),
    scoreStrategy(zoo, fixedWindow(curves, 2)),
    scoreStrategy(zoo, naiveHalving(curves, 1, 2)),
    scoreStrategy(zoo, fullFineTuning(curves)),
  ];

  it('the goal needs both regret ≤ 0.5 pt and compute ≤ 5%', () => {
    // fixed ¼: 1% compute but picks b (regret 10 pts); fixed 2: regret 0 at 8%.
    expect(scores.map(withinGoal)).toEqual([false, false, false, false]);
    const cheapExact = { ...scores[1]!, computeFraction: 0.05 };
    expect(withinGoal(cheapExact)).toBe(true);
  });

  it('ncap vs ASHA: the cheapest ASHA run with at most ncap’s regret', () => {
    const ncap = { ...scores[1]!, samples: 100, run: { ...scores[1]!.run, family: 'ncap-halving' as const } };
    const ashaRun = (samples: number, regret: number) => ({
      ...scores[0]!,
      samples,
      computeFraction: samples / 4000,
      metrics: { ...scores[0]!.metrics, regret: { value: regret, low: 0, high: 0 } },
      run: { ...scores[0]!.run, family: 'asha' as const },
    });
    expect(versusAsha([ashaRun(50, 0.1), ashaRun(150, 0)], ncap).cheapestAsha!.samples).toBe(150);
    expect(versusAsha([ashaRun(50, 0.1), ashaRun(150, 0)], ncap).lessCompute).toBe(true);
    expect(versusAsha([ashaRun(80, 0)], ncap).lessCompute).toBe(false);
    expect(versusAsha([ashaRun(80, 0.1)], ncap)).toEqual({ cheapestAsha: null, lessCompute: true });
  });

  it('the supported default: the lowest worst-zoo regret among fixed windows (and ncap halving), then compute, on the selection zoos only', () => {
    const selection = { zoo, seed: 2001, scores, heldOut: false, seedNoise: null };
    expect(supportedDefault({ setting: 'trainable', zoos: [selection], replicates: [] })!.id).toBe('fixed@2');
    // A held-out zoo where fixed@2 does badly does not change the choice.
    const worse = scores.map((s) =>
      s.run.id === 'fixed@2'
        ? { ...s, metrics: { ...s.metrics, regret: { value: 0.5, low: 0, high: 1 } } }
        : s,
    );
    const held = { zoo: { ...zoo, zoo: 'held' }, seed: 2001, scores: worse, heldOut: true, seedNoise: null };
    expect(supportedDefault({ setting: 'trainable', zoos: [selection, held], replicates: [] })!.id).toBe(
      'fixed@2',
    );
    expect(
      acrossZoos({ setting: 'trainable', zoos: [selection, held], replicates: [] }).find(
        (r) => r.id === 'fixed@2',
      )!.worstRegret,
    ).toBe(0.5);
  });

  it('with replicate seeds, a zoo counts by its mean regret over seeds: one lucky seed does not decide', () => {
    const withRegret = (id: string, regret: number) =>
      scores.map((s) =>
        s.run.id === id
          ? {
              ...s,
              metrics: {
                ...s.metrics,
                regret: { value: regret, low: 0, high: 1 },
                top1Hit: { value: regret === 0, rate: NaN },
              },
            }
          : s,
      );
    // Seed 2001: fixed@2 and fixed@0.25 both exact, ¼ much cheaper; seeds 2002 and 2003: ¼ misses by 3 points.
    const primary = { zoo, seed: 2001, scores: withRegret('fixed@0.25', 0), heldOut: false, seedNoise: null };
    const replicate = (seed: number) => ({ ...primary, seed, scores: withRegret('fixed@0.25', 0.03) });
    expect(supportedDefault({ setting: 'trainable', zoos: [primary], replicates: [] })!.id).toBe(
      'fixed@0.25',
    );
    const result = {
      setting: 'trainable' as const,
      zoos: [primary],
      replicates: [replicate(2002), replicate(2003)],
    };
    const chosen = supportedDefault(result)!;
    expect(chosen.id).toBe('fixed@2');
    const quarter = acrossSeeds(result).find((r) => r.id === 'fixed@0.25')!.perZoo[0]!;
    expect(quarter).toMatchObject({ seeds: [2001, 2002, 2003], minRegret: 0, maxRegret: 0.03, hits: 1 });
    expect(quarter.meanRegret).toBeCloseTo(0.02, 12);
    // A replicate of another zoo does not count for this one.
    const other = { ...replicate(2002), zoo: { ...zoo, zoo: 'other' } };
    expect(supportedDefault({ ...result, replicates: [other] })!.id).toBe('fixed@0.25');
  });
});

describe('replaceTtdSection', () => {
  const section = `${TTD_BEGIN}\n## Time to decision\nnew\n${TTD_END}\n`;

  it('replaces only what is between the markers', () => {
    const doc = `# R\n\nbefore\n\n${TTD_BEGIN}\nold\n${TTD_END}\n\n## After\nafter\n`;
    expect(replaceTtdSection(doc, section)).toBe(
      `# R\n\nbefore\n\n${TTD_BEGIN}\n## Time to decision\nnew\n${TTD_END}\n\n## After\nafter\n`,
    );
  });

  it('appends the section to a file without one', () => {
    expect(replaceTtdSection('# R\n\ntext\n', section)).toBe(`# R\n\ntext\n\n${section}`);
  });
});
