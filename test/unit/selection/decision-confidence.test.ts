import { describe, expect, it } from 'vitest';
import { accuracyShrinkage } from '../../../activities/selection/accuracy-shrinkage.js';
import { rungConfidence, type ContenderOutcomes } from '../../../activities/selection/decision-confidence.js';
import { mulberry32 } from '../../../activities/training/rng.js';
import { normalCdf } from '../../support/normal-cdf.js';

const margin = { z: 2, minGap: 0 };

/** Outcomes of `k` correlated contenders on `n` images: a shared difficulty plus each one's skill. */
function outcomes(n: number, skills: number[], seed: number, correlation = 0.7): ContenderOutcomes[] {
  const random = mulberry32(seed);
  const shared = Array.from({ length: n }, () => random());
  return skills.map((skill, k) => ({
    candidateId: `c${k}`,
    hits: Uint8Array.from(shared, (u) => ((random() < correlation ? u : random()) < skill ? 1 : 0)),
  }));
}

/**
 * Exact bootstrap P(best): every one of the nⁿ ordered draws, ties split equally (independent of the
 * module), each contender's score its hits in the draw plus its offset (the recentring).
 */
function exactBootstrap(columns: number[][], offsets: readonly number[]): number[] {
  const n = columns[0]!.length;
  const wins = columns.map(() => 0);
  const draw = new Array<number>(n).fill(0);
  let total = 0;
  for (;;) {
    const scores = columns.map((col, k) => draw.reduce((s, i) => s + col[i]!, 0) + offsets[k]!);
    const best = Math.max(...scores);
    const leaders = scores.filter((s) => s === best).length;
    scores.forEach((s, k) => {
      if (s === best) wins[k]! += 1 / leaders;
    });
    total++;
    let pos = 0;
    while (pos < n && ++draw[pos]! === n) draw[pos++] = 0;
    if (pos === n) break;
  }
  return wins.map((w) => w / total);
}

