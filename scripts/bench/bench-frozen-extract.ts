/**
 * `npm run bench:frozen-extract [-- --json] [--size 96] [--batch 64] [--seconds 5] [--backend tfjs-node] [--python PATH]`
 *
 * Frozen feature extraction in images/s for one network in two formats, in one run: ResNet-18 (seeded
 * random weights, BatchNorm folded) as an ONNX file run by onnxruntime-node (CPU provider) and as a TF.js
 * GraphModel on a TF.js backend, both through ncap's own extractors (input layout, batching, pooling) on
 * the same batches. Prints each rate, their ratio and how closely the two outputs agree. The two files are
 * written once by scripts/bench/export-resnet18.py into `.ncap/bench/frozen-extract/` (needs a Python that
 * imports torch: `apt-get install python3-torch`; `--python` picks one). Rounds alternate between the two
 * formats so a change in machine load hits both.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Tensor } from '@tensorflow/tfjs';
import {
  disposeCandidateModel,
  inferenceExtractor,
  loadCandidateModel,
  type CandidateModel,
} from '../../activities/training/candidate-model.js';
import type { Extractor } from '../../activities/training/feature-cache.js';
import { startTfRuntime, TF_BACKENDS, type Tf, type TfBackendName } from '../../activities/tf/runtime.js';
import { projectRoot } from '../dev/tools.js';
import { findTorchPython, TORCH_PYTHONS } from './torch-python.js';

const USAGE = `usage: npm run bench:frozen-extract -- [--json] [--size 96] [--batch 64] [--seconds 5] [--backend B] [--python PATH]
  --size N       input height and width (default 96)
  --batch N      images per extraction call (default 64)
  --seconds S    measured wall time per format, after warm-up, in alternating rounds (default 5)
  --backend B    TF.js backend of the GraphModel: ${TF_BACKENDS.join(', ')} (default: the first that starts)
  --python PATH  the Python that exports the models (default the first of ${TORCH_PYTHONS.join(', ')} that imports torch)
  --json         print the figures as JSON`;

interface Options {
  help: boolean;
  json: boolean;
  size: number;
  batch: number;
  seconds: number;
  backend: TfBackendName | 'auto';
  python: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    help: false,
    json: false,
    size: 96,
    batch: 64,
    seconds: 5,
    backend: 'auto',
    python: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    const positive = (): number => {
      const n = Number(value());
      if (!(n > 0)) throw new Error(`${arg} must be a positive number\n${USAGE}`);
      return n;
    };
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--size') options.size = Math.round(positive());
    else if (arg === '--batch') options.batch = Math.round(positive());
    else if (arg === '--seconds') options.seconds = positive();
    else if (arg === '--backend') {
      const b = value();
      if (!(TF_BACKENDS as readonly string[]).includes(b))
        throw new Error(`unknown --backend ${b}\n${USAGE}`);
      options.backend = b as TfBackendName;
    } else if (arg === '--python') options.python = value();
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return options;
}

/** The two files of the network, exported once per input size. */
function ensureModels(size: number, python: string | undefined): { onnx: string; graph: string } {
  const dir = join(projectRoot(), '.ncap', 'bench', 'frozen-extract', `resnet18-${size}`);
  const onnx = join(dir, 'resnet18.onnx');
  const graph = join(dir, 'graph', 'model.json');
  if (!existsSync(onnx) || !existsSync(graph)) {
    const search = findTorchPython(python ? [python] : TORCH_PYTHONS, projectRoot());
    if (!search.found) {
      throw new Error(
        `no Python here imports torch (${search.rejected.map((r) => `${r.python}: ${r.reason}`).join('; ')}); ` +
          'install it with `apt-get install python3-torch`, or name one with --python',
      );
    }
    const script = join(projectRoot(), 'scripts', 'bench', 'export-resnet18.py');
    const run = spawnSync(search.found.python, [script, dir, String(size)], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (run.status !== 0)
      throw new Error(`export-resnet18.py failed: ${run.stderr.trim().split('\n').at(-1)}`);
  }
  return { onnx: pathToFileURL(onnx).href, graph: pathToFileURL(graph).href };
}

/** Features of one batch as plain values (the extractor's tensor disposed). */
async function extractOnce(tf: Tf, extractor: Extractor, x: Tensor): Promise<Float32Array> {
  const out = extractor.kind === 'sync' ? tf.tidy(() => extractor.extract(x)) : await extractor.extract(x);
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

interface Contender {
  name: string;
  extractor: Extractor;
  images: number;
  seconds: number;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const log = (line: string): void => {
    if (!options.json) console.log(line);
  };
  const files = ensureModels(options.size, options.python);
  const runtime = await startTfRuntime({ backend: options.backend, logger: { info: log, warn: log } });
  const { tf } = runtime;
  const models: CandidateModel[] = [];
  try {
    const onnx = await loadCandidateModel(files.onnx, { tf });
    models.push(onnx);
    const graph = await loadCandidateModel(files.graph, { tf });
    models.push(graph);
    if (onnx.format !== 'onnx' || graph.format !== 'graph-model') throw new Error('unexpected model formats');
    const contenders: Contender[] = [
      {
        name: 'onnx',
        extractor: inferenceExtractor(tf, onnx, undefined, 'none').extractor,
        images: 0,
        seconds: 0,
      },
      {
        name: 'graph',
        extractor: inferenceExtractor(tf, graph, undefined, 'none').extractor,
        images: 0,
        seconds: 0,
      },
    ];
    const x = tf.randomUniform([options.batch, options.size, options.size, 3], 0, 1, 'float32', 18);
    try {
      // Warm-up, and the agreement of the two outputs on the same batch.
      const [a, b] = [
        await extractOnce(tf, contenders[0]!.extractor, x),
        await extractOnce(tf, contenders[1]!.extractor, x),
      ];
      await extractOnce(tf, contenders[0]!.extractor, x);
      await extractOnce(tf, contenders[1]!.extractor, x);
      let maxDiff = 0;
      let maxAbs = 0;
      a.forEach((v, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - (b[i] as number)));
        maxAbs = Math.max(maxAbs, Math.abs(v));
      });
      const round = options.seconds / 5;
      while (contenders.some((c) => c.seconds < options.seconds)) {
        for (const c of contenders) {
          const start = performance.now();
          do {
            await extractOnce(tf, c.extractor, x);
            c.images += options.batch;
          } while ((performance.now() - start) / 1000 < round);
          c.seconds += (performance.now() - start) / 1000;
        }
      }
      const [onnxRate, graphRate] = contenders.map((c) => c.images / c.seconds) as [number, number];
      const figures = {
        network: 'resnet18 (BatchNorm folded, random weights)',
        inputSize: options.size,
        batch: options.batch,
        onnxImagesPerSecond: onnxRate,
        graphModelImagesPerSecond: graphRate,
        onnxOverGraphModel: onnxRate / graphRate,
        tfBackend: runtime.backend,
        onnxProvider: 'cpu (onnxruntime-node)',
        maxAbsDifference: maxDiff,
        maxAbsFeature: maxAbs,
      };
      if (options.json) {
        console.log(JSON.stringify(figures, null, 2));
        return;
      }
      log(`frozen feature extraction, ResNet-18 ${options.size}×${options.size}, batch ${options.batch}:`);
      log(`  ONNX (onnxruntime-node, CPU provider)  ${onnxRate.toFixed(1)} images/s`);
      log(
        `  TF.js GraphModel (${runtime.backend})${' '.repeat(Math.max(1, 17 - runtime.backend.length))}${graphRate.toFixed(1)} images/s`,
      );
      log(`  ONNX / GraphModel                      ${(onnxRate / graphRate).toFixed(2)}×`);
      log(`  outputs agree within ${maxDiff.toExponential(2)} (largest feature ${maxAbs.toFixed(3)})`);
    } finally {
      x.dispose();
    }
  } finally {
    for (const model of models) await disposeCandidateModel(model);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
