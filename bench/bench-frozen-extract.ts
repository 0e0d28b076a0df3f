/**
 * `npm run bench:frozen-extract [-- --json] [--size 96] [--batch 64] [--seconds 5] [--backend tfjs-node] [--python PATH]`
 *
 * Frozen feature extraction in images/s for one network in two formats, in one run: ResNet-18 (seeded
 * random weights, BatchNorm folded) as an ONNX file run by onnxruntime-node (CPU provider) and as a TF.js
 * GraphModel on a TF.js backend, both through ncap's own extractors (input layout, batching, pooling) on
 * the same batches. Prints each rate, their ratio and how closely the two outputs agree. The two files are
 * written once by bench/export-resnet18.py into `.ncap/bench/frozen-extract/` (needs a Python that
 * imports torch: `apt-get install python3-torch`; `--python` picks one). Rounds alternate between the two
 * formats so a change in machine load hits both.
 */
import { Command } from 'commander';
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
} from '../activities/training/candidate-model.js';
import type { Extractor } from '../activities/training/feature-cache.js';
import { startTfRuntime, TF_BACKENDS, type Tf, type TfBackendName } from '../activities/tf/runtime.js';
import { parseEntryArgs } from '../scripts/entry-args.js';
import { projectRoot } from '../scripts/dev/tools.js';
import { findTorchPython, TORCH_PYTHONS } from './torch-python.js';

/** The command line of `npm run bench:frozen-extract`. */
function frozenExtractCommand(): Command {
  return new Command('npm run bench:frozen-extract')
    .usage('-- [--json] [--size 96] [--batch 64] [--seconds 5] [--backend B] [--python PATH]')
    .description(
      "Frozen feature extraction in images/s of one network as an ONNX file and as a TF.js GraphModel, through ncap's extractors",
    )
    .option('--size <n>', 'input height and width', '96')
    .option('--batch <n>', 'images per extraction call', '64')
    .option('--seconds <s>', 'measured wall time per format, after warm-up, in alternating rounds', '5')
    .option(
      '--backend <b>',
      `TF.js backend of the GraphModel: ${TF_BACKENDS.join(', ')} (default: the first that starts)`,
    )
    .option(
      '--python <path>',
      `the Python that exports the models (default the first of ${TORCH_PYTHONS.join(', ')} that imports torch)`,
    )
    .option('--json', 'print the figures as JSON');
}

const USAGE = frozenExtractCommand().helpInformation().trimEnd();

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
  const { options: values, help } = parseEntryArgs<{
    size: string;
    batch: string;
    seconds: string;
    backend?: string;
    python?: string;
    json?: boolean;
  }>(frozenExtractCommand(), argv);
  const positive = (flag: string, raw: string): number => {
    const n = Number(raw);
    if (!(n > 0)) throw new Error(`${flag} must be a positive number\n${USAGE}`);
    return n;
  };
  if (values.backend !== undefined && !(TF_BACKENDS as readonly string[]).includes(values.backend))
    throw new Error(`unknown --backend ${values.backend}\n${USAGE}`);
  return {
    help: help !== undefined,
    json: values.json ?? false,
    size: Math.round(positive('--size', values.size)),
    batch: Math.round(positive('--batch', values.batch)),
    seconds: positive('--seconds', values.seconds),
    backend: (values.backend as TfBackendName | undefined) ?? 'auto',
    python: values.python,
  };
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
    const script = join(projectRoot(), 'bench', 'export-resnet18.py');
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
