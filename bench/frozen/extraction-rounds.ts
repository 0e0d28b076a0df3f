/**
 * One candidate's frozen feature extraction timed two ways on the same adapted batch, in alternating
 * rounds: through ncap's own extraction (`inferenceExtractor` and `extractFeatureRows`, what a frozen
 * candidate's feature cache runs per batch: layout and element type, the model's fixed batch, the cut,
 * pooling, reading the rows back), and by the network's own runtime alone (TF.js `model.execute` to the
 * cut node, onnxruntime `session.run` to the cut output) fed the same batch already in the model's layout
 * and batch size, its output read back. Preprocessing (reading the rows, resizing, normalising) is timed
 * apart and in neither.
 */
import { performance } from 'node:perf_hooks';
import type { Tensor } from '@tensorflow/tfjs';
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import {
  candidateInputShape,
  disposeCandidateModel,
  inferenceCut,
  inferenceExtractor,
  loadCandidateModel,
} from '../../activities/training/candidate-model.js';
import { openDataset } from '../../activities/training/datasets.js';
import { extractFeatureRows } from '../../activities/training/feature-cache.js';
import { createInputAdapter } from '../../activities/training/input-adapter.js';
import { fixedBatches, toModelInput, type ModelInput } from '../../activities/training/input-layout.js';
import {
  graphModelInput,
  poolGraphFeatures,
  type LoadedGraphModel,
} from '../../activities/training/model-zoo.js';
import type { LoadedOnnxModel } from '../../activities/training/onnx-model.js';
import { imageTargetOf } from '../../activities/training/prepare-backbone.js';
import { resolveNormalisation } from '../../activities/training/resolve-input.js';
import type { FeaturePooling, Normalisation } from '../../activities/training/types.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { relativeDifference, repeatsFor, roundOrder, type ExtractionRounds } from './figures.js';

export interface ExtractionCandidate {
  id: string;
  /** Model URI (`model.json` or `.onnx`). */
  model: string;
  featureLayer?: string;
  featurePooling?: string;
  normalisation: Normalisation;
}

export interface ExtractionMeasurement extends ExtractionRounds {
  format: 'graph-model' | 'onnx';
  /** What the samples are adapted to, `[h, w, c]`. */
  inputShape: number[];
  /** The model's own batch size, `null` when its batch axis is dynamic. */
  modelBatch: number | null;
  featureDim: number;
  /** Largest difference between ncap's features and the runtime's (pooled alike), relative to the largest feature. */
  agreement: number;
}

/** The runtime's output of one call: row-major values of `rows` samples (padding dropped), and its shape. */
interface RuntimeOutput {
  values: Float32Array;
  rows: number;
  dims: number[];
}

interface RuntimeAlone {
  run(): Promise<RuntimeOutput[]>;
  dispose(): void;
}

/** `x` in the model's layout and element type, cut into the model's batches (the last zero-padded). */
function modelBatches(tf: Tf, x: Tensor, input: ModelInput): { part: Tensor; count: number }[] {
  return tf.tidy(() => {
    const fed = toModelInput(tf, x, input);
    const n = fed.shape[0] as number;
    const batch = input.batch ?? n;
    return fixedBatches(n, batch).map(({ start, count }) => {
      let part = tf.slice(fed, start, count);
      if (count < batch)
        part = tf.pad(part, [
          [0, batch - count],
          ...fed.shape.slice(1).map(() => [0, 0] as [number, number]),
        ]);
      return { part, count };
    });
  });
}

function graphAlone(tf: Tf, model: LoadedGraphModel, node: string, x: Tensor): RuntimeAlone {
  const parts = modelBatches(tf, x, graphModelInput(model));
  return {
    run: async () => {
      const outputs: RuntimeOutput[] = [];
      for (const { part, count } of parts) {
        const out = model.model.execute(part, node) as Tensor;
        try {
          const dims = out.shape.slice(1);
          const values = (await out.data()) as Float32Array;
          outputs.push({ values, rows: count, dims });
        } finally {
          out.dispose();
        }
      }
      return outputs;
    },
    dispose: () => parts.forEach(({ part }) => part.dispose()),
  };
}

function onnxAlone(tf: Tf, model: LoadedOnnxModel, output: string, x: Tensor): RuntimeAlone {
  const { input, runtime, session } = model;
  const feeds = modelBatches(tf, x, input).map(({ part, count }) => {
    const data = part.dataSync() as Float32Array | Int32Array;
    const shape = part.shape as number[];
    part.dispose();
    const typed = input.dtype === 'uint8' ? Uint8Array.from(data) : data;
    return { tensor: new runtime.Tensor(input.dtype, typed, shape), count };
  });
  return {
    run: async () => {
      const outputs: RuntimeOutput[] = [];
      for (const { tensor, count } of feeds) {
        const result = await session.run({ [input.name]: tensor }, [output]);
        const out = result[output] as OrtTensor;
        outputs.push({ values: out.data as Float32Array, rows: count, dims: out.dims.slice(1) });
      }
      return outputs;
    },
    dispose: () => feeds.forEach(({ tensor }) => tensor.dispose()),
  };
}

