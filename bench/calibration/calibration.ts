/**
 * Calibration of the decision's confidence (issue 20, item 2a): is a stated P(best) what happens on fresh
 * validation data? Each recorded early run's validation set is split in two halves (a seeded permutation
 * per split); a bracket is replayed on the first half (every candidate at the first rung, the best
 * `keepFraction` of the contenders by first-half accuracy on to the next), and at every rung the
 * contenders' P(best) is stated from the first half's per-sample outcomes by the product's function
 * (`rungConfidence`), in both its statements: `pBest`, best on a fresh sample of the half's size (what the
 * product shows), and `pBestPopulation`, best on the population. The other half then says which contender
 * was actually best there (a shared best splits its credit, as the bootstrap does). Pure: the benchmark's
 * CLI feeds it the stored correctness bitmaps.
 */
import { rungConfidence } from '../../activities/selection/decision-confidence.js';
import { mulberry32 } from '../../activities/training/rng.js';
import { keepCount, type HalvingConfig } from '../../workflows/halving.js';

/** One recorded early run: per evaluation (rung), every candidate's outcomes on the same validation images. */
export interface OutcomeRun {
  zoo: string;
  seed: number;
  rungs: { epochs: number; hits: Map<string, Uint8Array> }[];
}

/** One stated probability and what the held-out half showed. */
export interface CalibrationPoint {
  zoo: string;
  seed: number;
  epochs: number;
  split: number;
  candidateId: string;
  /**
   * P(best) the product states from the first half (`pBest`): best on a fresh half of the same size, by a
   * two-level bootstrap (the population's uncertainty plus the fresh half's own noise).
   */
  stated: number;
  /** P(best on the validation population) from the first half (`pBestPopulation`, one-level bootstrap). */
  population: number;
  /** 1 when it was the best on the second half (1/k when k shared the best), else 0. */
  observed: number;
}

export interface CalibrationOptions {
  /** Random halvings of each run's validation set. */
  splits: number;
  /** The bracket's keep fraction (who goes on to the next rung). */
  keepFraction: number;
  margin: Pick<HalvingConfig, 'z' | 'minGap'>;
  /** Bootstrap resamples per stated probability. */
  resamples: number;
}

const accuracyOn = (hits: Uint8Array, rows: readonly number[]): number =>
  rows.reduce((s, i) => s + hits[i]!, 0) / rows.length;

/** A seeded random halving of `n` indices. */
export function halves(n: number, seed: number): [number[], number[]] {
  const order = Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const half = Math.floor(n / 2);
  return [order.slice(0, half).sort((a, b) => a - b), order.slice(half).sort((a, b) => a - b)];
}

/** Every stated probability of one run under one halving, rung by rung of the replayed bracket. */
function splitPoints(run: OutcomeRun, split: number, options: CalibrationOptions): CalibrationPoint[] {
  const n = run.rungs[0]!.hits.values().next().value!.length;
  const [stateHalf, checkHalf] = halves(n, 7919 * run.seed + split);
  let contenders = [...run.rungs[0]!.hits.keys()];
  const points: CalibrationPoint[] = [];
  for (const rung of run.rungs) {
    if (contenders.length < 2) break;
    const on = (rows: number[]) => contenders.map((id) => accuracyOn(rung.hits.get(id)!, rows));
    const confidence = rungConfidence({
      contenders: contenders.map((id) => ({
        candidateId: id,
        hits: stateHalf.map((i) => rung.hits.get(id)![i]!),
      })),
      margin: options.margin,
      resamples: options.resamples,
      seed: split,
    });
    const held = on(checkHalf);
    const best = Math.max(...held);
    const sharing = held.filter((a) => a === best).length;
    for (const c of confidence.candidates)
      points.push({
        zoo: run.zoo,
        seed: run.seed,
        epochs: rung.epochs,
        split,
        candidateId: c.candidateId,
        stated: c.pBest,
        population: c.pBestPopulation,
        observed: held[contenders.indexOf(c.candidateId)] === best ? 1 / sharing : 0,
      });
    const stated = on(stateHalf);
    const keep = keepCount(contenders.length, options.keepFraction);
    contenders = contenders
      .map((id, k) => ({ id, a: stated[k]! }))
      .sort((x, y) => y.a - x.a)
      .slice(0, keep)
      .map((x) => x.id);
  }
  return points;
}

/** Every stated probability of every run under `options.splits` halvings. */
export function calibrationPoints(
  runs: readonly OutcomeRun[],
  options: CalibrationOptions,
): CalibrationPoint[] {
  return runs.flatMap((run) =>
    Array.from({ length: options.splits }, (_, s) => splitPoints(run, s, options)).flat(),
  );
}

/** One bin of the reliability table. */
export interface ReliabilityBin {
  /** Stated probabilities in [lo, hi) (the last bin includes 1). */
  lo: number;
  hi: number;
  count: number;
  /** Means over the bin's points; null when it is empty. */
  stated: number | null;
  observed: number | null;
}

/** Equal-width bins of the stated probability, with the mean stated and mean observed in each. */
export function reliabilityBins(
  points: readonly Pick<CalibrationPoint, 'stated' | 'observed'>[],
  bins = 10,
): ReliabilityBin[] {
  const out: ReliabilityBin[] = Array.from({ length: bins }, (_, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    count: 0,
    stated: 0,
    observed: 0,
  }));
  for (const p of points) {
    const bin = out[Math.min(bins - 1, Math.floor(p.stated * bins))]!;
    bin.count += 1;
    bin.stated! += p.stated;
    bin.observed! += p.observed;
  }
  return out.map((b) =>
    b.count === 0
      ? { ...b, stated: null, observed: null }
      : { ...b, stated: b.stated! / b.count, observed: b.observed! / b.count },
  );
}

/** Whether every bin holding at least `minCount` points has |stated − observed| ≤ `tolerance`. */
export function calibrationGoalMet(bins: readonly ReliabilityBin[], minCount = 30, tolerance = 0.1): boolean {
  return bins.every((b) => b.count < minCount || Math.abs(b.stated! - b.observed!) <= tolerance + 1e-12);
}
