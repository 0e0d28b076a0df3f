/**
 * `npm run bench:train [-- --json] [--backends wasm,cpu] [--seconds 2] [--python PATH]`
 *
 * Training throughput of TF.js on each available backend, batch 64 of 28×28×1 images, 5 classes:
 * - probe: the MLP alone on 128-d features (dense 256-128-64 + softmax head), training steps;
 * - frozen: small CNN backbone forward once over 640 images, then one probe epoch over the features
 *   (the `frozen` mode's first epoch; later epochs run at the probe's rate);
 * - finetune: backbone + probe, everything trainable;
 * - the snapshot overhead: reading the probe's kernels (dataSync) and encoding them as safetensors, as a
 *   fraction of one probe step and of one finetune step;
 * - the replacement kernels against the backend's own (cpu Conv2DBackpropFilter and
 *   DepthwiseConv2dNativeBackpropFilter, wasm Conv2DBackpropInput and transposed BatchMatMul) on the
 *   small CNN's and a MobileNet-style layer's shapes;
 * - peak RSS; and, whenever a Python here imports `torch` (the project venv, `python3` on PATH, or
 *   Debian's `/usr/bin/python3` with `python3-torch`; `--python` picks one), the same CNN's finetune
 *   rate in PyTorch on this machine (1 thread, like TF.js wasm, and all threads) as a ratio.
 * Rates are steps over at least `--seconds` of wall time after warm-up; ratios come from this one run.
 */
import { Command } from 'commander';
import { parseEntryArgs, runEntryMain } from '../scripts/entry-args.js';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { LayersModel, NamedAttrMap, Optimizer, Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import { encodeFloat32Safetensors, type TensorInput } from '../activities/formats/safetensors.js';
import {
  isReplacementKernel,
  registerGradientKernels,
  restoreOriginalKernels,
} from '../activities/tf/kernels/register-gradient-kernels.js';
import { TF_BACKENDS, startTfRuntime, type Tf, type TfBackendName } from '../activities/tf/runtime.js';
import { makeToyImages } from '../test/support/toy-data.js';
import { buildProbeMlp, buildToyConvNet, stackModels } from '../test/support/toy-models.js';
import { projectRoot } from '../scripts/dev/tools.js';
import { findTorchPython, TORCH_PYTHONS, type TorchPython } from './torch-python.js';

const BATCH = 64;
const CLASSES = 5;
const FEATURES = 128;
const FROZEN_SAMPLES = 640;

/** The command line of `npm run bench:train`. */
function trainCommand(): Command {
  return new Command('npm run bench:train')
    .usage('-- [--json] [--backends wasm,cpu] [--seconds 2] [--python PATH]')
    .description('Training throughput per TF.js backend, snapshot overhead, peak RSS, and a PyTorch anchor')
    .option(
      '--backends <list>',
      `TF.js backends to measure (default every one that starts: ${TF_BACKENDS.join(', ')})`,
    )
    .option('--seconds <s>', 'wall time per measured rate, after warm-up', '2')
    .option(
      '--python <path>',
      `the Python for the PyTorch anchor (default the first that imports torch of ${TORCH_PYTHONS.join(', ')}); without one the anchor is reported unavailable`,
    )
    .option('--json', 'print the figures as JSON');
}

const USAGE = trainCommand().helpInformation().trimEnd();

interface BenchOptions {
  help: boolean;
  json: boolean;
  backends: TfBackendName[] | undefined;
  seconds: number;
  /** The Python for the PyTorch anchor. @default the first of {@link TORCH_PYTHONS} that imports torch */
  python: string | undefined;
}

interface BackendRow {
  backend: TfBackendName;
  /** Probe-only training, samples/s. */
  probeSamplesPerSecond: number;
  /** Backbone inference, samples/s. */
  forwardSamplesPerSecond: number;
  /** Frozen mode, first epoch: forward once + one probe epoch, samples/s. */
  frozenSamplesPerSecond: number;
  /** Backbone + probe training, samples/s. */
  finetuneSamplesPerSecond: number;
  /** One snapshot (read probe kernels + encode), milliseconds. */
  snapshotMs: number;
  snapshotBytes: number;
  /** Snapshot time / probe step time. */
  snapshotOverProbeStep: number;
  /** Snapshot time / finetune step time. */
  snapshotOverFinetuneStep: number;
  /** Process peak RSS after this backend's runs, MiB (cumulative over the process). */
  peakRssMiB: number;
}

interface KernelRow {
  backend: string;
  kernel: string;
  shape: string;
  originalMs: number;
  replacementMs: number;
  /** originalMs / replacementMs. */
  speedup: number;
}

interface TorchResult {
  version: string;
  threads: number;
  samplesPerSecond: number;
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const { options: values, help } = parseEntryArgs<{
    backends?: string;
    seconds: string;
    python?: string;
    json?: boolean;
  }>(trainCommand(), argv);
  let backends: TfBackendName[] | undefined;
  if (values.backends !== undefined) {
    const names = values.backends.split(',');
    for (const name of names) {
      if (!(TF_BACKENDS as readonly string[]).includes(name))
        throw new Error(`unknown backend ${name}: use ${TF_BACKENDS.join(',')}`);
    }
    backends = names as TfBackendName[];
  }
  const options: BenchOptions = {
    help: help !== undefined,
    json: values.json ?? false,
    backends,
    seconds: Number(values.seconds),
    python: values.python,
  };
  if (!(options.seconds > 0)) throw new Error('--seconds must be positive');
  return options;
}

/** Runs `step` (one batch) for at least `seconds` and 3 steps after `warmup` steps; returns steps/s. */
function stepsPerSecond(step: () => void, seconds: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) step();
  let steps = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000 || steps < 3) {
    step();
    steps++;
    elapsed = performance.now() - start;
  }
  return (steps * 1000) / elapsed;
}

