/**
 * The replacement gradient kernels against the cpu backend's own implementations (captured before any
 * replacement and run on the cpu backend), over random and named geometries, on every backend that gets
 * them; then end-to-end gradients of a small net against the reference kernels.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isReplacementKernel,
  originalKernel,
  registerGradientKernels,
  restoreOriginalKernels,
} from '../../../activities/tf/kernels/register-gradient-kernels.js';
import { startTfRuntime } from '../../../activities/tf/runtime.js';
import { seededUniform } from '../../support/toy-data.js';

type KernelName =
  | 'Conv2DBackpropFilter'
  | 'Conv2DBackpropInput'
  | 'DepthwiseConv2dNativeBackpropFilter'
  | 'DepthwiseConv2dNativeBackpropInput';
const KERNELS: readonly KernelName[] = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
];

// The reference: the cpu backend's own kernels, captured at import time, before anything is replaced.
const reference = new Map<KernelName, tf.KernelFunc>(
  KERNELS.map((name) => {
    const config = tf.getKernel(name, 'cpu');
    if (config === undefined || isReplacementKernel(tf, name, 'cpu'))
      throw new Error(`no original cpu kernel ${name}`);
    return [name, config.kernelFunc];
  }),
);

const SILENT = { info: () => {}, warn: () => {} };

beforeAll(async () => {
  const runtime = await startTfRuntime({ backend: 'wasm', logger: SILENT });
  expect(runtime.kernels).toEqual(['BatchMatMul', ...KERNELS]);
  registerGradientKernels(tf, 'cpu');
});

/** Backends where `name` is served by a replacement kernel. */
function candidateBackends(name: KernelName): string[] {
  return ['wasm', 'cpu'].filter((backend) => isReplacementKernel(tf, name, backend));
}

function randomTensor(shape: number[], seed: number): tf.Tensor4D {
  const uniform = seededUniform(seed);
  const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * uniform() - 1);
  return tf.tensor4d(values, shape as [number, number, number, number]);
}

async function runReference(
  name: KernelName,
  inputs: tf.NamedTensorMap,
  attrs: object,
): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const backend = tf.backend();
  const out = reference.get(name)!({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  const values = backend.readSync(out.dataId) as Float32Array;
  backend.disposeData(out.dataId);
  return values;
}

async function runCandidate(
  backend: string,
  name: string,
  inputs: tf.NamedTensorMap,
  attrs: object,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  out.dispose();
  return result;
}

/** |actual − expected| ≤ 1e-5 + 1e-5·|expected| everywhere. */
function expectClose(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i]! - expected[i]!) - (1e-5 + 1e-5 * Math.abs(expected[i]!));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  expect(worst, `${label}: element ${worst} is ${actual[worst]} vs reference ${expected[worst]}`).toBe(-1);
}

interface Geometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  /** Output channels (conv) or channel multiplier (depthwise). */
  outOrMultiplier: number;
  kernel: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | number;
  dataFormat?: 'NHWC' | 'NCHW';
}

const describeGeometry = (g: Geometry) =>
  `x [${g.batch},${g.height},${g.width},${g.channels}] k ${g.kernel.join('x')} ×${g.outOrMultiplier} s ${g.strides.join(',')} pad ${g.pad}${g.dataFormat === 'NCHW' ? ' NCHW' : ''}`;

