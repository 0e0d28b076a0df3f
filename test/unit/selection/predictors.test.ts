import { describe, expect, it } from 'vitest';
import { computeBetaEff } from '../../../activities/capacitance/beta-eff.js';
import { betaEffFromLineGraph, buildLineGraph } from '../../../activities/capacitance/line-graph-oracle.js';
import type { DenseKernel } from '../../../activities/capacitance/network.js';
import { kendallTau } from '../../../activities/capacitance/ranking-metrics.js';
import { betaScaleFree } from '../../../activities/selection/beta-scale-free.js';
import {
  benchmarkSelection,
  leaveOneOutScores,
  leaveOneZooOutScores,
} from '../../../activities/selection/evaluate.js';
import {
  evidenceFromResult,
  extractFeatures,
  FEATURE_NAMES,
  type CandidateEvidence,
  type CandidateFeatures,
} from '../../../activities/selection/features.js';
import { extrapolateLearningCurve } from '../../../activities/selection/learning-curve.js';
import { computeFraction, noiseCeiling, selectionMetrics } from '../../../activities/selection/metrics.js';
import type { LabelledRow } from '../../../activities/selection/predictor.js';
import { createAllPredictors, createPredictor } from '../../../activities/selection/predictors.js';
import { mulberry32 } from '../../../activities/training/rng.js';
import type { CandidateResult } from '../../../activities/training/types.js';

const random = mulberry32(11);
const kernel = (inDim: number, outDim: number, scale = 1): DenseKernel => ({
  inDim,
  outDim,
  values: Float32Array.from({ length: inDim * outDim }, () => scale * (random() - 0.5)),
});

/** β̃ by brute force: materialise G_B, divide every arc by its block's mean arc weight, compute β_eff. */
function scaleFreeOracle(kernels: DenseKernel[]): number {
  const graph = buildLineGraph(kernels.slice(1), { model: 'abs-product' });
  const blockOf = (node: number) => graph.kernelOffset.filter((offset) => offset <= node).length - 1;
  const totals = new Map<number, { sum: number; count: number }>();
  for (let t = 0; t < graph.weight.length; t++) {
    const block = Math.min(blockOf(graph.from[t]!), blockOf(graph.to[t]!));
    const entry = totals.get(block) ?? { sum: 0, count: 0 };
    entry.sum += graph.weight[t]!;
    entry.count++;
    totals.set(block, entry);
  }
  const weight = graph.weight.map((w, t) => {
    const { sum, count } = totals.get(Math.min(blockOf(graph.from[t]!), blockOf(graph.to[t]!)))!;
    return w / (sum / count);
  });
  return betaEffFromLineGraph({ ...graph, weight }).betaEff;
}

describe('β̃ (beta-eff-scale-free)', () => {
  const net = [kernel(9, 5), kernel(5, 4), kernel(4, 3), kernel(3, 3), kernel(3, 2)];

  it('equals β_eff of the block-normalised line graph without the input projection (brute-force oracle)', () => {
    for (const skipInputProjection of [false, true]) {
      const result = computeBetaEff(net, { skipInputProjection });
      expect(betaScaleFree(result)).toBeCloseTo(scaleFreeOracle(net), 10);
    }
  });

  it('is invariant to rescaling any kernel and to the input width; β_eff is not', () => {
    const base = betaScaleFree(computeBetaEff(net, { skipInputProjection: true }))!;
    const rescaled = net.map((k, l) => ({ ...k, values: k.values.map((v) => v * (l + 1) * 3.7) }));
    // (float32 weights: the rescaled values are rounded, hence 7 digits)
    expect(betaScaleFree(computeBetaEff(rescaled, { skipInputProjection: true }))).toBeCloseTo(base, 7);
    expect(computeBetaEff(rescaled, { skipInputProjection: true }).betaEff).not.toBeCloseTo(
      computeBetaEff(net, { skipInputProjection: true }).betaEff,
      3,
    );
    const wider = [kernel(300, 5, 0.1), ...net.slice(1)];
    expect(betaScaleFree(computeBetaEff(wider))).toBeCloseTo(base, 10);
    expect(computeBetaEff(wider).betaEff).not.toBeCloseTo(computeBetaEff(net).betaEff, 3);
  });

  it('is null when fewer than three kernels follow the input projection', () => {
    expect(betaScaleFree(computeBetaEff(net.slice(0, 3)))).toBeNull();
  });
});