function trainStep(tf: Tf, model: LayersModel, optimizer: Optimizer, xs: Tensor, labels: Tensor): () => void {
  return () => {
    const cost = tf.tidy(() =>
      optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, model.apply(xs, { training: true }) as Tensor),
        true,
      )!,
    );
    cost.dataSync();
    cost.dispose();
  };
}

function snapshotProbe(probe: LayersModel): Uint8Array {
  const tensors: Record<string, TensorInput> = {};
  probe.layers
    .filter((layer) => layer.getClassName() === 'Dense')
    .forEach((layer, l) => {
      const kernel = layer.getWeights()[0]!;
      tensors[`ncp.${l}.kernel`] = { shape: kernel.shape, data: kernel.dataSync() as Float32Array };
    });
  return encodeFloat32Safetensors(tensors, { step: '0' });
}

function benchBackend(tf: Tf, backend: TfBackendName, seconds: number): BackendRow {
  const data = makeToyImages({ count: FROZEN_SAMPLES, shape: [28, 28, 1], classes: CLASSES, seed: 3 });
  const images = tf.tensor4d(data.images, data.shape);
  const labels = tf.oneHot(tf.tensor1d(data.labels, 'int32'), CLASSES);
  const batchImages = tf.slice(images, [0, 0, 0, 0], [BATCH, 28, 28, 1]);
  const batchLabels = tf.slice(labels, [0, 0], [BATCH, CLASSES]);

  // (a) probe alone on random 128-d features.
  const probe = buildProbeMlp(tf, { inputDim: FEATURES, classes: CLASSES, seed: 1 });
  const features = tf.randomNormal([BATCH, FEATURES], 0, 1, 'float32', 7);
  const probeOptimizer = tf.train.adam(1e-3);
  const probeRate = stepsPerSecond(trainStep(tf, probe, probeOptimizer, features, batchLabels), seconds, 5);

  // Snapshot: the probe's kernels read back and encoded, as the training loop does every k steps.
  let snapshotBytes = 0;
  const snapshotRate = stepsPerSecond(
    () => {
      snapshotBytes = snapshotProbe(probe).byteLength;
    },
    Math.min(seconds, 0.5),
    3,
  );

  // (b) frozen: backbone forward once over the data set, then one probe epoch on the cached features.
  const backbone = buildToyConvNet(tf, 'small-cnn', { featureDim: FEATURES, seed: 2 });
  const forwardRate = stepsPerSecond(
    () => tf.tidy(() => (backbone.predict(batchImages) as Tensor).dataSync()),
    seconds,
    1,
  );
  const frozenProbe = buildProbeMlp(tf, { inputDim: FEATURES, classes: CLASSES, seed: 1 });
  const frozenOptimizer = tf.train.adam(1e-3);
  const frozenStart = performance.now();
  const cached = backbone.predict(images, { batchSize: BATCH }) as Tensor2D;
  cached.dataSync();
  for (let start = 0; start < FROZEN_SAMPLES; start += BATCH) {
    const size = Math.min(BATCH, FROZEN_SAMPLES - start);
    const x = tf.slice(cached, [start, 0], [size, FEATURES]);
    const y = tf.slice(labels, [start, 0], [size, CLASSES]);
    trainStep(tf, frozenProbe, frozenOptimizer, x, y)();
    tf.dispose([x, y]);
  }
  const frozenRate = FROZEN_SAMPLES / ((performance.now() - frozenStart) / 1000);

  // (c) finetune: backbone + probe, all trainable.
  const full = stackModels(
    tf,
    buildToyConvNet(tf, 'small-cnn', { featureDim: FEATURES, seed: 2 }),
    buildProbeMlp(tf, { inputDim: FEATURES, classes: CLASSES, seed: 1 }),
  );
  const fullOptimizer = tf.train.adam(1e-3);
  const finetuneRate = stepsPerSecond(
    trainStep(tf, full, fullOptimizer, batchImages, batchLabels),
    seconds,
    1,
  );

  const row: BackendRow = {
    backend,
    probeSamplesPerSecond: probeRate * BATCH,
    forwardSamplesPerSecond: forwardRate * BATCH,
    frozenSamplesPerSecond: frozenRate,
    finetuneSamplesPerSecond: finetuneRate * BATCH,
    snapshotMs: 1000 / snapshotRate,
    snapshotBytes,
    snapshotOverProbeStep: probeRate / snapshotRate,
    snapshotOverFinetuneStep: finetuneRate / snapshotRate,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  for (const optimizer of [probeOptimizer, frozenOptimizer, fullOptimizer]) optimizer.dispose();
  for (const model of [probe, backbone, frozenProbe, full]) model.dispose();
  tf.dispose([images, labels, batchImages, batchLabels, features, cached]);
  return row;
}

/** Times one kernel call (fastest of `repeats`), with the backend's own kernel and with ours. */
function benchKernel(
  tf: Tf,
  backend: string,
  kernel: string,
  inputs: Record<string, Tensor>,
  attrs: object,
  repeats: number,
): KernelRow | undefined {
  if (!isReplacementKernel(tf, kernel, backend)) return undefined;
  const time = (runs: number) => {
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const out = tf.engine().runKernel(kernel, inputs, attrs as NamedAttrMap) as Tensor;
      out.dataSync();
      best = Math.min(best, performance.now() - start);
      out.dispose();
    }
    return best;
  };
  time(1); // warm-up (the first call sets up operators)
  const replacementMs = time(repeats);
  restoreOriginalKernels(tf, backend);
  let originalMs: number;
  try {
    if (tf.getKernel(kernel, backend) === undefined) return undefined;
    if (repeats > 1) time(1);
    originalMs = time(repeats);
  } finally {
    registerGradientKernels(tf, backend);
  }
  const shape = Object.entries(inputs)
    .map(([name, t]) => `${name} [${t.shape.join(',')}]`)
    .join(' ');
  return { backend, kernel, shape, originalMs, replacementMs, speedup: originalMs / replacementMs };
}