async function checkKernel(name: KernelName, g: Geometry, seed: number): Promise<void> {
  const depthwise = name.startsWith('Depthwise');
  const computesInput = name.endsWith('BackpropInput');
  const inShape: [number, number, number, number] = [g.batch, g.height, g.width, g.channels];
  const filterShape: [number, number, number, number] = [...g.kernel, g.channels, g.outOrMultiplier];
  const info = tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    g.strides,
    1,
    g.pad,
    'floor',
    depthwise,
  );
  const nchw = g.dataFormat === 'NCHW';
  const toLayout = (shape: number[]) => (nchw ? [shape[0]!, shape[3]!, shape[1]!, shape[2]!] : shape);
  const dy = randomTensor(toLayout(info.outShape), seed);
  let inputs: tf.NamedTensorMap;
  let attrs: object;
  if (computesInput) {
    inputs = { dy, filter: randomTensor(filterShape, seed + 1) };
    attrs = depthwise
      ? { strides: g.strides, dilations: 1, pad: g.pad, dimRoundingMode: 'floor', inputShape: inShape }
      : {
          strides: g.strides,
          pad: g.pad,
          dataFormat: g.dataFormat ?? 'NHWC',
          dimRoundingMode: 'floor',
          inputShape: toLayout(inShape),
        };
  } else {
    inputs = { x: randomTensor(toLayout(inShape), seed + 1), dy };
    attrs = depthwise
      ? { strides: g.strides, dilations: 1, pad: g.pad, dimRoundingMode: 'floor', filterShape }
      : {
          strides: g.strides,
          pad: g.pad,
          dataFormat: g.dataFormat ?? 'NHWC',
          dimRoundingMode: 'floor',
          filterShape,
        };
  }
  try {
    const expected = await runReference(name, inputs, attrs);
    for (const backend of candidateBackends(name)) {
      const actual = await runCandidate(backend, name, inputs, attrs);
      expect(actual.shape).toEqual(computesInput ? toLayout(inShape) : filterShape);
      expectClose(actual.values, expected, `${name} on ${backend}, ${describeGeometry(g)}`);
    }
  } finally {
    tf.dispose(Object.values(inputs));
  }
}

const geometryArbitrary = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 9 }),
    channels: fc.integer({ min: 1, max: 4 }),
    outOrMultiplier: fc.integer({ min: 1, max: 3 }),
    kernel: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
    strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
  })
  .filter((g) => g.pad === 'same' || (g.kernel[0] <= g.height && g.kernel[1] <= g.width));

const NAMED: readonly Geometry[] = [
  {
    batch: 2,
    height: 7,
    width: 7,
    channels: 3,
    outOrMultiplier: 2,
    kernel: [3, 3],
    strides: [1, 1],
    pad: 'same',
  },
  {
    batch: 2,
    height: 7,
    width: 7,
    channels: 3,
    outOrMultiplier: 2,
    kernel: [3, 3],
    strides: [2, 2],
    pad: 'same',
  },
  {
    batch: 2,
    height: 8,
    width: 9,
    channels: 3,
    outOrMultiplier: 3,
    kernel: [3, 3],
    strides: [2, 2],
    pad: 'valid',
  },
  {
    batch: 1,
    height: 9,
    width: 7,
    channels: 2,
    outOrMultiplier: 3,
    kernel: [2, 3],
    strides: [2, 1],
    pad: 'same',
  },
  {
    batch: 3,
    height: 5,
    width: 5,
    channels: 4,
    outOrMultiplier: 5,
    kernel: [1, 1],
    strides: [1, 1],
    pad: 'valid',
  },
  {
    batch: 2,
    height: 6,
    width: 7,
    channels: 3,
    outOrMultiplier: 2,
    kernel: [1, 1],
    strides: [2, 2],
    pad: 'same',
  },
  {
    batch: 2,
    height: 5,
    width: 5,
    channels: 2,
    outOrMultiplier: 3,
    kernel: [5, 5],
    strides: [1, 1],
    pad: 'valid',
  },
  { batch: 2, height: 7, width: 6, channels: 2, outOrMultiplier: 2, kernel: [3, 3], strides: [1, 1], pad: 1 },
  { batch: 2, height: 8, width: 8, channels: 2, outOrMultiplier: 2, kernel: [3, 3], strides: [2, 2], pad: 2 },
  {
    batch: 4,
    height: 12,
    width: 11,
    channels: 8,
    outOrMultiplier: 2,
    kernel: [3, 3],
    strides: [2, 2],
    pad: 'same',
  },
];

