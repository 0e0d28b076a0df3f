/**
 * How well a predicted ranking matches the true one (docs/design.md §2). Inputs are two equal-length arrays
 * of finite numbers over the same candidates: a predicted score (higher = predicted better) and the true
 * outcome (e.g. accuracy after full fine-tuning; higher = better). Correlations follow scipy.stats.
 */
import { InvalidSeriesError } from './errors.js';

function checkPair(x: readonly number[], y: readonly number[]): void {
  if (!Array.isArray(x) || !Array.isArray(y))
    throw new InvalidSeriesError('both inputs must be arrays of numbers');
  if (x.length !== y.length)
    throw new InvalidSeriesError(`inputs differ in length: ${x.length} and ${y.length}`);
  for (const [name, values] of [
    ['x', x],
    ['y', y],
  ] as const) {
    values.forEach((value, i) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidSeriesError(`${name}[${i}] must be a finite number, got ${String(value)}`);
      }
    });
  }
}

/**
 * Kendall's τ-b (ties corrected), as scipy.stats.kendalltau.
 * @returns in [-1, 1]; +1 = same order. NaN when n < 2 or either input is constant.
 */
export function kendallTau(x: readonly number[], y: readonly number[]): number {
  checkPair(x, y);
  const n = x.length;
  let concordantMinusDiscordant = 0;
  let xTies = 0;
  let yTies = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0) xTies++;
      if (dy === 0) yTies++;
      concordantMinusDiscordant += dx * dy;
    }
  }
  const total = (n * (n - 1)) / 2;
  if (total === 0 || xTies === total || yTies === total) return NaN;
  const tau = concordantMinusDiscordant / Math.sqrt(total - xTies) / Math.sqrt(total - yTies);
  return Math.min(1, Math.max(-1, tau));
}

/** Ranks 1…n, ties sharing their average rank (scipy.stats.rankdata, method 'average'). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + 1 + end) / 2;
    for (let t = start; t < end; t++) ranks[order[t]!] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Pearson's r, as scipy.stats.pearsonr (centred, normalised dot product).
 * @returns in [-1, 1]; NaN when n < 2 or either input is constant.
 */
export function pearson(x: readonly number[], y: readonly number[]): number {
  checkPair(x, y);
  const n = x.length;
  if (n < 2) return NaN;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i]!;
    meanY += y[i]!;
  }
  meanX /= n;
  meanY /= n;
  // Scale by the largest deviation first so squares cannot overflow or underflow.
  let maxX = 0;
  let maxY = 0;
  for (let i = 0; i < n; i++) {
    maxX = Math.max(maxX, Math.abs(x[i]! - meanX));
    maxY = Math.max(maxY, Math.abs(y[i]! - meanY));
  }
  if (maxX === 0 || maxY === 0) return NaN;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i]! - meanX) / maxX;
    const dy = (y[i]! - meanY) / maxY;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  return Math.min(1, Math.max(-1, sxy / Math.sqrt(sxx) / Math.sqrt(syy)));
}

/**
 * Spearman's ρ: Pearson's r of the average ranks (scipy.stats.spearmanr).
 * @returns in [-1, 1]; NaN when n < 2 or either input is constant.
 */
export function spearman(x: readonly number[], y: readonly number[]): number {
  checkPair(x, y);
  return pearson(averageRanks(x), averageRanks(y));
}

/** Hyperbolic weigher of scipy.stats.weightedtau: rank r (0 = most important) weighs 1/(r+1). */
function hyperbolic(rank: number): number {
  return 1 / (rank + 1);
}

/** Weight of a candidate (an index into x and y) given its rank. */
type Weigher = (element: number) => number;

/**
 * The candidates sorted stably by x, then y, ascending (np.lexsort((y, x))), and the hyperbolic weight of
 * each candidate's rank in the reverse order (the largest (x, y) gets rank 0).
 */
function lexicographicOrder(x: readonly number[], y: readonly number[]): { perm: number[]; weight: Weigher } {
  const n = x.length;
  const perm = x.map((_, i) => i).sort((a, b) => x[a]! - x[b]! || y[a]! - y[b]! || a - b);
  // rank[perm[n-1-i]] = i: the largest (x, y) gets rank 0.
  const rank = new Array<number>(n);
  for (let i = 0; i < n; i++) rank[perm[n - 1 - i]!] = i;
  return { perm, weight: (element) => hyperbolic(rank[element]!) };
}

/**
 * Weighted tie count over runs of consecutive `perm` entries that `differ` does not separate: each run
 * adds its total weight times (its length − 1). `first` is where the last run starts (0: all tied).
 */
function tiedWeight(
  perm: readonly number[],
  weight: Weigher,
  differ: (a: number, b: number) => boolean,
): { ties: number; first: number } {
  const n = perm.length;
  let first = 0;
  let ties = 0;
  let s = weight(perm[0]!);
  for (let i = 1; i < n; i++) {
    if (differ(perm[first]!, perm[i]!)) {
      ties += s * (i - first - 1);
      first = i;
      s = 0;
    }
    s += weight(perm[i]!);
  }
  ties += s * (n - first - 1);
  return { ties, first };
}

