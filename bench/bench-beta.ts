/**
 * `npm run bench:beta [-- --json] [--sizes 1e5,1e6] [--repeats 7] [--max-arcs 1e9] [--kernels 5]`
 *
 * Throughput of the closed-form β_eff on networks of 1e5…1e8 weights (5 square kernels), compared with
 * - the single-read floor: Σ|w| over the same Float32Arrays in a tight loop (the memory-bandwidth bound
 *   of anything that must read every weight once), and
 * - the straightforward per-arc computation over G_B (activities/capacitance/line-graph-oracle.ts), on
 *   sizes where G_B has at most `--max-arcs` arcs.
 * Times are the fastest of at least `--repeats` interleaved runs (more for sizes measured in microseconds)
 * after a warm-up: on a shared machine the minimum is the least disturbed estimate (medians are in the
 * JSON). Ratios come from this one run. The per-arc baseline runs once.
 */
import { Command } from 'commander';
import { performance } from 'node:perf_hooks';
import {
  betaEffPerArc,
  computeBetaEff,
  countLineGraphArcs,
  countWeights,
  type DenseKernel,
} from '../activities/capacitance/index.js';

interface BenchOptions {
  json: boolean;
  sizes: number[];
  repeats: number;
  maxArcs: number;
  kernels: number;
}

interface BenchRow {
  targetWeights: number;
  weights: number;
  shape: number[];
  arcs: number;
  /** Fastest closed-form run. */
  closedFormMs: number;
  closedFormMedianMs: number;
  weightsPerSecond: number;
  /** Fastest single-read run. */
  floorMs: number;
  floorMedianMs: number;
  /** closed form time / single-read floor time (goal: ≤ 3). */
  closedOverFloor: number;
  perArcMs: number | null;
  /** per-arc time / closed form time (how much faster the closed form is). */
  perArcOverClosed: number | null;
  /** |β_closed − β_perArc| / β_perArc, when the per-arc run happened. */
  relativeDifference: number | null;
  betaEff: number;
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const values = new Command('npm run bench:beta')
    .description(
      'β_eff throughput of the closed form at growing weight counts, against a per-arc implementation and a single read of the weights',
    )
    .option('--json', 'print the rows as JSON', false)
    .option('--sizes <list>', 'comma-separated weight counts, each ≥ 100', '1e5,1e6,1e7,1e8')
    .option('--repeats <n>', 'timed runs per size (the best and the median are reported)', '7')
    .option('--max-arcs <n>', 'largest line graph the per-arc baseline runs on', '1e9')
    .option('--kernels <n>', 'layers of the probed network: 4, 5 or 6', '5')
    .parse([...argv], { from: 'user' })
    .opts<{ json: boolean; sizes: string; repeats: string; maxArcs: string; kernels: string }>();
  const options: BenchOptions = {
    json: values.json,
    sizes: values.sizes.split(',').map(Number),
    repeats: Number(values.repeats),
    maxArcs: Number(values.maxArcs),
    kernels: Number(values.kernels),
  };
  if (options.sizes.some((s) => !Number.isFinite(s) || s < 100))
    throw new Error('--sizes must be numbers ≥ 100');
  if (!Number.isInteger(options.kernels) || options.kernels < 4 || options.kernels > 6)
    throw new Error('--kernels must be 4, 5 or 6');
  return options;
}

/** `count` kernels of width n×n with n chosen so the total is closest to `target`; weights uniform in [-1, 1). */
function makeNetwork(target: number, count: number, seed: number): DenseKernel[] {
  const width = Math.max(2, Math.round(Math.sqrt(target / count)));
  let state = seed >>> 0 || 1;
  const kernels: DenseKernel[] = [];
  for (let l = 0; l < count; l++) {
    const values = new Float32Array(width * width);
    for (let t = 0; t < values.length; t++) {
      // xorshift32
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      values[t] = (state >>> 0) / 2147483648 - 1;
    }
    kernels.push({ inDim: width, outDim: width, values, name: `ncp.${l}.kernel` });
  }
  return kernels;
}

/** The single-read floor: Σ|w| over every kernel, four independent accumulators. */
function sumAbsFloor(kernels: readonly DenseKernel[]): number {
  let total = 0;
  for (const { values } of kernels) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const end = values.length - (values.length % 4);
    for (let t = 0; t < end; t += 4) {
      s0 += Math.abs(values[t]!);
      s1 += Math.abs(values[t + 1]!);
      s2 += Math.abs(values[t + 2]!);
      s3 += Math.abs(values[t + 3]!);
    }
    for (let t = end; t < values.length; t++) s0 += Math.abs(values[t]!);
    total += s0 + s1 + s2 + s3;
  }
  return total;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