describe('rungConfidence', () => {
  it('states P(best on the validation population) as the exact one-level bootstrap, recentred on the shrunk accuracies, enumerated over every draw of a tiny validation set', () => {
    const columns = [
      [1, 1, 0, 1, 0, 1],
      [1, 0, 1, 1, 0, 0],
      [0, 1, 1, 1, 1, 0],
    ];
    const exact = exactBootstrap(columns, accuracyShrinkage(columns).offsets);
    const got = rungConfidence({
      contenders: columns.map((c, k) => ({ candidateId: `c${k}`, hits: Uint8Array.from(c) })),
      margin,
      resamples: 40_000,
      seed: 3,
    });
    for (const [k, p] of exact.entries())
      expect(got.candidates.find((c) => c.candidateId === `c${k}`)!.pBestPopulation).toBeCloseTo(p, 2);
  });

  it('agrees with the paired normal approximations for two contenders on many images, the gap shrunk to z − 1/z standard errors: Φ(z − 1/z) on the population, Φ((z − 1/z) / √2) on a fresh sample', () => {
    const [a, b] = outcomes(3000, [0.775, 0.745], 12);
    const got = rungConfidence({ contenders: [a!, b!], margin });
    expect(got.statement).toBe('fresh-sample');
    const leader = got.candidates[0]!;
    const other = got.candidates[1]!;
    // Empirical Bayes for two: τ² = max(0, gap²/2 − σ²/2), the gap keeps τ²/(τ² + σ²/2) = 1 − 1/z² of itself.
    const z = other.gap / other.gapSd;
    expect(z).toBeGreaterThan(1.5);
    const shrunk = z - 1 / z;
    expect(got.shrinkage).toBeCloseTo(1 / z ** 2, 12);
    expect(Math.abs(leader.pBestPopulation - normalCdf(shrunk))).toBeLessThan(0.03);
    expect(Math.abs(leader.pBest - normalCdf(shrunk / Math.SQRT2))).toBeLessThan(0.03);
    expect(leader.pBest).toBeLessThan(leader.pBestPopulation);
    expect(leader.pBest + other.pBest).toBeCloseTo(1, 12);
    expect(leader.pBestPopulation + other.pBestPopulation).toBeCloseTo(1, 12);
  });

  it('computes the paired gap and its standard error as a two-pass brute force does, and ties by the stop margin', () => {
    const contenders = outcomes(1000, [0.76, 0.75, 0.74, 0.6], 5);
    for (const stop of [margin, { z: 1, minGap: 0 }, { z: 2, minGap: 0.05 }]) {
      const got = rungConfidence({ contenders, margin: stop, resamples: 200 });
      const leader = contenders.find((c) => c.candidateId === got.leader)!;
      const n = leader.hits.length;
      for (const c of got.candidates) {
        const other = contenders.find((x) => x.candidateId === c.candidateId)!;
        const d = Array.from(leader.hits, (h, i) => h - other.hits[i]!);
        const mean = d.reduce((s, x) => s + x, 0) / n;
        const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / n / n);
        expect(c.gap).toBeCloseTo(mean, 12);
        expect(c.gapSd).toBeCloseTo(sd, 12);
        expect(c.tied).toBe(mean <= Math.max(stop.minGap, stop.z * sd));
      }
      expect(got.tieSet).toEqual(got.candidates.filter((c) => c.tied).map((c) => c.candidateId));
    }
  });

  it('uses the paired σ: correlated contenders a bracket would call tied are told apart', () => {
    // B = A with 30 of A's hits turned into misses: A leads by 3 points on every resample.
    const n = 1000;
    const a = Uint8Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0 : 1));
    const b = Uint8Array.from(a, (h, i) => (i < 40 && h ? 0 : h));
    const got = rungConfidence({
      contenders: [
        { candidateId: 'b', hits: b },
        { candidateId: 'a', hits: a },
      ],
      margin,
    });
    const gap = got.candidates[1]!.gap;
    const unpaired = Math.hypot(
      ...[a, b].map((h) => {
        const p = h.reduce((s, x) => s + x, 0) / n;
        return Math.sqrt((p * (1 - p)) / n);
      }),
    );
    expect(gap).toBeLessThan(2 * unpaired); // the unpaired margin would tie them
    expect(got.tieSet).toEqual(['a']);
    expect(got.candidates[0]!.pBest).toBe(1);
  });

  it('is calibrated on a zoo of many close contenders and few images: the leader’s stated P(best) is how often it is best on a fresh sample', () => {
    // The winner's curse: 12 contenders 1 point apart in truth, 150 images. Each trial draws a validation
    // set and a fresh one from the same contenders; the stated P(best) of the observed leader, averaged
    // over trials, must match how often that leader is best on the fresh set (a shared best split).
    const trials = 60;
    const n = 150;
    let stated = 0;
    let observed = 0;
    for (let t = 0; t < trials; t++) {
      const skills = Array.from({ length: 12 }, (_, k) => 0.7 + 0.01 * ((k * 5 + t) % 12) - 0.05);
      const both = outcomes(2 * n, skills, 100 + t);
      const validation = both.map((c) => ({ ...c, hits: Array.from(c.hits).slice(0, n) }));
      const fresh = both.map((c) =>
        Array.from(c.hits)
          .slice(n)
          .reduce((s, h) => s + h, 0),
      );
      const got = rungConfidence({ contenders: validation, margin, resamples: 500, seed: t });
      stated += got.candidates[0]!.pBest;
      const leader = validation.findIndex((c) => c.candidateId === got.leader);
      const best = Math.max(...fresh);
      observed += fresh[leader] === best ? 1 / fresh.filter((f) => f === best).length : 0;
    }
    expect(Math.abs(stated - observed) / trials).toBeLessThan(0.1);
  });

  it('does not depend on the order of the images', () => {
    const contenders = outcomes(500, [0.7, 0.69, 0.68], 2);
    const perm = Array.from({ length: 500 }, (_, i) => i);
    const random = mulberry32(9);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const permuted = contenders.map((c) => ({ ...c, hits: Uint8Array.from(perm, (i) => c.hits[i]!) }));
    expect(rungConfidence({ contenders: permuted, margin })).toEqual(rungConfidence({ contenders, margin }));
  });

  it('does not depend on the names or the order of the contenders', () => {
    const contenders = outcomes(500, [0.7, 0.69, 0.68, 0.7], 4);
    contenders.push({ candidateId: 'copy', hits: contenders[1]!.hits }); // identical columns too
    const base = rungConfidence({ contenders, margin });
    const renamed = [...contenders].reverse().map((c) => ({ ...c, candidateId: `x-${c.candidateId}` }));
    const relabeled = rungConfidence({ contenders: renamed, margin });
    for (const c of base.candidates) {
      const r = relabeled.candidates.find((x) => x.candidateId === `x-${c.candidateId}`)!;
      expect(r.pBest).toBe(c.pBest);
      expect(r.pBestPopulation).toBe(c.pBestPopulation);
      expect(r.tied).toBe(c.tied);
    }
    expect(base.candidates.reduce((s, c) => s + c.pBest, 0)).toBeCloseTo(1, 12);
    expect(base.candidates.reduce((s, c) => s + c.pBestPopulation, 0)).toBeCloseTo(1, 12);
  });

  it('rejects contenders evaluated on different numbers of images', () => {
    expect(() =>
      rungConfidence({
        contenders: [
          { candidateId: 'a', hits: new Uint8Array(10) },
          { candidateId: 'b', hits: new Uint8Array(9) },
        ],
        margin,
      }),
    ).toThrow(/same images/);
  });
});
