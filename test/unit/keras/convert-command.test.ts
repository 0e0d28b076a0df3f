/**
 * `ncap convert keras`: bad input is refused before anything is installed or written; with the converter
 * installed (`.tools/keras-converter`, made on first use, never by the suite), a Keras file converts to a
 * model that ncap loads and that computes Keras's outputs.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { loadZooModel } from '../../../activities/training/model-zoo.js';
import { CliError } from '../../../scripts/commands/context.js';
import {
  convertKeras,
  type ConvertCommandDeps,
  type KerasConversion,
  registerConvertCommands,
} from '../../../scripts/commands/convert.js';
import { tf, useCpuBackend } from '../training/helpers.js';

const FIXTURES = resolve('test', 'fixtures', 'keras');
const dir = mkdtempSync(join(tmpdir(), 'ncap-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A little-endian float32 `.npy` file (as the fixture script writes them) as a tensor. */
function readNpy(path: string): tf.Tensor {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = [...(/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '').matchAll(/\d+/g)].map(Number);
  const data = bytes.subarray(10 + headerLength);
  return tf.tensor(
    new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    shape,
  );
}

const venvPython = resolve('.tools', 'keras-converter', 'venv', 'bin', 'python');
const converterInstalled = existsSync(venvPython);

function deps(installs: string[]): ConvertCommandDeps {
  return {
    stdout: () => undefined,
    stderr: () => undefined,
    ensureConverter: () => {
      installs.push('install');
      return Promise.resolve({
        path: resolve('.tools', 'keras-converter', 'venv', 'bin', 'tensorflowjs_converter'),
        python: venvPython,
        version: '4.22.0',
      });
    },
    tf: async () => {
      await useCpuBackend();
      return tf;
    },
  };
}

describe('ncap convert keras', () => {
  it('--help names the arguments, --force and --json', async () => {
    let help = '';
    const program = new Command().exitOverride().configureOutput({ writeOut: (t) => (help += t) });
    registerConvertCommands(program);
    await expect(program.parseAsync(['convert', 'keras', '--help'], { from: 'user' })).rejects.toBeInstanceOf(
      CommanderError,
    );
    expect(help).toMatch(/<file>/);
    expect(help).toMatch(/<out>/);
    expect(help).toContain('--force');
    expect(help).toContain('--json');
  });

  it('refuses bad input with exit 2 before installing or writing anything', async () => {
    const installs: string[] = [];
    const notKeras = join(dir, 'model.onnx');
    writeFileSync(notKeras, 'x');
    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'model.json'), '{}');
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    const h5 = join(FIXTURES, 'sequential-cnn.h5');
    const cases: [string, string, RegExp][] = [
      [join(dir, 'missing.h5'), join(dir, 'out1'), /no such file/],
      [notKeras, join(dir, 'out2'), /not a Keras model file/],
      [h5, full, /already holds a model\.json: pass --force/],
      [h5, other, /folder with other files/],
    ];
    for (const [file, out, message] of cases) {
      const error = await convertKeras({ file, out }, deps(installs)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(message);
    }
    expect(installs).toEqual([]);
    expect(existsSync(join(dir, 'out1'))).toBe(false);
    expect(readFileSync(join(full, 'model.json'), 'utf8')).toBe('{}');
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it.skipIf(!converterInstalled)(
    'converts a legacy .h5 into a folder ncap loads, computing the fixture outputs',
    async () => {
      const out = join(dir, 'converted');
      const result: KerasConversion = await convertKeras(
        { file: join(FIXTURES, 'sequential-cnn.h5'), out },
        deps([]),
      );
      expect(result).toMatchObject({ loads: true, rebuiltFromKeras3: false, inputShape: [16, 16, 3] });
      expect(result.files.map((f) => f.name)).toContain('model.json');
      const converted = await loadZooModel(pathToFileURL(join(out, 'model.json')).href, { tf });
      const committed = await loadZooModel(
        pathToFileURL(join(FIXTURES, 'sequential-cnn', 'model.json')).href,
        {
          tf,
        },
      );
      const x = tf.randomUniform([2, 16, 16, 3], 0, 255, 'float32', 5);
      try {
        const a = converted.model.predict(x) as tf.Tensor;
        const b = committed.model.predict(x) as tf.Tensor;
        expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThanOrEqual(1e-6);
      } finally {
        converted.model.dispose();
        committed.model.dispose();
        x.dispose();
      }
    },
    180_000,
  );

  it.skipIf(!converterInstalled)(
    'rebuilds a Keras 3 .keras file in legacy Keras: it loads and computes Keras 3 outputs within 1e-5',
    async () => {
      const out = join(dir, 'from-keras3');
      const result = await convertKeras({ file: join(FIXTURES, 'keras3-cnn.keras'), out }, deps([]));
      expect(result).toMatchObject({ loads: true, rebuiltFromKeras3: true });
      expect(result.kerasVersion).toMatch(/^3\./);
      expect(result.rebuildMaxDifference).toBeLessThanOrEqual(1e-4);
      const zoo = await loadZooModel(pathToFileURL(join(out, 'model.json')).href, { tf });
      const x = readNpy(join(FIXTURES, 'keras3-cnn', 'input.npy'));
      const expected = readNpy(join(FIXTURES, 'keras3-cnn', 'expected.npy'));
      try {
        const y = zoo.model.predict(x) as tf.Tensor;
        expect(y.shape).toEqual(expected.shape);
        expect(tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]).toBeLessThanOrEqual(1e-5);
      } finally {
        zoo.model.dispose();
        x.dispose();
        expected.dispose();
      }
    },
    180_000,
  );
});
