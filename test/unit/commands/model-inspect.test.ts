/**
 * `ncap model inspect`: a headless backbone saved as a LayersModel and a GraphModel, through the CLI's
 * `main`; parameter counts against the weight shapes written in model.json (not TF.js's own count).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ModelInspection } from '../../../activities/training/model-inspection.js';
import { main } from '../../../scripts/cli.js';
import { saveModel, tempDir, tf, useCpuBackend, writeIdentityGraphModel } from '../training/helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('ncap-inspect');
});
afterAll(() => dir.cleanup());

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  const error = vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
  try {
    const code = await main(['node', 'ncap', 'model', 'inspect', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** A MobileNetV2-like headless tail: conv → BN → conv → BN → ReLU6 'out_relu'. */
function headless(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 3], name: 'input_1' });
  let x = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, name: 'block_16_project' })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'block_16_project_BN' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 5, kernelSize: 1, name: 'Conv_1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'Conv_1_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'out_relu' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

describe('ncap model inspect', () => {
  it('describes a LayersModel: NHWC input, layers with shapes and parameters, the headless cut', async () => {
    const model = headless();
    const uri = await saveModel(model, join(dir.path, 'mnv2'));
    model.dispose();
    const { code, out } = await run([uri, '--json']);
    expect(code).toBe(0);
    const inspection = JSON.parse(out) as ModelInspection;
    expect(inspection.inputs).toEqual([
      expect.objectContaining({ shape: [null, 6, 6, 3], layout: 'NHWC', dtype: 'float32' }),
    ]);
    const written = JSON.parse(await readFile(join(dir.path, 'mnv2', 'model.json'), 'utf8')) as {
      weightsManifest: { weights: { name: string; shape: number[] }[] }[];
    };
    const specs = written.weightsManifest.flatMap((g) => g.weights);
    const size = (prefix: string) =>
      specs
        .filter((w) => w.name.startsWith(`${prefix}/`))
        .reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    for (const layer of inspection.layers.filter((l) => l.kind !== 'InputLayer'))
      expect(layer.params, layer.name).toBe(size(layer.name));
    expect(inspection.totalParams).toBe(specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0));
    expect(inspection.layers.find((l) => l.name === 'block_16_project')!.outputShape).toEqual([
      null,
      4,
      4,
      4,
    ]);
    expect(inspection.cut).toMatchObject({ layer: 'out_relu', pooling: 'average', featureDim: 5 });

    const table = await run([uri]);
    expect(table.out).toMatch(/input\s+input_1\s+\[\?, 6, 6, 3\]\s+NHWC\s+float32/);
    expect(table.out).toMatch(/Conv_1\s+Conv2D\s+\[\?, 4, 4, 5\]\s+25/);
    expect(table.out).toMatch(
      /automatic cut: out_relu \[\?, 4, 4, 5\], average-pooled → 5 features\n\s+because: headless/,
    );
  });

  it('describes a GraphModel by its nodes, and takes a plain path', async () => {
    const graph = await writeIdentityGraphModel(join(dir.path, 'graph'), [4, 4, 3]);
    // The signature converted models carry: it declares the output's shape.
    const file = join(graph, 'model.json');
    const tensor = (name: string) => ({
      name,
      dtype: 'DT_FLOAT',
      tensorShape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '3' }] },
    });
    const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    json.signature = { inputs: { x: tensor('x:0') }, outputs: { y: tensor('Identity:0') } };
    await writeFile(file, JSON.stringify(json));
    const { code, out } = await run([join(graph, 'model.json'), '--json']);
    expect(code).toBe(0);
    const inspection = JSON.parse(out) as ModelInspection;
    expect(inspection.format).toBe('graph-model');
    expect(inspection.inputs[0]).toMatchObject({ name: 'x', shape: [null, 4, 4, 3], layout: 'NHWC' });
    expect(inspection.layers.map((l) => `${l.name}:${l.kind}`)).toEqual([
      'x:Placeholder',
      'Identity:Identity',
    ]);
    expect(inspection.cut).toMatchObject({ layer: 'Identity', pooling: 'average', featureDim: 3 });
  });

  it('describes an ONNX model by its inputs and outputs (PyTorch export, NCHW, fixed batch)', async () => {
    const onnx = join(import.meta.dirname, '..', '..', 'fixtures', 'onnx', 'nchw-fixed4.onnx');
    const { code, out } = await run([onnx, '--json']);
    expect(code).toBe(0);
    const inspection = JSON.parse(out) as ModelInspection;
    expect(inspection.format).toBe('onnx');
    expect(inspection.inputs[0]).toMatchObject({ layout: 'NCHW', dtype: 'float32' });
    expect(inspection.inputs[0]!.shape[0]).toBe(4);
    expect(inspection.layers).toEqual([]);
    // The first output is an NCHW feature map: 'auto' averages it to its channel axis (1).
    const first = inspection.outputs[0]!;
    expect(first.shape).toHaveLength(4);
    expect(inspection.cut).toMatchObject({
      layer: first.name,
      pooling: 'average',
      featureDim: first.shape[1],
    });
  });

  it('exits 2 naming the file when there is no model, and has --help', async () => {
    const missing = await run([join(dir.path, 'nothing', 'model.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read model .*nothing/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
  });
});
