/**
 * ONNX backbones exported by PyTorch (test/fixtures/onnx/export-onnx-fixtures.py): the features ncap
 * extracts through its own dataset, input adapter and feature cache equal PyTorch's outputs saved at export.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferenceExtractor, loadCandidateModel } from '../../../activities/training/candidate-model.js';
import { openDataset } from '../../../activities/training/datasets.js';
import { IncompatibleModelError } from '../../../activities/training/errors.js';
import { loadOrComputeFeatures } from '../../../activities/training/feature-cache.js';
import { createInputAdapter } from '../../../activities/training/input-adapter.js';
import { readNpyHeader } from '../../../activities/training/npy-file.js';
import {
  describeOnnxModel,
  inspectOnnxModel,
  loadOnnxModel,
  type LoadedOnnxModel,
} from '../../../activities/training/onnx-model.js';
import { resolveNormalisation } from '../../../activities/training/resolve-input.js';
import type { SampleSource } from '../../../activities/training/dataset-source.js';
import type { FeaturePooling } from '../../../activities/training/types.js';
import { tempStore, tf, useCpuBackend } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/onnx/', import.meta.url));
const modelUri = (name: string): string => pathToFileURL(join(FIXTURES, `${name}.onnx`)).href;

/** PyTorch's output `<name>.<output>.npy` as saved at export. */
async function reference(name: string, output: string): Promise<{ shape: number[]; values: Float32Array }> {
  const bytes = await readFile(join(FIXTURES, `${name}.${output}.npy`));
  const header = await readNpyHeader((offset, length) =>
    Promise.resolve(bytes.subarray(offset, offset + length)),
  );
  expect(header.dtype).toBe('f4');
  const data = bytes.subarray(header.dataOffset);
  return {
    shape: header.shape,
    values: new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

let store: Awaited<ReturnType<typeof tempStore>>;
let source: SampleSource;

beforeAll(async () => {
  await useCpuBackend();
  store = await tempStore();
  source = await openDataset(
    {
      uri: pathToFileURL(join(FIXTURES, 'data')).href,
      format: 'auto',
      imageTarget: { height: null, width: null, channels: 3 },
    },
    {},
  );
});
afterAll(async () => {
  await source.close();
  await store.cleanup();
});

/** ncap's frozen features of every dataset sample, computed in batches of `batchSize`. */
async function ncapFeatures(
  model: LoadedOnnxModel,
  options: {
    featureLayer?: string;
    pooling: FeaturePooling;
    batchSize: number;
    normalisation: '[0,1]' | 'none';
  },
) {
  const normalisation = resolveNormalisation(options.normalisation);
  const { adapt, inputShape } = createInputAdapter(
    tf,
    source.sampleShape,
    source.dtype,
    model.input.sampleShape,
    normalisation,
  );
  const { featureLayer, extractor } = inferenceExtractor(tf, model, options.featureLayer, options.pooling);
  return loadOrComputeFeatures({
    tf,
    store: store.store,
    source,
    adapt,
    extract: extractor,
    identity: {
      weightsHash: model.weightsHash,
      featureLayer,
      normalisation,
      inputShape,
      ...(options.pooling !== 'none' ? { featurePooling: options.pooling } : {}),
    },
    indices: Array.from({ length: source.count }, (_, i) => i),
    batchSize: options.batchSize,
    candidateId: 'onnx',
  });
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  expect(worst).toBeLessThan(1e-5);
}

const CASES = [
  { name: 'nchw-dynamic', layout: 'NCHW', batch: null, dtype: 'float32' },
  { name: 'nchw-fixed4', layout: 'NCHW', batch: 4, dtype: 'float32' },
  { name: 'nhwc-dynamic', layout: 'NHWC', batch: null, dtype: 'float32' },
  { name: 'nhwc-fixed4', layout: 'NHWC', batch: 4, dtype: 'float32' },
  { name: 'nhwc-uint8-fixed1', layout: 'NHWC', batch: 1, dtype: 'uint8' },
] as const;

describe.each(CASES)('ONNX backbone $name', ({ name, layout, batch, dtype }) => {
  let model: LoadedOnnxModel;
  beforeAll(async () => {
    model = await loadOnnxModel(modelUri(name), {});
  });
  afterAll(() => model.session.release());
  // The uint8 model divides by 255 itself; the float ones take ncap's [0,1] normalisation, as at export.
  const normalisation = dtype === 'uint8' ? 'none' : '[0,1]';

  it('is described by its input layout, batch axis and dtype, and its outputs', () => {
    const description = describeOnnxModel(model);
    expect(description.inputs).toEqual([
      {
        name: 'image',
        layout,
        batch,
        dtype,
        shape: layout === 'NCHW' ? [batch, 3, 16, 16] : [batch, 16, 16, 3],
      },
    ]);
    expect(description.outputs.map((o) => o.name)).toEqual(['feature_map', 'pooled']);
    expect(description.defaultFeatureOutput).toBe('feature_map');
    expect(model.input.sampleShape).toEqual([16, 16, 3]);
  });

  // 22 samples in batches of 10: with a fixed batch of 4 each read is cut 4, 4, 2 (the last padded).
  it('extracts each output as PyTorch computed it (22 samples, a partial last batch)', async () => {
    const pooled = await ncapFeatures(model, {
      featureLayer: 'pooled',
      pooling: 'none',
      batchSize: 10,
      normalisation,
    });
    const expected = await reference(name, 'pooled');
    expect(pooled.featureDim).toBe(16);
    expectClose(pooled.features, expected.values);

    const map = await ncapFeatures(model, { pooling: 'none', batchSize: 10, normalisation });
    const expectedMap = await reference(name, 'feature_map');
    expect(map.featureDim).toBe(8 * 8 * 16);
    expectClose(map.features, expectedMap.values);
  });

  it("pools a 4-D output over its spatial axes in the model's layout", async () => {
    const averaged = await ncapFeatures(model, { pooling: 'average', batchSize: 7, normalisation });
    expect(averaged.featureDim).toBe(16);
    expectClose(averaged.features, (await reference(name, 'pooled')).values);
  });
});

describe('ONNX feature output', () => {
  it('an unknown output name is a non-retryable error listing the outputs there are', async () => {
    const model = await loadOnnxModel(modelUri('nchw-dynamic'), {});
    try {
      let caught: unknown;
      try {
        inferenceExtractor(tf, model, 'logits', 'none');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(IncompatibleModelError);
      expect((caught as IncompatibleModelError).nonRetryable).toBe(true);
      expect((caught as Error).message).toMatch(/no output named 'logits'.*feature_map, pooled/);
    } finally {
      await model.session.release();
    }
  });

  it('a second extraction reads the feature cache', async () => {
    const model = await loadOnnxModel(modelUri('nhwc-fixed4'), {});
    try {
      const options = {
        featureLayer: 'pooled',
        pooling: 'none',
        batchSize: 5,
        normalisation: '[0,1]',
      } as const;
      const first = await ncapFeatures(model, options);
      const second = await ncapFeatures(model, options);
      expect(second.fromCache).toBe(true);
      expect(second.cacheKey).toBe(first.cacheKey);
      expect(Array.from(second.features)).toEqual(Array.from(first.features));
    } finally {
      await model.session.release();
    }
  });

  it('inspectOnnxModel reads a model from its URI and releases it', async () => {
    const description = await inspectOnnxModel(modelUri('nchw-fixed4'), {});
    expect(description.inputs[0]).toMatchObject({ layout: 'NCHW', batch: 4 });
    expect(description.outputs[1]).toEqual({ name: 'pooled', shape: [4, 16], dtype: 'float32' });
  });

  it('a file that is not an ONNX model is an IncompatibleModelError', async () => {
    const uri = pathToFileURL(join(FIXTURES, 'export-onnx-fixtures.py')).href;
    await expect(loadOnnxModel(uri, {})).rejects.toBeInstanceOf(IncompatibleModelError);
  });

  it('loads from s3:// (a store) and https:// through the byte sources, with the same content hash', async () => {
    const bytes = await readFile(join(FIXTURES, 'nhwc-dynamic.onnx'));
    const local = await loadOnnxModel(modelUri('nhwc-dynamic'), {});
    const { store: zooStore, cleanup } = await tempStore();
    try {
      await zooStore.put('zoo/nhwc.onnx', bytes);
      const fromS3 = await loadCandidateModel('s3://zoo-bucket/zoo/nhwc.onnx', {
        tf,
        openStore: () => Promise.resolve(zooStore),
      });
      const requested: string[] = [];
      const fakeFetch = ((url: string) => {
        requested.push(String(url));
        return Promise.resolve(new Response(bytes));
      }) as typeof fetch;
      const fromHttps = await loadCandidateModel('https://models.example/zoo/nhwc.onnx', {
        tf,
        fetch: fakeFetch,
      });
      expect(requested).toEqual(['https://models.example/zoo/nhwc.onnx']);
      for (const loaded of [fromS3, fromHttps]) {
        expect(loaded.format).toBe('onnx');
        expect(loaded.weightsHash).toBe(local.weightsHash);
        if (loaded.format === 'onnx') await loaded.session.release();
      }
    } finally {
      await local.session.release();
      await cleanup();
    }
  });
});
