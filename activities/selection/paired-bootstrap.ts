/**
 * P(best) of each of K contenders from their per-sample outcomes on the same n images, by a seeded paired
 * bootstrap: every replicate scores all contenders on the same drawn images, so their correlation (they
 * tend to fail on the same hard images) is kept; a replicate whose best is shared splits its credit.
 *
 * Two statements (`PBestStatement`):
 * - `population`: best on the population the n images were drawn from. One level: each replicate draws n
 *   images with replacement; the spread of the draws is the uncertainty about the population.
 * - `fresh-sample`: best on a fresh validation sample of the same size n. Two levels: each replicate draws n
 *   images (a population like the observed one), then n images from that draw (the fresh sample), so the
 *   fresh sample's own noise is added to the population's uncertainty. This is the statement the product
 *   makes: it is the one a user can check on new data, and the one that is calibrated (`npm run
 *   bench:calibration`, calibration section of bench/selection/RESULTS.md: stated against observed on
 *   fresh halves, the population figure is over-confident, this one meets the 10-point goal).
 * Both come from the same replicates: a replicate's first draw is the population's, its second the fresh one.
 *
 * Computed in a canonical order (contenders by canonical-columns.ts, images by their outcome patterns), so
 * the result depends neither on the order of the images nor on the names or order of the contenders;
 * contenders the data cannot tell apart (a symmetry of the outcome table) get the same probability.
 */
import { mulberry32 } from '../training/rng.js';
import { canonicalColumnOrders } from './canonical-columns.js';

/** What a P(best) states: best on the validation population, or on a fresh sample of the same size. */
export const P_BEST_STATEMENTS = ['fresh-sample', 'population'] as const;
export type PBestStatement = (typeof P_BEST_STATEMENTS)[number];

export interface PairedBootstrapInput {
  /** Each contender's outcomes (1: right), all on the same images in the same order (at least one image). */
  columns: readonly ArrayLike<number>[];
  /** Replicates drawn (each serves both statements: its first draw is a population replicate). */
  resamples: number;
  /** Seed of the resampling. */
  seed: number;
}

type Counts = Record<PBestStatement, Uint32Array>;

/** The outcomes in canonical form: distinct image patterns, and each image's pattern (images sorted by it). */
interface PatternTable {
  /** Canonical position j → the contender's index in the input, per canonical order (the same table for each). */
  orders: number[][];
  /** Per distinct pattern p, the canonical positions right on it: `hitters[starts[p] .. starts[p + 1])`. */
  hitters: Uint32Array;
  starts: Uint32Array;
  /** Image slot → its pattern's index (slots sorted by pattern, so image order cannot matter). */
  slots: Uint32Array;
}

const columnKey = (hits: ArrayLike<number>): string => Array.from(hits, (h) => (h ? '1' : '0')).join('');

function patternTable(columns: readonly ArrayLike<number>[]): PatternTable {
  const keys = columns.map(columnKey);
  const n = keys[0]!.length;
  const orders = canonicalColumnOrders(keys);
  const canonical = orders[0]!;
  const patternCount = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const pattern = canonical.map((k) => keys[k]![i]).join('');
    patternCount.set(pattern, (patternCount.get(pattern) ?? 0) + 1);
  }
  const patterns = [...patternCount.keys()].sort();
  const slots = new Uint32Array(n);
  let filled = 0;
  patterns.forEach((p, index) => slots.fill(index, filled, (filled += patternCount.get(p)!)));
  const right = patterns.map((p) => [...p].flatMap((ch, j) => (ch === '1' ? [j] : [])));
  const starts = new Uint32Array(patterns.length + 1);
  right.forEach((r, p) => (starts[p + 1] = starts[p]! + r.length));
  return { orders, hitters: Uint32Array.from(right.flat()), starts, slots };
}

/**
 * One replicate's pattern counts, both levels: `first` gets n images drawn from the n slots (its counts: a
 * population replicate), `fresh` n images drawn from `first` (a fresh sample from that population).
 */
function drawReplicate(slots: Uint32Array, random: () => number, first: Uint32Array, counts: Counts): void {
  const n = slots.length;
  counts.population.fill(0);
  counts['fresh-sample'].fill(0);
  for (let i = 0; i < n; i++) counts.population[(first[i] = slots[Math.floor(random() * n)]!)]!++;
  for (let i = 0; i < n; i++) counts['fresh-sample'][first[Math.floor(random() * n)]!]!++;
}

/** Adds one replicate's credit to `wins` (canonical positions): 1 to its best, split when shared. */
function creditBest(
  { hitters, starts }: Pick<PatternTable, 'hitters' | 'starts'>,
  counts: Uint32Array,
  scores: Float64Array,
  wins: Float64Array,
): void {
  scores.fill(0);
  for (let p = 0; p < counts.length; p++) {
    const c = counts[p]!;
    if (c > 0) for (let q = starts[p]!; q < starts[p + 1]!; q++) scores[hitters[q]!]! += c;
  }
  let best = -1;
  for (const s of scores) best = Math.max(best, s);
  const leaders = scores.filter((s) => s === best).length;
  for (let j = 0; j < scores.length; j++) if (scores[j] === best) wins[j]! += 1 / leaders;
}

/** Each contender's P(best) (input order) from its canonical positions' wins, averaged over the orders. */
function perContender(orders: readonly number[][], wins: Float64Array, resamples: number): number[] {
  // One value for contenders a symmetry swaps; summed in sorted order, so the input order cannot change a bit.
  const shares = Array.from(wins, () => [] as number[]);
  for (const order of orders) order.forEach((k, j) => shares[k]!.push(wins[j]! / resamples));
  return shares.map((s) => s.sort((x, y) => x - y).reduce((sum, x) => sum + x, 0) / orders.length);
}

/** P(best) of each contender (input order) under both statements; see the module comment. */
export function pairedBootstrapPBest(input: PairedBootstrapInput): Record<PBestStatement, number[]> {
  const { columns, resamples, seed } = input;
  const table = patternTable(columns);
  const { orders, slots } = table;
  const patterns = table.starts.length - 1;
  const random = mulberry32(seed);
  const first = new Uint32Array(slots.length);
  const counts: Counts = {
    'fresh-sample': new Uint32Array(patterns),
    population: new Uint32Array(patterns),
  };
  const wins = {
    'fresh-sample': new Float64Array(columns.length),
    population: new Float64Array(columns.length),
  };
  const scores = new Float64Array(columns.length);
  for (let b = 0; b < resamples; b++) {
    drawReplicate(slots, random, first, counts);
    for (const statement of P_BEST_STATEMENTS) creditBest(table, counts[statement], scores, wins[statement]);
  }
  return {
    'fresh-sample': perContender(orders, wins['fresh-sample'], resamples),
    population: perContender(orders, wins.population, resamples),
  };
}