function evidence(overrides: Partial<CandidateEvidence> = {}): CandidateEvidence {
  return {
    candidateId: 'c',
    stepsPerEpoch: 10,
    trainSamples: 320,
    beta: [0, 5, 10, 15, 20].map((step) => ({
      step,
      epoch: Math.max(1, Math.ceil(step / 10)),
      betaEff: 1 + step / 10,
      betaScaleFree: 2 - step / 100,
    })),
    validation: [
      { step: 5, accuracy: 0.5 },
      { step: 10, accuracy: 0.6 },
      { step: 20, accuracy: 0.7 },
    ],
    trainLoss: [
      { step: 5, steps: 5, loss: 2 },
      { step: 10, steps: 5, loss: 1.5 },
      { step: 20, steps: 10, loss: 1 },
    ],
    probeInputWidth: 64,
    logme: -0.5,
    ...overrides,
  };
}

describe('features', () => {
  it('windows every feature to the steps observed; TSE weighs chunks by their share of an epoch', () => {
    const all = extractFeatures(evidence());
    expect(all).toMatchObject({
      betaEff: 3,
      betaScaleFree: 1.8,
      earlyValAccuracy: 0.7,
      probeInputWidth: 64,
      logme: -0.5,
    });
    expect(all.tse).toBeCloseTo(2 * 0.5 + 1.5 * 0.5 + 1, 12);
    expect(all.betaSlope).toBeCloseTo(0.1, 12);
    const half = extractFeatures(evidence(), { maxStep: 10 });
    expect(half).toMatchObject({ betaEff: 2, earlyValAccuracy: 0.6 });
    expect(half.tse).toBeCloseTo(1.75, 12);
    expect(half.curveAsymptote).toBeCloseTo(
      extrapolateLearningCurve([5, 10], [0.5, 0.6], 100).prediction,
      12,
    );
    const none = extractFeatures(evidence(), { maxStep: 2 });
    expect(none).toMatchObject({ earlyValAccuracy: null, tse: null, curveAsymptote: null, betaEff: 1 });
  });

  it('reads per-epoch curves, or the evaluations inside epochs when the run recorded them', () => {
    const result = {
      candidateId: 'r',
      training: { stepsPerEpoch: 10 },
      dataset: { trainSamples: 300 },
      model: { featureDim: 128 },
      epochs: [
        { epoch: 1, trainLoss: 2, valLoss: 1, valAccuracy: 0.5, step: 10, seconds: 1 },
        { epoch: 2, trainLoss: 1, valLoss: 1, valAccuracy: 0.6, step: 20, seconds: 1 },
      ],
    } as unknown as CandidateResult;
    const perEpoch = evidenceFromResult(result, []);
    expect(perEpoch.validation).toEqual([
      { step: 10, accuracy: 0.5 },
      { step: 20, accuracy: 0.6 },
    ]);
    expect(perEpoch.trainLoss).toEqual([
      { step: 10, steps: 10, loss: 2 },
      { step: 20, steps: 10, loss: 1 },
    ]);
    expect(perEpoch.probeInputWidth).toBe(128);
    const evaluations = [
      {
        step: 5,
        epoch: 0.5,
        trainLoss: 2.5,
        trainLossSum: 12.5,
        trainSamples: 150,
        valLoss: 1,
        valAccuracy: 0.4,
      },
      {
        step: 10,
        epoch: 1,
        trainLoss: 1.5,
        trainLossSum: 20,
        trainSamples: 300,
        valLoss: 1,
        valAccuracy: 0.5,
      },
      {
        step: 20,
        epoch: 2,
        trainLoss: 1,
        trainLossSum: 30,
        trainSamples: 600,
        valLoss: 1,
        valAccuracy: null,
      },
    ];
    const fine = evidenceFromResult({ ...result, evaluations } as unknown as CandidateResult, []);
    expect(fine.validation).toEqual([
      { step: 5, accuracy: 0.4 },
      { step: 10, accuracy: 0.5 },
    ]);
    expect(fine.trainLoss).toEqual([
      { step: 5, steps: 5, loss: 2.5 },
      { step: 10, steps: 5, loss: 1.5 },
      { step: 20, steps: 10, loss: 1 },
    ]);
    // TSE over half an epoch: the first chunk, weighted by its share of an epoch (= trainLossSum / stepsPerEpoch).
    expect(extractFeatures(fine, { maxStep: 5 }).tse).toBeCloseTo(12.5 / 10, 12);
  });
});

const features = (values: Partial<CandidateFeatures>): CandidateFeatures => ({
  ...(Object.fromEntries(FEATURE_NAMES.map((n) => [n, null])) as CandidateFeatures),
  ...values,
});

/** A zoo where early accuracy tracks the truth and β_eff anti-tracks it, with noise. */
function zoo(name: string, n: number, seed: number): LabelledRow[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const truth = 0.5 + 0.4 * r();
    return {
      candidateId: `${name}-${i}`,
      finalAccuracy: truth,
      features: features({
        betaEff: 1 - truth + 0.05 * r(),
        betaSlope: r(),
        betaRelativeChange: r(),
        betaScaleFree: r(),
        earlyValAccuracy: truth - 0.1 + 0.05 * r(),
        tse: 2 - truth + 0.1 * r(),
        curveAsymptote: truth + 0.05 * r(),
        probeInputWidth: 32 * (1 + (i % 3)),
      }),
    };
  });
}