let sink = 0;

/** Least total time spent measuring one size, in ms. */
const MIN_MEASURE_MS = 300;

function benchSize(target: number, options: BenchOptions): BenchRow {
  const kernels = makeNetwork(target, options.kernels, 0x9e3779b9 ^ target);
  const weights = countWeights(kernels);
  const arcs = countLineGraphArcs(kernels);
  // Interleave the two measurements so drift in machine load hits both alike.
  const closed: number[] = [];
  const floor: number[] = [];
  let betaEff = NaN;
  // Small sizes run in microseconds: repeat them for at least MIN_MEASURE_MS so the minimum is meaningful.
  const started = performance.now();
  for (let r = 0; r < options.repeats || (performance.now() - started < MIN_MEASURE_MS && r < 2000); r++) {
    const c = time(() => computeBetaEff(kernels));
    closed.push(c.ms);
    betaEff = c.value.betaEff;
    const f = time(() => sumAbsFloor(kernels));
    floor.push(f.ms);
    sink += f.value;
  }
  let perArcMs: number | null = null;
  let relativeDifference: number | null = null;
  if (arcs <= options.maxArcs) {
    const p = time(() => betaEffPerArc(kernels));
    perArcMs = p.ms;
    relativeDifference = Math.abs(p.value.betaEff - betaEff) / Math.abs(p.value.betaEff);
  }
  const closedFormMs = Math.min(...closed);
  const floorMs = Math.min(...floor);
  return {
    targetWeights: target,
    weights,
    shape: [kernels[0]!.inDim, ...kernels.map((k) => k.outDim)],
    arcs,
    closedFormMs,
    closedFormMedianMs: median(closed),
    weightsPerSecond: weights / (closedFormMs / 1000),
    floorMs,
    floorMedianMs: median(floor),
    closedOverFloor: closedFormMs / floorMs,
    perArcMs,
    perArcOverClosed: perArcMs === null ? null : perArcMs / closedFormMs,
    relativeDifference,
    betaEff,
  };
}

function warmUp(options: BenchOptions): void {
  const kernels = makeNetwork(2e4, options.kernels, 7);
  for (let r = 0; r < 30; r++) {
    sink += computeBetaEff(kernels).betaEff + sumAbsFloor(kernels);
  }
  sink += betaEffPerArc(makeNetwork(2e3, options.kernels, 8)).betaEff;
}

function formatTable(rows: readonly BenchRow[]): string {
  const header = [
    'weights',
    'shape',
    'arcs',
    'closed ms',
    'weights/s',
    'floor ms',
    'closed/floor',
    'per-arc ms',
    'per-arc/closed',
  ];
  const fmt = (value: number, digits = 3): string =>
    value >= 1e5 ? value.toExponential(2) : value.toPrecision(digits);
  const body = rows.map((row) => [
    row.weights.toExponential(2),
    `${row.shape.length - 1}×[${row.shape[0]}²]`,
    row.arcs.toExponential(2),
    fmt(row.closedFormMs),
    row.weightsPerSecond.toExponential(2),
    fmt(row.floorMs),
    row.closedOverFloor.toFixed(2),
    row.perArcMs === null ? 'skipped' : fmt(row.perArcMs),
    row.perArcOverClosed === null ? '-' : row.perArcOverClosed.toFixed(0),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  return [header, ...body]
    .map((cells) => cells.map((cell, c) => cell.padStart(widths[c]!)).join('  '))
    .join('\n');
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  warmUp(options);
  const rows: BenchRow[] = [];
  for (const size of options.sizes) {
    rows.push(benchSize(size, options));
    if (!options.json) process.stderr.write(`  measured ${size.toExponential(0)} weights\n`);
  }
  if (options.json) {
    process.stdout.write(
      JSON.stringify({ node: process.version, repeats: options.repeats, rows }, null, 2) + '\n',
    );
  } else {
    process.stdout.write(
      `β_eff closed form vs single-read floor (Σ|w|) and per-arc G_B baseline; Node ${process.version}, best of ≥${options.repeats}\n`,
    );
    process.stdout.write(formatTable(rows) + '\n');
    const worst = Math.max(...rows.map((r) => r.closedOverFloor));
    process.stdout.write(`closed form within ${worst.toFixed(2)}× of the single-read floor (goal ≤ 3×)\n`);
  }
  if (sink === 42) process.stderr.write('');
}

main();
