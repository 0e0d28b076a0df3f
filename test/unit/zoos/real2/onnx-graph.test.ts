/**
 * The second real zoo's ONNX surgery on a PyTorch-exported backbone (test/fixtures/onnx): the wire format
 * round-trips byte for byte, the input takes the size written into it, an inner tensor becomes an output
 * onnxruntime computes, and the model's own outputs are unchanged.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  decodeFields,
  editOnnxModel,
  encodeFields,
  onnxNodes,
  onnxParameterCount,
} from '../../../../zoos/real2/onnx-graph.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/onnx/nchw-dynamic.onnx', import.meta.url));
/** The ReLU between the fixture's two convolutions (not one of its outputs). */
const INNER = '/Relu_output_0';

function randomImages(n: number, size: number): ort.Tensor {
  let s = 7;
  const data = Float32Array.from({ length: n * 3 * size * size }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  });
  return new ort.Tensor('float32', data, [n, 3, size, size]);
}

describe('ONNX surgery for the second real zoo', () => {
  it('re-encodes every message it does not edit byte for byte', async () => {
    const bytes = new Uint8Array(await readFile(FIXTURE));
    expect(Buffer.compare(encodeFields(decodeFields(bytes)), bytes)).toBe(0);
    const graph = decodeFields(bytes).find((f) => f.no === 7)!.bytes!;
    expect(Buffer.compare(encodeFields(decodeFields(graph)), graph)).toBe(0);
  });

  it('exposes an inner tensor onnxruntime computes; the original outputs are unchanged', async () => {
    const bytes = new Uint8Array(await readFile(FIXTURE));
    expect(onnxNodes(bytes).flatMap((n) => n.outputs)).toContain(INNER);
    const edited = editOnnxModel(bytes, { inputChw: [3, 16, 16], exposeOutput: INNER });
    const [original, cut] = await Promise.all([
      ort.InferenceSession.create(bytes),
      ort.InferenceSession.create(edited),
    ]);
    try {
      expect(original.outputNames).not.toContain(INNER);
      expect(cut.outputNames).toEqual([...original.outputNames, INNER]);
      const x = randomImages(3, 16);
      const [a, b] = await Promise.all([original.run({ image: x }), cut.run({ image: x })]);
      for (const name of original.outputNames)
        expect(Array.from(b[name]!.data as Float32Array)).toEqual(Array.from(a[name]!.data as Float32Array));
      const inner = b[INNER]!;
      // conv1 has 8 channels and stride 2: 16×16 → 8×8; a ReLU's output.
      expect(inner.dims).toEqual([3, 8, 8, 8]);
      const values = Array.from(inner.data as Float32Array);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeGreaterThan(0);
    } finally {
      await Promise.all([original.release(), cut.release()]);
    }
  });

  it('writes the input size into the model, which onnxruntime then enforces', async () => {
    const bytes = new Uint8Array(await readFile(FIXTURE));
    const cut = await ort.InferenceSession.create(
      editOnnxModel(bytes, { inputChw: [3, 24, 24], exposeOutput: INNER }),
    );
    try {
      const meta = cut.inputMetadata[0]!;
      expect(meta.isTensor && meta.shape).toEqual(['batch', 3, 24, 24]);
      expect((await cut.run({ image: randomImages(2, 24) }, [INNER]))[INNER]!.dims).toEqual([2, 8, 12, 12]);
      await expect(cut.run({ image: randomImages(1, 16) })).rejects.toThrow(/invalid dimensions/);
    } finally {
      await cut.release();
    }
  });

  it('refuses a tensor no node produces', async () => {
    const bytes = new Uint8Array(await readFile(FIXTURE));
    expect(() => editOnnxModel(bytes, { inputChw: [3, 16, 16], exposeOutput: 'no/such/tensor' })).toThrow(
      /no tensor 'no\/such\/tensor'/,
    );
  });

  it('counts the weights the architecture has (BatchNorm folded into conv1 by the exporter)', async () => {
    const bytes = new Uint8Array(await readFile(FIXTURE));
    // conv1 3→8, 3×3, bias: 224; conv2 8→16, 3×3, bias: 1168 (export-onnx-fixtures.py).
    expect(onnxParameterCount(bytes)).toBe(3 * 8 * 9 + 8 + 8 * 16 * 9 + 16);
  });

  it('counts a Constant node’s tensor as weights (how Paddle2ONNX stores them)', () => {
    const utf8 = new TextEncoder();
    const str = (no: number, text: string) => ({ no, wire: 2 as const, bytes: utf8.encode(text) });
    const msg = (no: number, fields: Parameters<typeof encodeFields>[0]) => ({
      no,
      wire: 2 as const,
      bytes: encodeFields(fields),
    });
    const dim = (n: number) => ({ no: 1, wire: 0 as const, value: BigInt(n) });
    // A float[2, 3] Constant node and a float[4] initializer: 6 + 4 weights.
    const tensor = msg(5, [dim(2), dim(3), { no: 2, wire: 0, value: 1n }]);
    const node = msg(1, [str(2, 'c'), str(4, 'Constant'), msg(5, [str(1, 'value'), tensor])]);
    const initializer = msg(5, [dim(4), { no: 2, wire: 0, value: 1n }, str(8, 'w')]);
    const model = encodeFields([{ no: 1, wire: 0, value: 8n }, msg(7, [node, initializer])]);
    expect(onnxParameterCount(model)).toBe(10);
  });
});
