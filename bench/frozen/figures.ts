/**
 * The pure arithmetic and text of `npm run bench:frozen`: a candidate's wall time split into feature
 * extraction, probe training, scoring and the rest; extraction rates of ncap against the network's own
 * runtime from alternating timed rounds (medians), their ratio per candidate and per format; the tables.
 */
import { median } from '../history-profile.js';

export { median };

/** What `result.json` records of a frozen candidate's time (`timing`), and the wall time around the call. */
export interface TimingRecord {
  featureSeconds: number;
  trainSeconds: number;
  scoringSeconds?: number;
}

/** A candidate's wall time, split; `otherSeconds` is what none of the three covers (loading, writing). */
export interface WallSplit {
  wallSeconds: number;
  featureSeconds: number;
  trainSeconds: number;
  scoringSeconds: number;
  otherSeconds: number;
}

/** Splits `wallSeconds` by a result's timing; the rest (never below 0: clocks differ by rounding) is `other`. */
export function splitWall(wallSeconds: number, timing: TimingRecord): WallSplit {
  const scoringSeconds = timing.scoringSeconds ?? 0;
  const counted = timing.featureSeconds + timing.trainSeconds + scoringSeconds;
  return {
    wallSeconds,
    featureSeconds: timing.featureSeconds,
    trainSeconds: timing.trainSeconds,
    scoringSeconds,
    otherSeconds: Math.max(0, wallSeconds - counted),
  };
}

/**
 * Timed rounds of one candidate: round `i` ran the batch `repeats` times through ncap and as often by the
 * runtime alone (one after the other), and the preprocessing of the batch once; wall and CPU seconds
 * (the process's user + system time, every thread: steadier than wall time on a loaded machine).
 */
export interface ExtractionRounds {
  /** Images per batch. */
  batch: number;
  /** Batches per round, so a round of a small network lasts long enough to time. */
  repeats: number;
  ncapSeconds: number[];
  runtimeSeconds: number[];
  ncapCpuSeconds: number[];
  runtimeCpuSeconds: number[];
  /** Per batch. */
  preprocessSeconds: number[];
}

export interface ExtractionFigures {
  ncapImagesPerSecond: number;
  runtimeImagesPerSecond: number;
  preprocessImagesPerSecond: number;
  /**
   * The overhead ncap adds in wall time: the median over rounds of the round's ncap time over its runtime
   * time (1 = none; the goal is ≤ 1.2). Pairing the two runs of a round cancels most of a load change.
   */
  ratio: number;
  /** The same in CPU time. */
  cpuRatio: number;
  /** The runtime alone's median wall and CPU seconds per batch (what a format's summary weighs by). */
  runtimeBatchSeconds: number;
  runtimeBatchCpuSeconds: number;
}

/** The median over rounds of `a[i] / b[i]`. */
export const pairedRatio = (a: readonly number[], b: readonly number[]): number =>
  median(a.slice(0, b.length).map((x, i) => x / b[i]!));

/** Rates from the median round times, and the paired ratios. */
export function extractionFigures(rounds: ExtractionRounds): ExtractionFigures {
  const images = rounds.batch * rounds.repeats;
  return {
    ncapImagesPerSecond: images / median(rounds.ncapSeconds),
    runtimeImagesPerSecond: images / median(rounds.runtimeSeconds),
    preprocessImagesPerSecond: rounds.batch / median(rounds.preprocessSeconds),
    ratio: pairedRatio(rounds.ncapSeconds, rounds.runtimeSeconds),
    cpuRatio: pairedRatio(rounds.ncapCpuSeconds, rounds.runtimeCpuSeconds),
    runtimeBatchSeconds: median(rounds.runtimeSeconds) / rounds.repeats,
    runtimeBatchCpuSeconds: median(rounds.runtimeCpuSeconds) / rounds.repeats,
  };
}

/** Batches per round: enough for `minSeconds` at the warm-up's pace (at least 1). */
export const repeatsFor = (warmupSeconds: number, minSeconds: number): number =>
  Math.max(1, Math.ceil(minSeconds / Math.max(warmupSeconds, 1e-6)));

/**
 * Which contender runs first in timed round `round` (0-based): they alternate, so a drift in machine load
 * during a round pair does not always fall on the same one.
 */
export const roundOrder = (round: number): readonly ['ncap', 'runtime'] | readonly ['runtime', 'ncap'] =>
  round % 2 === 0 ? (['ncap', 'runtime'] as const) : (['runtime', 'ncap'] as const);

/** One format's extraction over its candidates, one batch each. */
export interface FormatSummary {
  format: string;
  candidates: number;
  /** Images of one batch per candidate over the sum of the candidates' median batch times. */
  ncapImagesPerSecond: number;
  runtimeImagesPerSecond: number;
  /**
   * The candidates' paired ratios weighted by the runtime's time per batch: the extra time a sweep of these
   * candidates spends in ncap's extraction (a slow network weighs as it costs). Wall and CPU time.
   */
  ratio: number;
  cpuRatio: number;
  /** The largest per-candidate paired ratio, wall and CPU. */
  worstRatio: number;
  worstCpuRatio: number;
}

const weighted = (pairs: readonly [value: number, weight: number][]): number =>
  pairs.reduce((s, [v, w]) => s + v * w, 0) / pairs.reduce((s, [, w]) => s + w, 0);

/** Per format, in order of first appearance. */
export function summariseFormats(
  rows: readonly { format: string; batch: number; figures: ExtractionFigures }[],
): FormatSummary[] {
  const formats = [...new Set(rows.map((r) => r.format))];
  return formats.map((format) => {
    const mine = rows.filter((r) => r.format === format).map((r) => ({ batch: r.batch, ...r.figures }));
    const images = mine.reduce((s, r) => s + r.batch, 0);
    const seconds = (rate: (r: (typeof mine)[number]) => number): number =>
      mine.reduce((s, r) => s + r.batch / rate(r), 0);
    return {
      format,
      candidates: mine.length,
      ncapImagesPerSecond: images / seconds((r) => r.ncapImagesPerSecond),
      runtimeImagesPerSecond: images / seconds((r) => r.runtimeImagesPerSecond),
      ratio: weighted(mine.map((r) => [r.ratio, r.runtimeBatchSeconds])),
      cpuRatio: weighted(mine.map((r) => [r.cpuRatio, r.runtimeBatchCpuSeconds])),
      worstRatio: Math.max(...mine.map((r) => r.ratio)),
      worstCpuRatio: Math.max(...mine.map((r) => r.cpuRatio)),
    };
  });
}

/** Largest |a − b| relative to the largest |b| (0 when both are all zero); Infinity when lengths differ. */
export function relativeDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Left-aligned first column, the others right-aligned, two spaces apart. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