describe('replacement gradient kernels', () => {
  it('are registered where wasm has none and replace the slow cpu ones', () => {
    expect(candidateBackends('Conv2DBackpropFilter')).toEqual(['wasm', 'cpu']);
    expect(candidateBackends('Conv2DBackpropInput')).toEqual(['wasm']);
    expect(candidateBackends('DepthwiseConv2dNativeBackpropFilter')).toEqual(['wasm', 'cpu']);
    expect(candidateBackends('DepthwiseConv2dNativeBackpropInput')).toEqual(['wasm']);
    expect(originalKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).toBe(
      reference.get('Conv2DBackpropFilter'),
    );
    expect(originalKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(originalKernel('Conv2DBackpropInput', 'wasm')).toBeDefined(); // replaced: ours is faster
    // Registering again changes nothing.
    expect(registerGradientKernels(tf, 'cpu')).toEqual([
      'Conv2DBackpropFilter',
      'DepthwiseConv2dNativeBackpropFilter',
    ]);
    expect(originalKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).toBe(
      reference.get('Conv2DBackpropFilter'),
    );
  });

  for (const name of KERNELS) {
    describe(name, () => {
      for (const [index, geometry] of NAMED.entries()) {
        it(`matches the cpu reference: ${describeGeometry(geometry)}`, async () => {
          await checkKernel(name, geometry, 100 + index);
        });
      }
      it('matches the cpu reference on random geometries', async () => {
        await fc.assert(
          fc.asyncProperty(geometryArbitrary, fc.integer({ min: 1, max: 1e6 }), (g, seed) =>
            checkKernel(name, g, seed),
          ),
          { numRuns: 40, seed: 7 },
        );
      });
    });
  }

  it.each(['Conv2DBackpropFilter', 'Conv2DBackpropInput'] as const)(
    '%s handles channels-first tensors',
    async (name) => {
      await checkKernel(name, { ...NAMED[1]!, dataFormat: 'NCHW' }, 5);
      await checkKernel(name, { ...NAMED[4]!, dataFormat: 'NCHW' }, 6);
    },
  );

  it('leave no tensors or backend data behind', async () => {
    // IS_TEST turns on the engine's own check that a kernel leaves no data behind but its outputs.
    tf.env().set('IS_TEST', true);
    try {
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const x = randomTensor([2, 6, 6, 3], 1);
        const dy = randomTensor([2, 3, 3, 6], 2);
        const filter = randomTensor([3, 3, 3, 2], 3);
        const convFilter = randomTensor([3, 3, 3, 6], 4);
        const before = { tensors: tf.memory().numTensors, dataIds: tf.backend().numDataIds() };
        const calls: Record<KernelName, [tf.NamedTensorMap, object]> = {
          Conv2DBackpropFilter: [
            { x, dy },
            { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 6] },
          ],
          Conv2DBackpropInput: [
            { dy, filter: convFilter },
            { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 6, 6, 3] },
          ],
          DepthwiseConv2dNativeBackpropFilter: [
            { x, dy },
            { strides: 2, dilations: 1, pad: 'same', filterShape: [3, 3, 3, 2] },
          ],
          DepthwiseConv2dNativeBackpropInput: [
            { dy, filter },
            { strides: 2, dilations: 1, pad: 'same', inputShape: [2, 6, 6, 3] },
          ],
        };
        let ran = 0;
        for (const name of KERNELS) {
          if (!isReplacementKernel(tf, name, backend)) continue;
          const [inputs, attrs] = calls[name];
          tf.dispose(tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap));
          ran++;
        }
        expect(ran).toBe(backend === 'wasm' ? 4 : 2);
        expect({ tensors: tf.memory().numTensors, dataIds: tf.backend().numDataIds() }).toEqual(before);
        tf.dispose([x, dy, filter, convFilter]);
      }
    } finally {
      tf.env().set('IS_TEST', false);
    }
  });
});