function benchKernels(tf: Tf, backend: string): KernelRow[] {
  const rows: (KernelRow | undefined)[] = [];
  // The small CNN's second convolution: x [64,14,14,16], 3×3 → 32, same.
  const x = tf.randomNormal([BATCH, 14, 14, 16], 0, 1, 'float32', 1) as Tensor4D;
  const dy = tf.randomNormal([BATCH, 14, 14, 32], 0, 1, 'float32', 2) as Tensor4D;
  const filter = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 3) as Tensor4D;
  // A MobileNet-style depthwise layer: x [16,28,28,32], 3×3, multiplier 1, same.
  const dwX = tf.randomNormal([16, 28, 28, 32], 0, 1, 'float32', 4) as Tensor4D;
  const dwDy = tf.randomNormal([16, 28, 28, 32], 0, 1, 'float32', 5) as Tensor4D;
  // The dense-layer gradient dW = xᵀ·dy of the small CNN's 1568 → 128 layer.
  const dense = tf.randomNormal([BATCH, 1568], 0, 1, 'float32', 6);
  const denseDy = tf.randomNormal([BATCH, 128], 0, 1, 'float32', 7);
  const repeats = backend === 'cpu' ? 1 : 5;
  rows.push(
    benchKernel(
      tf,
      backend,
      'BatchMatMul',
      { a: dense, b: denseDy },
      { transposeA: true, transposeB: false },
      repeats,
    ),
    benchKernel(
      tf,
      backend,
      'Conv2DBackpropFilter',
      { x, dy },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 16, 32] },
      repeats,
    ),
    benchKernel(
      tf,
      backend,
      'Conv2DBackpropInput',
      { dy, filter },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [BATCH, 14, 14, 16] },
      repeats,
    ),
    benchKernel(
      tf,
      backend,
      'DepthwiseConv2dNativeBackpropFilter',
      { x: dwX, dy: dwDy },
      { strides: 1, dilations: 1, pad: 'same', filterShape: [3, 3, 32, 1] },
      repeats,
    ),
  );
  tf.dispose([x, dy, filter, dwX, dwDy, dense, denseDy]);
  return rows.filter((row): row is KernelRow => row !== undefined);
}

