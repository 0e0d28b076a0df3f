import { describe, expect, it } from 'vitest';
import { rungConfidence } from '../../../activities/selection/decision-confidence.js';
import { mulberry32 } from '../../../activities/training/rng.js';
import {
  calibrationGoalMet,
  calibrationPoints,
  halves,
  reliabilityBins,
  type OutcomeRun,
} from '../../../bench/calibration/calibration.js';
import {
  replaceCalibrationSection,
  CALIBRATION_BEGIN,
  CALIBRATION_END,
} from '../../../bench/calibration/results-md.js';

describe('reliabilityBins', () => {
  it('puts each stated probability in its tenth (1 in the last) and averages stated and observed per bin', () => {
    const points = [
      { stated: 0.05, observed: 0 },
      { stated: 0.09, observed: 1 },
      { stated: 0.15, observed: 0 },
      { stated: 0.95, observed: 1 },
      { stated: 1, observed: 0.5 },
    ];
    const bins = reliabilityBins(points);
    expect(bins).toHaveLength(10);
    expect(bins.map((b) => b.count)).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(bins[0]!.stated).toBeCloseTo(0.07);
    expect(bins[0]!.observed).toBeCloseTo(0.5);
    expect(bins[1]).toMatchObject({ lo: 0.1, hi: 0.2, count: 1, observed: 0 });
    expect(bins[2]).toMatchObject({ count: 0, stated: null, observed: null });
    expect(bins[9]!.stated).toBeCloseTo(0.975);
    expect(bins[9]!.observed).toBeCloseTo(0.75);
  });

  it('the goal holds bins of at least 30 points to 10 points and ignores smaller ones', () => {
    const bin = (count: number, stated: number, observed: number) => ({
      lo: 0,
      hi: 0.1,
      count,
      stated,
      observed,
    });
    expect(calibrationGoalMet([bin(30, 0.5, 0.6), bin(29, 0.5, 0.9)])).toBe(true);
    expect(calibrationGoalMet([bin(30, 0.5, 0.61)])).toBe(false);
    expect(calibrationGoalMet([bin(100, 0.9, 0.79)])).toBe(false);
  });
});

describe('halves', () => {
  it('splits the indices into two disjoint sorted halves that cover them, the same for the same seed', () => {
    const [a, b] = halves(101, 5);
    expect(a).toHaveLength(50);
    expect(b).toHaveLength(51);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(halves(101, 5)).toEqual([a, b]);
    expect(halves(101, 6)[0]).not.toEqual(a);
  });
});

describe('calibrationPoints', () => {
  const n = 200;
  const constant = (v: number) => new Uint8Array(n).fill(v);
  // Half right, half wrong, alternating: on any half, about half right.
  const coin = Uint8Array.from({ length: n }, (_, i) => i % 2);
  const run = (hits: Record<string, Uint8Array>[]): OutcomeRun => ({
    zoo: 'z',
    seed: 1,
    rungs: hits.map((h, r) => ({ epochs: r + 1, hits: new Map(Object.entries(h)) })),
  });
  const options = { splits: 3, keepFraction: 2 / 3, margin: { z: 2, minGap: 0 }, resamples: 200 };

  it('a certain winner is stated and observed best; identical twins split the probability and the credit', () => {
    const points = calibrationPoints(
      [
        run([
          { good: constant(1), twinA: coin, twinB: coin },
          { good: constant(1), twinA: coin, twinB: coin },
        ]),
      ],
      options,
    );
    // Rung 1: three contenders per split; rung 2: the best two of them (keepFraction ⅔), 3 splits each.
    expect(points).toHaveLength(3 * 3 + 3 * 2);
    for (const p of points.filter((x) => x.candidateId === 'good'))
      expect(p).toMatchObject({ stated: 1, observed: 1 });
    const twins = calibrationPoints([run([{ twinA: coin, twinB: coin }])], options);
    for (const p of twins) {
      expect(p.stated).toBeCloseTo(0.5);
      expect(p.observed).toBe(0.5);
    }
  });

  it('states both of the product’s statements, as rungConfidence gives them on half A', () => {
    const noisy = (p: number, seed: number) => {
      const r = mulberry32(seed);
      return Uint8Array.from({ length: n }, () => (r() < p ? 1 : 0));
    };
    const hits = { a: noisy(0.7, 1), b: noisy(0.66, 2) };
    const points = calibrationPoints([run([hits])], { ...options, splits: 1 });
    const [half] = halves(n, 7919 * 1 + 0); // the benchmark's halving of run seed 1, split 0
    const oracle = rungConfidence({
      contenders: Object.entries(hits).map(([candidateId, h]) => ({
        candidateId,
        hits: Uint8Array.from(half, (i) => h[i]!),
      })),
      margin: options.margin,
      resamples: options.resamples,
      seed: 0,
    });
    for (const c of oracle.candidates)
      expect(points.find((p) => p.candidateId === c.candidateId)).toMatchObject({
        stated: c.pBest,
        population: c.pBestPopulation,
      });
    expect(points.some((p) => p.stated !== p.population)).toBe(true);
  });

  it('only the contenders the replayed bracket keeps are stated at later rungs', () => {
    const points = calibrationPoints(
      [
        run([
          { a: constant(1), b: coin, c: constant(0) },
          { a: constant(0), b: coin, c: constant(1) },
        ]),
      ],
      options,
    );
    const second = points.filter((p) => p.epochs === 2);
    expect(new Set(second.map((p) => p.candidateId))).toEqual(new Set(['a', 'b']));
    // At rung 2, b beats a on every image's half: stated and observed 1.
    for (const p of second.filter((x) => x.candidateId === 'b'))
      expect(p).toMatchObject({ stated: 1, observed: 1 });
  });
});

describe('replaceCalibrationSection', () => {
  it('replaces the section between its markers and appends it when there is none', () => {
    const section = `${CALIBRATION_BEGIN}\nnew\n${CALIBRATION_END}`;
    expect(
      replaceCalibrationSection(`head\n${CALIBRATION_BEGIN}\nold\n${CALIBRATION_END}\ntail\n`, section),
    ).toBe(`head\n${section}\ntail\n`);
    expect(replaceCalibrationSection('head\n', section)).toBe(`head\n\n${section}\n`);
  });
});
