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
  statement: PBestStatement;
  /** Replicates drawn. */
  resamples: number;
  /** Seed of the resampling. */
  seed: number;
}

/** The outcomes in canonical form: distinct image patterns, and each image's pattern (images sorted by it). */
interface PatternTable {
  /** Canonical position j → the contender's index in the input, per canonical order (the same table for each). */
  orders: number[][];
  /** Per distinct pattern, the outcome of each contender in canonical order. */
  bits: Uint8Array[];
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
  const bits = patterns.map((p) => Uint8Array.from(p, (ch) => (ch === '1' ? 1 : 0)));
  return { orders, bits, slots };
}

/** Pattern counts of one replicate: n images drawn from the n slots (one level) or from such a draw (two). */
function drawCounts(
  slots: Uint32Array,
  statement: PBestStatement,
  random: () => number,
  counts: Uint32Array,
  first: Uint32Array,
): void {
  const n = slots.length;
  counts.fill(0);
  if (statement === 'population') {
    for (let i = 0; i < n; i++) counts[slots[Math.floor(random() * n)]!]!++;
    return;
  }
  for (let i = 0; i < n; i++) first[i] = slots[Math.floor(random() * n)]!;
  for (let i = 0; i < n; i++) counts[first[Math.floor(random() * n)]!]!++;
}

/** Adds one replicate's credit to `wins` (canonical positions): 1 to its best, split when shared. */
function creditBest(
  bits: readonly Uint8Array[],
  counts: Uint32Array,
  scores: Float64Array,
  wins: Float64Array,
) {
  scores.fill(0);
  for (let p = 0; p < bits.length; p++)
    if (counts[p]! > 0) for (let j = 0; j < scores.length; j++) if (bits[p]![j]) scores[j]! += counts[p]!;
  let best = -1;
  for (const s of scores) best = Math.max(best, s);
  const leaders = scores.filter((s) => s === best).length;
  for (let j = 0; j < scores.length; j++) if (scores[j] === best) wins[j]! += 1 / leaders;
}

/** P(best) of each contender (input order) under `statement`; see the module comment. */
export function pairedBootstrapPBest(input: PairedBootstrapInput): number[] {
  const { columns, statement, resamples, seed } = input;
  const { orders, bits, slots } = patternTable(columns);
  const random = mulberry32(seed);
  const wins = new Float64Array(columns.length);
  const counts = new Uint32Array(bits.length);
  const first = new Uint32Array(statement === 'population' ? 0 : slots.length);
  const scores = new Float64Array(columns.length);
  for (let b = 0; b < resamples; b++) {
    drawCounts(slots, statement, random, counts, first);
    creditBest(bits, counts, scores, wins);
  }
  // Each contender's mean over the canonical orders: one value for contenders a symmetry swaps (summed in
  // sorted order, so the input order cannot change a bit of it).
  const shares = columns.map(() => [] as number[]);
  for (const order of orders) order.forEach((k, j) => shares[k]!.push(wins[j]! / resamples));
  const pBest = shares.map((s) => s.sort((x, y) => x - y).reduce((sum, x) => sum + x, 0) / orders.length);
  return pBest;
}