describe('predictors', () => {
  const rows = zoo('a', 12, 3);

  it('fixed predictors orient their feature; β calibrates its direction from labelled runs only', () => {
    const truth = rows.map((r) => r.finalAccuracy);
    const score = (name: Parameters<typeof createPredictor>[0], training: LabelledRow[] = []) => {
      const fitted = createPredictor(name).fit(training);
      return rows.map((row) => fitted.score(row)!.value);
    };
    expect(kendallTau(score('early-accuracy'), truth)).toBeGreaterThan(0.6);
    expect(kendallTau(score('tse'), truth)).toBeGreaterThan(0.4);
    const uncalibrated = createPredictor('beta-eff').fit([]);
    expect(uncalibrated.fit).toMatchObject({ source: 'fallback', direction: 'higher' });
    expect(kendallTau(score('beta-eff'), truth)).toBeLessThan(-0.6);
    const calibrated = createPredictor('beta-eff').fit(rows);
    expect(calibrated.fit).toMatchObject({ source: 'fitted', direction: 'lower', runs: 12 });
    expect(kendallTau(score('beta-eff', rows), truth)).toBeGreaterThan(0.6);
    expect(createPredictor('beta-eff', { betaDirection: 'higher' }).fit(rows).fit.source).toBe('fixed');
  });

  it('random is seeded, independent of the candidates’ order, and uncorrelated on average', () => {
    const a = createPredictor('random', { randomSeed: 4 }).fit([]);
    expect(a.score(rows[3]!)).toEqual(createPredictor('random', { randomSeed: 4 }).fit([]).score(rows[3]!));
    expect(a.score(rows[3]!)!.value).not.toBe(
      createPredictor('random', { randomSeed: 5 }).fit([]).score(rows[3]!)!.value,
    );
    const truth = rows.map((r) => r.finalAccuracy);
    let sum = 0;
    for (let seed = 0; seed < 400; seed++) {
      const fitted = createPredictor('random', { randomSeed: seed }).fit([]);
      sum += kendallTau(
        rows.map((row) => fitted.score(row)!.value),
        truth,
      );
    }
    expect(Math.abs(sum / 400)).toBeLessThan(0.05);
  });

  it('the hybrid needs enough runs, standardises its columns, and predicts with an uncertainty', () => {
    expect(createPredictor('hybrid').fit(rows.slice(0, 4)).fit.source).toBe('fallback');
    const fitted = createPredictor('hybrid').fit(rows);
    expect(fitted.fit.note).toMatch(/Bayesian ridge on betaEff, betaSlope, .* over 12 runs/);
    const scored = fitted.score(rows[0]!)!;
    expect(scored.uncertainty).toBeGreaterThan(0);
    // Units do not matter: rescaling a column of every run leaves the predictions unchanged.
    const scaled = rows.map((r) => ({ ...r, features: { ...r.features, tse: r.features.tse! * 1000 } }));
    expect(createPredictor('hybrid').fit(scaled).score(scaled[0]!)!.value).toBeCloseTo(scored.value, 9);
    // A candidate missing a column the hybrid uses cannot be scored.
    expect(fitted.score({ ...rows[0]!, features: { ...rows[0]!.features, tse: null } })).toBeNull();
  });
});

