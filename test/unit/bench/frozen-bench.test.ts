/**
 * `npm run bench:frozen`'s pure parts (the wall-time split, paired ratios, per-format sums, the tables) and its two extraction paths on the small ONNX and GraphModel test models: the runtime alone,
 * fed the batch in the model's own layout and batch size, computes the features ncap computes.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureExtraction } from '../../../bench/frozen/extraction-rounds.js';
import {
  extractionFigures,
  formatTable,
  pairedRatio,
  relativeDifference,
  repeatsFor,
  roundOrder,
  splitWall,
  summariseFormats,
} from '../../../bench/frozen/figures.js';
import { frozenBenchText, type FrozenBenchReport } from '../../../bench/frozen/report.js';
import { writeIdentityGraphModel } from '../../support/tiny-graph-model.js';
import { tempDir, tf, useCpuBackend } from '../training/helpers.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/onnx/', import.meta.url));
const DATA = pathToFileURL(join(FIXTURES, 'data')).href;

describe('bench:frozen figures', () => {
  it('splits the wall time by the recorded timing; the rest is other, never negative', () => {
    expect(splitWall(10, { featureSeconds: 6, trainSeconds: 1.5, scoringSeconds: 2 })).toEqual({
      wallSeconds: 10,
      featureSeconds: 6,
      trainSeconds: 1.5,
      scoringSeconds: 2,
      otherSeconds: 0.5,
    });
    // Results without scoringSeconds (finetune, older records) count it as 0.
    expect(splitWall(3, { featureSeconds: 1, trainSeconds: 1 }).otherSeconds).toBe(1);
    expect(splitWall(2, { featureSeconds: 1.5, trainSeconds: 0.6, scoringSeconds: 0 }).otherSeconds).toBe(0);
  });

  it('pairs each round: a load change that slows both runs of a round leaves the ratio alone', () => {
    const load = [1, 3, 1.5, 8, 2];
    const runtime = load.map((l) => 0.2 * l);
    const ncap = load.map((l) => 0.25 * l);
    expect(pairedRatio(ncap, runtime)).toBeCloseTo(1.25, 12);
    // The pairing is what counts: the same times paired otherwise give another ratio.
    const shuffledNcap = [8, 1, 3, 2, 1.5].map((l) => 0.25 * l);
    expect(pairedRatio(shuffledNcap, runtime)).toBeCloseTo(0.375 / 0.4, 12);
    const figures = extractionFigures({
      batch: 32,
      repeats: 2,
      ncapSeconds: ncap,
      runtimeSeconds: runtime,
      ncapCpuSeconds: ncap.map((s) => 2 * s),
      runtimeCpuSeconds: runtime.map((s) => 1.6 * s),
      preprocessSeconds: [0.01, 0.02, 0.04],
    });
    expect(figures.ratio).toBeCloseTo(1.25, 12);
    expect(figures.cpuRatio).toBeCloseTo((2 * 0.25) / (1.6 * 0.2), 12);
    // 64 images per round over the median round (load 2).
    expect(figures.ncapImagesPerSecond).toBeCloseTo(64 / (0.25 * 2), 9);
    expect(figures.runtimeImagesPerSecond).toBeCloseTo(64 / (0.2 * 2), 9);
    expect(figures.preprocessImagesPerSecond).toBeCloseTo(32 / 0.02, 9);
  });

  it('alternates which path goes first, and repeats a short batch to fill a round', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(r)[0])).toEqual(['ncap', 'runtime', 'ncap', 'runtime']);
    expect(roundOrder(1)).toEqual(['runtime', 'ncap']);
    expect(repeatsFor(0.02, 0.5)).toBe(25);
    expect(repeatsFor(0.03, 0.5)).toBe(17);
    expect(repeatsFor(3, 0.5)).toBe(1);
    expect(repeatsFor(0, 0.5)).toBeGreaterThan(1);
  });

  it("weighs a format's paired ratios by the runtime's time per batch, so a slow network weighs as it costs", () => {
    // One batch of 64 per round; ncap takes `ratio` times the runtime's time in every round.
    const rounds = (runtime: number, ratio: number, cpu: number, cpuRatio: number) =>
      extractionFigures({
        batch: 64,
        repeats: 1,
        ncapSeconds: [runtime * ratio, runtime * ratio],
        runtimeSeconds: [runtime, runtime],
        ncapCpuSeconds: [cpu * cpuRatio, cpu * cpuRatio],
        runtimeCpuSeconds: [cpu, cpu],
        preprocessSeconds: [0.01],
      });
    const [graph, onnx] = summariseFormats([
      { format: 'graph-model', batch: 64, figures: rounds(2, 1.5, 1, 1.2) },
      { format: 'onnx', batch: 64, figures: rounds(1, 1, 1, 1) },
      { format: 'graph-model', batch: 64, figures: rounds(8, 1, 4, 1.1) },
    ]);
    expect(graph!.candidates).toBe(2);
    expect(graph!.ratio).toBeCloseTo((1.5 * 2 + 1 * 8) / 10, 12);
    expect(graph!.cpuRatio).toBeCloseTo((1.2 * 1 + 1.1 * 4) / 5, 12);
    // 128 images in 3 + 8 s through ncap, 2 + 8 s by the runtime.
    expect(graph!.ncapImagesPerSecond).toBeCloseTo(128 / 11, 12);
    expect(graph!.runtimeImagesPerSecond).toBeCloseTo(128 / 10, 12);
    expect(graph!.worstRatio).toBeCloseTo(1.5, 12);
    expect(graph!.worstCpuRatio).toBeCloseTo(1.2, 12);
    expect(onnx).toMatchObject({ format: 'onnx', candidates: 1, ratio: 1, cpuRatio: 1, worstRatio: 1 });
  });

  it('measures agreement relative to the largest reference value', () => {
    const b = new Float32Array([2, -4, 1]);
    expect(relativeDifference(new Float32Array([2, -4, 1]), b)).toBe(0);
    expect(relativeDifference(new Float32Array([2, -3, 1]), b)).toBe(0.25);
    expect(relativeDifference(new Float32Array([2, -4]), b)).toBe(Infinity);
    expect(relativeDifference(new Float32Array([0.5]), new Float32Array([0]))).toBe(0.5);
  });

  it('aligns tables: first column left, the rest right', () => {
    const text = formatTable(
      ['candidate', 'img/s'],
      [
        ['a', '1.5'],
        ['longer-name', '123.0'],
      ],
    );
    expect(text.split('\n')).toEqual(['candidate    img/s', 'a              1.5', 'longer-name  123.0']);
  });

  it('prints both tables and a ratio per format', () => {
    const row = (id: string, format: 'graph-model' | 'onnx', ratio: number) => ({
      id,
      format,
      split: {
        ...splitWall(2, { featureSeconds: 1.5, trainSeconds: 0.2, scoringSeconds: 0.1 }),
        featureDim: 8,
        logme: 1.25,
        valAccuracy: 0.5,
        trainSamples: 51,
        valSamples: 13,
        backend: 'cpu',
      },
      extraction: {
        format,
        batch: 64,
        repeats: 1,
        inputShape: [16, 16, 3],
        modelBatch: null,
        featureDim: 8,
        agreement: 0,
        ncapSeconds: [ratio],
        runtimeSeconds: [1],
        ncapCpuSeconds: [ratio],
        runtimeCpuSeconds: [1],
        preprocessSeconds: [0.01],
      },
      figures: extractionFigures({
        batch: 64,
        repeats: 1,
        ncapSeconds: [ratio],
        runtimeSeconds: [1],
        ncapCpuSeconds: [ratio],
        runtimeCpuSeconds: [1],
        preprocessSeconds: [0.01],
      }),
    });
    const candidates = [row('g', 'graph-model', 1.1), row('o', 'onnx', 1.3)];
    const report: FrozenBenchReport = {
      zoo: 'real2',
      tfBackend: 'tfjs-node',
      onnxBackend: 'onnxruntime-node (CPU)',
      settings: {
        trainUri: 'file:///x',
        images: 64,
        epochs: 0.25,
        batchSize: 64,
        learningRate: 0.002,
        probeWidths: [256, 128, 64],
        seed: 2001,
        rounds: 3,
        minRoundSeconds: 0.5,
      },
      loadAverage: { start: [2.5, 2, 1.5], end: [3, 2.5, 2] },
      candidates,
      formats: summariseFormats(candidates.map((r) => ({ ...r, batch: 64 }))),
    };
    const lines = frozenBenchText(report).split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^load average .*2\.5, 2, 1\.5 at the start/));
    expect(lines).toContainEqual(expect.stringMatching(/^all\s+4\.00\s+3\.00\s+0\.40\s+0\.20\s+0\.40\s+75%/));
    expect(lines).toContainEqual(expect.stringMatching(/^graph-model\s+TF\.js tfjs-node\s+1\s.*1\.10×/));
    expect(lines).toContainEqual(expect.stringMatching(/^onnx\s+onnxruntime-node \(CPU\)\s+1\s.*1\.30×/));
  });
});

describe('bench:frozen extraction paths', () => {
  beforeAll(async () => {
    await useCpuBackend();
  });

  const measure = (model: string, featureLayer: string | undefined, pooling: string, batch: number) =>
    measureExtraction({
      tf,
      candidate: {
        id: 't',
        model,
        featurePooling: pooling,
        normalisation: '[0,1]',
        ...(featureLayer ? { featureLayer } : {}),
      },
      datasetUri: DATA,
      batch,
      rounds: 2,
      minRoundSeconds: 0,
    });

  // A fixed batch of 4 fed 6 images: the runtime alone gets 4 + 4 (2 padding rows, dropped).
  it.each([
    ['nchw-fixed4', 'feature_map', 'average', 4, 16],
    ['nhwc-dynamic', 'feature_map', 'average', null, 16],
    ['nchw-dynamic', 'pooled', 'none', null, 16],
  ] as const)(
    'ONNX %s: the runtime alone computes the features ncap does',
    async (name, output, pooling, modelBatch, dim) => {
      const m = await measure(pathToFileURL(join(FIXTURES, `${name}.onnx`)).href, output, pooling, 6);
      expect(m).toMatchObject({ format: 'onnx', batch: 6, modelBatch, featureDim: dim, repeats: 1 });
      expect(m.agreement).toBeLessThan(1e-6);
      expect(m.ncapSeconds).toHaveLength(2);
      expect(m.runtimeCpuSeconds).toHaveLength(2);
      expect(m.preprocessSeconds).toHaveLength(2);
    },
  );

  it('GraphModel with a fixed batch, NCHW and int32 input: the runtime alone computes the features ncap does', async () => {
    const dir = await tempDir('ncap-bench-frozen-');
    try {
      const uri = await writeIdentityGraphModel(dir.path, [4, 3, 16, 16], 'DT_INT32');
      const m = await measure(uri, undefined, 'none', 6);
      expect(m).toMatchObject({ format: 'graph-model', batch: 6, modelBatch: 4, featureDim: 3 * 16 * 16 });
      expect(m.agreement).toBeLessThan(1e-6);
    } finally {
      await dir.cleanup();
    }
  });
});