/** Sorts `perm` by y in place with a merge sort and returns the total weight of its exchanges. */
function weightedExchanges(perm: number[], y: readonly number[], weight: Weigher): number {
  const n = perm.length;
  let exchanges = 0;
  const temp = new Array<number>(n);
  const weigh = (offset: number, length: number): number => {
    if (length === 1) return weight(perm[offset]!);
    const length0 = length >> 1;
    const length1 = length - length0;
    const middle = offset + length0;
    let residual = weigh(offset, length0);
    const total = weigh(middle, length1) + residual;
    if (y[perm[middle - 1]!]! < y[perm[middle]!]!) return total;
    let i = 0;
    let j = 0;
    let k = 0;
    while (j < length0 && k < length1) {
      if (y[perm[offset + j]!]! <= y[perm[middle + k]!]!) {
        temp[i] = perm[offset + j]!;
        residual -= weight(temp[i]!);
        j++;
      } else {
        temp[i] = perm[middle + k]!;
        exchanges += weight(temp[i]!) * (length0 - j) + residual;
        k++;
      }
      i++;
    }
    // perm[offset+i : offset+i+length0-j] = perm[offset+j : offset+length0]; then the merged prefix.
    const rest = perm.slice(offset + j, offset + length0);
    for (let r = 0; r < rest.length; r++) perm[offset + i + r] = rest[r]!;
    for (let r = 0; r < i; r++) perm[offset + r] = temp[r]!;
    return total;
  };
  weigh(0, n);
  return exchanges;
}

/**
 * One direction of the weighted τ: ranks by decreasing (x, y) lexicographic order, additive hyperbolic
 * weights. A port of scipy's `_weightedrankedtau` (scipy/stats/_stats.pyx) with rank=None.
 */
function weightedRankedTau(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const { perm, weight } = lexicographicOrder(x, y);
  // t, u, v: weighted ties in (x, y), in x and in y (scipy's names); a last run starting at 0 means all tied.
  const { ties: t } = tiedWeight(perm, weight, (a, b) => x[a] !== x[b] || y[a] !== y[b]);
  const { ties: u, first: lastXRun } = tiedWeight(perm, weight, (a, b) => x[a] !== x[b]);
  if (lastXRun === 0) return NaN; // x is constant
  const exchanges = weightedExchanges(perm, y, weight); // perm is now sorted by y
  const { ties: v, first: lastYRun } = tiedWeight(perm, weight, (a, b) => y[a] !== y[b]);
  if (lastYRun === 0) return NaN; // y is constant

  let s = 0;
  for (let i = 0; i < n; i++) s += weight(perm[i]!);
  const tot = s * (n - 1);
  const tau = (tot - (v + u - t) - 2 * exchanges) / Math.sqrt(tot - u) / Math.sqrt(tot - v);
  return Math.min(1, Math.max(-1, tau));
}

/**
 * Weighted Kendall τ with additive hyperbolic weights (Vigna 2015), exactly as
 * `scipy.stats.weightedtau(x, y)` with default arguments: the mean of the values obtained by ranking on
 * (x, y) and on (y, x). Disagreements near the top count more.
 * @returns in [-1, 1]; NaN when n < 2 or either input is constant.
 */
export function weightedTau(x: readonly number[], y: readonly number[]): number {
  checkPair(x, y);
  if (x.length < 2) return NaN;
  return (weightedRankedTau(x, y) + weightedRankedTau(y, x)) / 2;
}

/** Indices ordered by decreasing score, ties by increasing index. */
function byScoreDescending(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * Whether the top-scored candidate (ties: the lowest index) has the best true outcome (ties in truth count
 * as hits).
 * @returns true on a hit.
 */
export function top1Hit(scores: readonly number[], truth: readonly number[]): boolean {
  checkPair(scores, truth);
  if (scores.length === 0) throw new InvalidSeriesError('top1Hit needs at least one candidate');
  return topKRegret(scores, truth, 1) === 0;
}

/**
 * Regret of picking the k top-scored candidates (ties: lowest index first): best true outcome overall
 * minus the best true outcome among the picks.
 * @returns ≥ 0 in the units of `truth`; 0 = the best candidate is among the picks (lower is better).
 */
export function topKRegret(scores: readonly number[], truth: readonly number[], k: number): number {
  checkPair(scores, truth);
  if (scores.length === 0) throw new InvalidSeriesError('topKRegret needs at least one candidate');
  if (!Number.isInteger(k) || k < 1)
    throw new InvalidSeriesError(`k must be a positive integer, got ${String(k)}`);
  const picks = byScoreDescending(scores).slice(0, k);
  const bestPicked = Math.max(...picks.map((i) => truth[i]!));
  return Math.max(...truth) - bestPicked;
}