describe('evaluation protocols', () => {
  const a = zoo('a', 10, 5);
  const b = zoo('b', 9, 6);

  it('leave-one-out never lets a candidate’s own truth into its score', () => {
    for (const name of ['beta-eff', 'hybrid'] as const) {
      const predictor = createPredictor(name);
      const scores = leaveOneOutScores(predictor, a);
      const flipped = a.map((r, i) => (i === 2 ? { ...r, finalAccuracy: 1 - r.finalAccuracy } : r));
      expect(leaveOneOutScores(predictor, flipped)[2]).toEqual(scores[2]);
      // …and equals the predictor fitted on the other rows.
      expect(scores[2]).toEqual(predictor.fit(a.filter((_, j) => j !== 2)).score(a[2]!));
    }
  });

  it('leave-one-zoo-out fits on the other zoos only', () => {
    const predictor = createPredictor('hybrid');
    const scores = leaveOneZooOutScores(predictor, [
      { name: 'a', rows: a },
      { name: 'b', rows: b },
    ]);
    expect(scores.get('a')).toEqual(a.map((r) => predictor.fit(b).score(r)));
    const shuffledTruth = a.map((r, i) => ({ ...r, finalAccuracy: a[(i + 3) % a.length]!.finalAccuracy }));
    expect(
      leaveOneZooOutScores(predictor, [
        { name: 'a', rows: shuffledTruth },
        { name: 'b', rows: b },
      ]).get('a'),
    ).toEqual(scores.get('a'));
  });

  it('benchmarks every predictor on every zoo under both protocols, with compute fraction and noise ceiling', () => {
    const result = benchmarkSelection(
      [
        {
          name: 'a',
          rows: a,
          earlySamples: a.map(() => 100),
          fullSamples: a.map(() => 2000),
          seedAccuracies: a.map((r) => [r.finalAccuracy, r.finalAccuracy + 0.01]),
        },
        { name: 'b', rows: b },
      ],
      createAllPredictors(),
      { resamples: 50 },
    );
    expect(result.evaluations).toHaveLength(createAllPredictors().length * 4);
    const early = result.evaluations.find(
      (e) => e.zoo === 'a' && e.predictor === 'early-accuracy' && e.protocol === 'leave-one-out',
    )!;
    expect(early.scored).toBe(10);
    expect(early.metrics!.kendallTau.value).toBeCloseTo(
      kendallTau(
        a.map((r) => r.features.earlyValAccuracy!),
        a.map((r) => r.finalAccuracy),
      ),
      12,
    );
    expect(result.evaluations.find((e) => e.predictor === 'logme')!.metrics).toBeNull();
    expect(result.zoos[0]).toMatchObject({ computeFraction: 0.05 });
    expect(result.zoos[0]!.noiseCeiling!.pairwiseKendall.mean).toBeCloseTo(1, 12);
    expect(result.zoos[1]).toMatchObject({ computeFraction: null, noiseCeiling: null });
  });
});

describe('metrics', () => {
  it('a perfect ranking has τ = ρ = 1 with a degenerate interval, hit, and zero regret', () => {
    const truth = [0.9, 0.5, 0.7, 0.6];
    const m = selectionMetrics(
      truth.map((t) => 10 * t),
      truth,
      { resamples: 200, seed: 1 },
    );
    expect(m.kendallTau).toEqual({ value: 1, low: 1, high: 1 });
    expect(m.spearman.value).toBeCloseTo(1, 12);
    expect(m.top1Hit).toEqual({ value: true, rate: 1 });
    expect(m.regret).toEqual({ value: 0, low: 0, high: 0 });
  });

  it('intervals are seeded, contain the estimate, and regret is the points lost by the pick', () => {
    const r = mulberry32(9);
    const truth = Array.from({ length: 15 }, () => r());
    const scores = truth.map((t) => t + 0.4 * r());
    const one = selectionMetrics(scores, truth, { seed: 3 });
    expect(selectionMetrics(scores, truth, { seed: 3 })).toEqual(one);
    expect(selectionMetrics(scores, truth, { seed: 4 }).kendallTau.low).not.toBe(one.kendallTau.low);
    for (const key of ['kendallTau', 'weightedTau', 'spearman'] as const) {
      expect(one[key].low).toBeLessThanOrEqual(one[key].value);
      expect(one[key].high).toBeGreaterThanOrEqual(one[key].value);
      expect(one[key].high).toBeGreaterThan(one[key].low);
    }
    const pick = scores.indexOf(Math.max(...scores));
    expect(one.regret.value).toBeCloseTo(Math.max(...truth) - truth[pick]!, 15);
  });

  it('compute fraction and the noise ceiling of seed-wise rankings', () => {
    expect(computeFraction([10, 20], [100, 200])).toBeCloseTo(0.1, 15);
    expect(() => computeFraction([1], [0])).toThrow(/no samples/);
    // Seeds 0 and 1 agree, seed 2 swaps the top two.
    const acc = [
      [0.9, 0.9, 0.8],
      [0.8, 0.8, 0.85],
      [0.5, 0.5, 0.5],
    ];
    const ceiling = noiseCeiling(acc);
    const col = (s: number) => acc.map((row) => row[s]!);
    const pairs = [kendallTau(col(0), col(1)), kendallTau(col(0), col(2)), kendallTau(col(1), col(2))];
    expect(ceiling.pairwiseKendall.mean).toBeCloseTo((pairs[0]! + pairs[1]! + pairs[2]!) / 3, 12);
    expect(ceiling.pairwiseKendall).toMatchObject({ min: Math.min(...pairs), max: 1 });
    expect(ceiling.top1Agreement).toBeCloseTo(2 / 3, 12);
    const others = (s: number) => acc.map((row) => (row.reduce((t, v) => t + v, 0) - row[s]!) / 2);
    const leaveOut = [0, 1, 2].map((s) => kendallTau(col(s), others(s)));
    expect(ceiling.leaveOneSeedOutKendall).toBeCloseTo((leaveOut[0]! + leaveOut[1]! + leaveOut[2]!) / 3, 12);
    expect(() => noiseCeiling([[0.5], [0.6]])).toThrow(/same number/);
  });
});