describe('BatchMatMul with transposed operands', () => {
  const shapes = fc
    .record({
      batch: fc.constantFrom<number[]>([], [1], [3], [2, 2]),
      broadcastA: fc.boolean(),
      m: fc.integer({ min: 1, max: 6 }),
      k: fc.integer({ min: 1, max: 6 }),
      n: fc.integer({ min: 1, max: 6 }),
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
    })
    .map((g) => {
      // Batch axes broadcast: one operand may carry a batch of 1.
      const batchA = g.broadcastA && g.batch.length > 0 ? g.batch.map(() => 1) : g.batch;
      return {
        a: [...batchA, ...(g.transposeA ? [g.k, g.m] : [g.m, g.k])],
        b: [...g.batch, ...(g.transposeB ? [g.n, g.k] : [g.k, g.n])],
        attrs: { transposeA: g.transposeA, transposeB: g.transposeB },
      };
    })
    .filter(({ a, b }) => a.length >= 2 && b.length >= 2 && (a.length > 2 || b.length === 2));

  it('is served by the replacement on wasm only, and matches the cpu reference', async () => {
    expect(isReplacementKernel(tf, 'BatchMatMul', 'wasm')).toBe(true);
    expect(isReplacementKernel(tf, 'BatchMatMul', 'cpu')).toBe(false);
    const referenceMatMul = originalKernel('BatchMatMul', 'wasm');
    expect(referenceMatMul).toBeDefined();
    await fc.assert(
      fc.asyncProperty(shapes, fc.integer({ min: 1, max: 1e6 }), async ({ a, b, attrs }, seed) => {
        const uniform = seededUniform(seed);
        const tensor = (shape: number[]) =>
          tf.tensor(
            Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => 2 * uniform() - 1),
            shape,
          );
        const inputs = { a: tensor(a), b: tensor(b) };
        try {
          await tf.setBackend('cpu');
          const expected = tf.engine().runKernel('BatchMatMul', inputs, attrs) as tf.Tensor;
          const actual = await runCandidate('wasm', 'BatchMatMul', inputs, attrs);
          expect(actual.shape).toEqual(expected.shape);
          expectClose(
            actual.values,
            expected.dataSync() as Float32Array,
            `BatchMatMul ${JSON.stringify({ a, b, attrs })}`,
          );
          expected.dispose();
        } finally {
          tf.dispose(Object.values(inputs));
        }
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});

describe('gradients through a conv net', () => {
  /**
   * d loss / d (input, conv filter, depthwise filter, dense weights) of
   * conv(stride 2) → relu → depthwise(×2) → flatten → dense → sum of squares.
   */
  function gradients(inputs: tf.Tensor[]): Float32Array[] {
    const loss = (x: tf.Tensor4D, f1: tf.Tensor4D, f2: tf.Tensor4D, w: tf.Tensor2D) => {
      const features = tf.depthwiseConv2d(tf.relu(tf.conv2d(x, f1, 2, 'same')), f2, 1, 'valid');
      return tf.sum(tf.square(tf.matMul(tf.reshape(features, [x.shape[0], -1]), w)));
    };
    const grads = tf.grads(loss as (...args: tf.Tensor[]) => tf.Tensor)(inputs);
    const values = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose(grads);
    return values;
  }

  it('match the reference kernels on wasm and on cpu', async () => {
    // x [2,9,9,3] → conv [2,5,5,4] → depthwise 3×3 valid [2,3,3,8] → 72 features → 3 outputs.
    const dense = randomTensor([1, 1, 72, 3], 14);
    const inputs: tf.Tensor[] = [
      randomTensor([2, 9, 9, 3], 11),
      randomTensor([3, 3, 3, 4], 12),
      randomTensor([3, 3, 4, 2], 13),
      tf.reshape(dense, [72, 3]),
    ];
    dense.dispose();
    await tf.setBackend('cpu');
    restoreOriginalKernels(tf, 'cpu');
    const expected = gradients(inputs);
    registerGradientKernels(tf, 'cpu');
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const actual = gradients(inputs);
      for (const [i, label] of ['dx', 'dConvFilter', 'dDepthwiseFilter', 'dDense'].entries()) {
        // Chained products of O(1) values: compare relative to the largest gradient entry.
        const scale = Math.max(...expected[i]!.map(Math.abs));
        expectClose(
          actual[i]!.map((v) => v / scale),
          expected[i]!.map((v) => v / scale),
          `${label} on ${backend}`,
        );
      }
    }
    tf.dispose(inputs);
  });
});
