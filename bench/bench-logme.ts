/**
 * `npm run bench:logme [-- --json] [--samples 3000] [--dims 1280,2048] [--classes 10] [--old-max-dim 2048]`
 *
 * LogME time per frozen candidate: the current implementation (`activities/selection/logme.ts`: float64
 * Gram and the tridiagonalisation's rank-2 updates in WebAssembly SIMD kernels, eigenvalues and the C
 * label projections only) against the former port (plain-loop Gram, every eigenvector formed by the JAMA
 * tred2/tql2 port, `test/support/logme-jama.ts`) on the same synthetic frozen features (post-ReLU-like,
 * N × D float32, C classes shifting a few units), in one run. Prints wall and CPU milliseconds (CPU time
 * is the steadier figure on a shared machine; the load average is printed), the current one's wall time
 * per phase (input and class sums, Gram, eigen, evidence), the Gram alone on one thread and with its
 * helper thread (wall time and ratio), the old/new ratio and |Δ| between the two scores. The former port
 * runs only for D ≤ `--old-max-dim` (it takes minutes at D = 2048).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { gram } from '../activities/linalg/gram.js';
import { logme, type LogmeTimings } from '../activities/selection/logme.js';
import { mulberry32 } from '../activities/training/rng.js';
import { logmeJama } from '../test/support/logme-jama.js';

interface BenchOptions {
  json: boolean;
  samples: number;
  dims: number[];
  classes: number;
  oldMaxDim: number;
}

interface Timing {
  wallMs: number;
  cpuMs: number;
  value: number;
}

interface BenchRow {
  samples: number;
  dim: number;
  classes: number;
  current: Timing;
  /** The current implementation's wall milliseconds per phase. */
  phases: LogmeTimings;
  /** FᵀF alone on this thread and with the helper thread: wall milliseconds. */
  gramThreads: { oneMs: number; twoMs: number };
  former: Timing | null;
  /** former / current, by wall time. */
  wallRatio: number | null;
  /** former / current, by CPU time. */
  cpuRatio: number | null;
  absDifference: number | null;
}

const USAGE =
  'usage: bench:logme [-- --json] [--samples N] [--dims D1,D2] [--classes C] [--old-max-dim D]\n' +
  '  --samples      feature rows N (default 3000)\n' +
  '  --dims         feature widths D, comma-separated (default 1280,2048)\n' +
  '  --classes      label classes C (default 10)\n' +
  '  --old-max-dim  run the former port only up to this D (default 2048)\n' +
  '  --json         print the rows as JSON';

function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    json: false,
    samples: 3000,
    dims: [1280, 2048],
    classes: 10,
    oldMaxDim: 2048,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--json') options.json = true;
    else if (arg === '--samples') options.samples = Number(value());
    else if (arg === '--dims') options.dims = value().split(',').map(Number);
    else if (arg === '--classes') options.classes = Number(value());
    else if (arg === '--old-max-dim') options.oldMaxDim = Number(value());
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const positive = (n: number): boolean => Number.isInteger(n) && n >= 2;
  if (!positive(options.samples)) throw new Error('--samples must be an integer ≥ 2');
  if (!options.dims.every(positive)) throw new Error('--dims must be integers ≥ 2, e.g. --dims 1280,2048');
  if (!positive(options.classes) || options.classes > options.samples)
    throw new Error('--classes must be an integer in [2, samples]');
  if (!Number.isFinite(options.oldMaxDim)) throw new Error('--old-max-dim must be a number');
  return options;
}

/** Non-negative features (as after a ReLU and pooling) where class c lifts every C-th unit. */
function makeFeatures(n: number, d: number, classes: number, seed: number) {
  const random = mulberry32(seed);
  const labels = Int32Array.from({ length: n }, (_, r) => r % classes);
  const features = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < d; c++) {
      const signal = c % classes === labels[r] ? 0.4 : 0;
      features[r * d + c] = Math.max(0, random() - 0.45 + signal + 0.2 * random() * ((c % 7) / 7));
    }
  }
  return { features, labels };
}

function timed(run: () => number): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = run();
  const wallMs = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (user + system) / 1000, value };
}

function measure(options: BenchOptions, dim: number): BenchRow {
  const { samples: n, classes } = options;
  const { features, labels } = makeFeatures(n, dim, classes, dim);
  const phases: LogmeTimings = { prepareMs: 0, gramMs: 0, eigenMs: 0, evidenceMs: 0 };
  const current = timed(() => logme(features, n, dim, labels, phases));
  const gramWall = (threads: 1 | 2): number =>
    timed(() => gram({ rows: features, count: dim, length: n, transposed: true, threads })[0]!).wallMs;
  const gramThreads = { oneMs: gramWall(1), twoMs: gramWall(2) };
  const former = dim <= options.oldMaxDim ? timed(() => logmeJama(features, n, dim, labels)) : null;
  return {
    samples: n,
    dim,
    classes,
    current,
    phases,
    gramThreads,
    former,
    wallRatio: former ? former.wallMs / current.wallMs : null,
    cpuRatio: former ? former.cpuMs / current.cpuMs : null,
    absDifference: former ? Math.abs(former.value - current.value) : null,
  };
}

function formatRow(row: BenchRow): string {
  const ms = (t: Timing): string => `${t.wallMs.toFixed(0)} ms wall, ${t.cpuMs.toFixed(0)} ms CPU`;
  const { prepareMs, gramMs, eigenMs, evidenceMs } = row.phases;
  const split = [prepareMs, gramMs, eigenMs, evidenceMs].map((t) => t.toFixed(0)).join(' / ');
  const { oneMs, twoMs } = row.gramThreads;
  const head =
    `N=${row.samples} D=${row.dim} C=${row.classes}: new ${ms(row.current)} ` +
    `(input / Gram / eigen / evidence: ${split} ms wall; Gram alone on 1 / 2 threads: ` +
    `${oneMs.toFixed(0)} / ${twoMs.toFixed(0)} ms wall, ${(oneMs / twoMs).toFixed(2)}×)`;
  if (!row.former) return `${head}; former port skipped (--old-max-dim)`;
  return (
    `${head}; former ${ms(row.former)}; ratio ${row.wallRatio!.toFixed(1)}× wall, ` +
    `${row.cpuRatio!.toFixed(1)}× CPU; |Δ LogME| ${row.absDifference!.toExponential(1)}`
  );
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const rows: BenchRow[] = [];
  for (const dim of options.dims) {
    const row = measure(options, dim);
    rows.push(row);
    if (!options.json) console.log(`${formatRow(row)} (load average ${loadavg()[0]!.toFixed(1)})`);
  }
  if (options.json) console.log(JSON.stringify({ loadAverage: loadavg()[0], rows }, null, 2));
}

main();