const TORCH_SCRIPT = `
import json, sys, time
import torch, torch.nn as nn
threads, seconds = int(sys.argv[1]), float(sys.argv[2])
torch.manual_seed(0)
torch.set_num_threads(threads)
net = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(),
    nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 5))
opt = torch.optim.Adam(net.parameters(), 1e-3)
x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 5, (64,))
loss_fn = nn.CrossEntropyLoss()
def step():
    opt.zero_grad()
    loss = loss_fn(net(x), y)
    loss.backward()
    opt.step()
    return loss.item()
for _ in range(3):
    step()
n, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds or n < 3:
    step()
    n += 1
print(json.dumps({"version": torch.__version__, "threads": threads, "samplesPerSecond": 64 * n / (time.perf_counter() - start)}))
`;

function benchTorch(python: string, threads: number, seconds: number): TorchResult | string {
  const run = spawnSync(python, ['-c', TORCH_SCRIPT, String(threads), String(seconds)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0)
    return `PyTorch run failed: ${(run.stderr || run.error?.message || '').trim().split('\n').at(-1)}`;
  try {
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as TorchResult;
  } catch (error) {
    return `unreadable PyTorch output: ${String(error)}`;
  }
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (value: number) => `${(100 * value).toFixed(2)} %`;

/** A plain-text table; the first `textColumns` columns are left-aligned, the numbers right-aligned. */
function table(headers: string[], rows: string[][], textColumns = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const quiet = { info: () => {}, warn: () => {} };
  const log = options.json ? () => {} : (line: string) => console.error(line);
  const rows: BackendRow[] = [];
  const kernels: KernelRow[] = [];
  const skipped: string[] = [];
  let tfVersion = '';
  for (const backend of options.backends ?? TF_BACKENDS) {
    let tf: Tf;
    try {
      const runtime = await startTfRuntime({ backend, logger: quiet });
      tf = runtime.tf;
      tfVersion = runtime.version;
      log(`${runtime.description}: measuring…`);
    } catch (error) {
      skipped.push(`${backend} (${(error as Error).message.split(':')[0]})`);
      continue;
    }
    rows.push(benchBackend(tf, backend, options.seconds));
    kernels.push(...benchKernels(tf, tf.getBackend()));
  }
  const search = findTorchPython(options.python ? [options.python] : TORCH_PYTHONS, projectRoot());
  const anchor: TorchPython | undefined = search.found;
  const noTorch = `no Python here imports torch (${search.rejected.map((r) => `${r.python}: ${r.reason}`).join('; ')}); install it with \`apt-get install python3-torch\` or \`pip install torch\`, or name one with --python`;
  log(anchor ? `PyTorch anchor: ${anchor.executable} (torch ${anchor.version})` : noTorch);
  const torch = [1, availableParallelism()].map((threads) =>
    anchor ? benchTorch(anchor.python, threads, options.seconds) : noTorch,
  );
  const torchOne = typeof torch[0] === 'object' ? torch[0] : undefined;
  const best = rows.reduce<BackendRow | undefined>(
    (a, b) => (a && a.finetuneSamplesPerSecond >= b.finetuneSamplesPerSecond ? a : b),
    undefined,
  );
  const result = {
    batch: BATCH,
    input: [28, 28, 1],
    classes: CLASSES,
    tfjs: tfVersion,
    backends: rows,
    skippedBackends: skipped,
    kernels,
    pytorch: torch.map((t) =>
      typeof t === 'string' ? { unavailable: t } : { ...t, python: anchor?.executable },
    ),
    /** Best TF.js finetune rate / PyTorch's single-thread rate. */
    tfjsOverPytorch1Thread:
      best && torchOne ? best.finetuneSamplesPerSecond / torchOne.samplesPerSecond : null,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  if (options.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  console.log(
    `\nTF.js ${tfVersion} training throughput: batch ${BATCH}, 28×28×1 inputs, ${CLASSES} classes (samples/s, higher is better)`,
  );
  console.log(
    table(
      [
        'backend',
        'probe',
        'frozen ep.1',
        'backbone fwd',
        'finetune',
        'snapshot',
        'snap/probe step',
        'snap/finetune step',
        'peak RSS',
      ],
      rows.map((r) => [
        r.backend,
        fmt(r.probeSamplesPerSecond),
        fmt(r.frozenSamplesPerSecond),
        fmt(r.forwardSamplesPerSecond),
        fmt(r.finetuneSamplesPerSecond),
        `${fmt(r.snapshotMs, 2)} ms`,
        pct(r.snapshotOverProbeStep),
        pct(r.snapshotOverFinetuneStep),
        `${fmt(r.peakRssMiB)} MiB`,
      ]),
    ),
  );
  if (skipped.length > 0) console.log(`not available: ${skipped.join(', ')}`);
  console.log(
    `snapshot = read the probe's 4 kernels (dataSync) + encode safetensors (${fmt(rows[0]?.snapshotBytes ?? 0)} bytes); taken every k steps`,
  );
  console.log("\nReplacement gradient kernels vs the backend's own (fastest run, ms)");
  console.log(
    table(
      ['backend', 'kernel', 'inputs', 'own', 'ours', 'speedup'],
      kernels.map((k) => [
        k.backend,
        k.kernel,
        k.shape,
        fmt(k.originalMs, 1),
        fmt(k.replacementMs, 1),
        `${fmt(k.speedup, 1)}×`,
      ]),
      3,
    ),
  );
  console.log(
    `\nPyTorch (same CNN + probe, Adam, CPU)${anchor ? `: ${anchor.executable}, torch ${anchor.version}` : ''}`,
  );
  for (const t of torch) {
    console.log(
      typeof t === 'string'
        ? `  unavailable: ${t}`
        : `  torch ${t.version}, ${t.threads} thread${t.threads > 1 ? 's' : ''}: ${fmt(t.samplesPerSecond)} samples/s`,
    );
  }
  if (result.tfjsOverPytorch1Thread !== null && best) {
    console.log(
      `  TF.js ${best.backend} finetune / PyTorch 1 thread = ${fmt(result.tfjsOverPytorch1Thread, 2)}`,
    );
  }
  console.log(`\npeak RSS ${fmt(result.peakRssMiB)} MiB`);
  return 0;
}

runEntryMain(main);