/** The runtime's outputs pooled by TF.js as a GraphModel's cut is: row-major `[rows, featureDim]`. */
function pooledRuntimeRows(
  tf: Tf,
  outputs: readonly RuntimeOutput[],
  pooling: FeaturePooling,
  channelsFirst: boolean,
): Float32Array {
  const pooled = outputs.map(({ values, rows, dims }) => {
    const rowSize = dims.reduce((a, b) => a * b, 1);
    return tf.tidy(() => {
      const map = tf.tensor(values.slice(0, rows * rowSize), [rows, ...dims]);
      return poolGraphFeatures(tf, map, pooling, 'cut', 'runtime', channelsFirst).dataSync() as Float32Array;
    });
  });
  const all = new Float32Array(pooled.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of pooled) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Wall and CPU seconds (this process, every thread) of `times` sequential calls of `f`. */
async function timed(f: () => Promise<unknown>, times = 1): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < times; i++) await f();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/**
 * Times `rounds` rounds into `result`: each runs both paths (`result.repeats` times, alternating which goes
 * first) and then the preprocessing once.
 */
async function timeRounds(
  result: ExtractionMeasurement,
  rounds: number,
  paths: { ncap: () => Promise<unknown>; runtime: () => Promise<unknown>; preprocess: () => Promise<Tensor> },
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const who of roundOrder(round)) {
      const t = await timed(who === 'ncap' ? paths.ncap : paths.runtime, result.repeats);
      (who === 'ncap' ? result.ncapSeconds : result.runtimeSeconds).push(t.wall);
      (who === 'ncap' ? result.ncapCpuSeconds : result.runtimeCpuSeconds).push(t.cpu);
    }
    result.preprocessSeconds.push((await timed(async () => (await paths.preprocess()).dispose())).wall);
  }
}

/**
 * Loads the candidate, adapts its first `batch` samples of `datasetUri`, warms both paths up (checking they
 * agree) and times `rounds` alternating rounds of each (a round: the batch repeated to last
 * `minRoundSeconds`), plus the preprocessing of the batch.
 */
export async function measureExtraction(options: {
  tf: Tf;
  candidate: ExtractionCandidate;
  datasetUri: string;
  batch: number;
  rounds: number;
  /** A round repeats the batch until it lasts this long at the warm-up's pace. */
  minRoundSeconds: number;
}): Promise<ExtractionMeasurement> {
  const { tf, candidate, batch, rounds, minRoundSeconds } = options;
  const model = await loadCandidateModel(candidate.model, { tf });
  try {
    if (model.format === 'layers-model')
      throw new Error(`${candidate.id}: bench:frozen measures inference-only models (GraphModel, ONNX)`);
    const modelShape = candidateInputShape(model);
    const source = await openDataset(
      { uri: options.datasetUri, format: 'auto', imageTarget: imageTargetOf(modelShape) },
      {},
    );
    try {
      const { adapt, inputShape } = createInputAdapter(
        tf,
        source.sampleShape,
        source.dtype,
        modelShape,
        resolveNormalisation(candidate.normalisation),
      );
      const setting = (candidate.featurePooling ?? 'none') as 'none' | 'average' | 'max';
      const cut = inferenceCut(model, candidate.featureLayer, setting);
      const { extractor } = inferenceExtractor(tf, model, cut.node, cut.pooling);
      const indices = Array.from({ length: Math.min(batch, source.count) }, (_, i) => i);
      const preprocess = async (): Promise<Tensor> => adapt(await source.readRows(indices), indices.length);
      const x = await preprocess();
      const alone =
        model.format === 'onnx' ? onnxAlone(tf, model, cut.node, x) : graphAlone(tf, model, cut.node, x);
      try {
        const ncap = () => extractFeatureRows(tf, extractor, () => x.clone());
        // Warm-up of both, and the check that they compute the same features.
        const warmupStart = performance.now();
        const mine = await ncap();
        const warmupSeconds = (performance.now() - warmupStart) / 1000;
        const theirs = pooledRuntimeRows(
          tf,
          await alone.run(),
          cut.pooling,
          model.format === 'onnx' && model.input.layout === 'NCHW',
        );
        const result: ExtractionMeasurement = {
          format: model.format,
          batch: indices.length,
          inputShape,
          modelBatch: model.format === 'onnx' ? model.input.batch : graphModelInput(model).batch,
          featureDim: mine.featureDim,
          agreement: relativeDifference(mine.rows, theirs),
          repeats: repeatsFor(warmupSeconds, minRoundSeconds),
          ncapSeconds: [],
          runtimeSeconds: [],
          ncapCpuSeconds: [],
          runtimeCpuSeconds: [],
          preprocessSeconds: [],
        };
        await timeRounds(result, rounds, { ncap, runtime: () => alone.run(), preprocess });
        return result;
      } finally {
        alone.dispose();
        x.dispose();
      }
    } finally {
      await source.close();
    }
  } finally {
    await disposeCandidateModel(model);
  }
}
