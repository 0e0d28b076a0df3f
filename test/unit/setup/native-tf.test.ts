/**
 * The set-up step for the native TensorFlow backend: each failing step is named and leaves TF.js on wasm
 * (never a thrown error or a half-built package), and a second run over a ready install only re-checks it.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureNativeTf, NATIVE_TF_VARIANTS, TENSORFLOW_VERSION } from '../../../scripts/setup/native-tf.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const temps: string[] = [];
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ncap-native-tf-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function logger(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => void lines.push(line) };
}

/** A project root whose node_modules holds a tfjs-node package.json (and optionally a binding.gyp). */
function fakeProject(bindingGyp?: string): { root: string; packageDir: string } {
  const root = temp();
  const packageDir = join(root, 'node_modules', '@tensorflow', 'tfjs-node');
  mkdirSync(packageDir, { recursive: true });
  writeFileSync(
    join(packageDir, 'package.json'),
    JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0' }),
  );
  if (bindingGyp !== undefined) writeFileSync(join(packageDir, 'binding.gyp'), bindingGyp);
  return { root, packageDir };
}

const failingPython = (): string => {
  const script = join(temp(), 'python');
  writeFileSync(script, '#!/bin/sh\necho "pip: no network" >&2\nexit 1\n', { mode: 0o755 });
  return script;
};

describe('ensureNativeTf', () => {
  it('says the npm package is missing and falls back to wasm', () => {
    const { lines, log } = logger();
    const status = ensureNativeTf({ root: temp(), toolsDir: temp(), python: failingPython, log });
    expect(status).toMatchObject({
      status: 'unavailable',
      step: 'npm package',
      package: '@tensorflow/tfjs-node',
    });
    expect(lines).toEqual([
      expect.stringMatching(
        /^native TensorFlow backend unavailable \(npm package\): .*TF\.js will use wasm$/,
      ),
    ]);
  });

  it('names the download step when pip cannot fetch the wheel, and stages nothing into the package', () => {
    const { root, packageDir } = fakeProject();
    const { lines, log } = logger();
    const status = ensureNativeTf({ root, toolsDir: temp(), python: failingPython, log });
    expect(status).toMatchObject({ status: 'unavailable', step: 'download' });
    expect(status.status === 'unavailable' && status.reason).toContain('pip: no network');
    expect(lines.at(-1)).toMatch(/unavailable \(download\).*TF\.js will use wasm$/s);
    expect(() => statSync(join(packageDir, 'deps'))).toThrow();
  });

  it('rejects a cached wheel whose hash is wrong instead of unpacking it', () => {
    const { root } = fakeProject();
    const toolsDir = temp();
    const cached = join(toolsDir, 'cache', NATIVE_TF_VARIANTS.cpu.wheelFile);
    mkdirSync(dirname(cached), { recursive: true });
    writeFileSync(cached, 'not a wheel');
    const status = ensureNativeTf({ root, toolsDir, python: failingPython, log: logger().log });
    // The bad file is dropped and a fresh download attempted (which fails here, offline by construction).
    expect(status).toMatchObject({ status: 'unavailable', step: 'download' });
    expect(() => statSync(cached)).toThrow();
  });

  it('names the build step when node-gyp fails, leaving no binding behind', () => {
    // A binding.gyp gyp cannot parse fails node-gyp's configure step quickly.
    const { root, packageDir } = fakeProject("{ 'targets': [ ");
    const toolsDir = temp();
    const libDir = join(toolsDir, 'libtensorflow', `tensorflow-cpu-${TENSORFLOW_VERSION}`);
    mkdirSync(join(libDir, 'lib'), { recursive: true });
    mkdirSync(join(libDir, 'include'), { recursive: true });
    writeFileSync(join(libDir, '.complete'), TENSORFLOW_VERSION);
    // Node headers the real set-up already fetched, so this test downloads nothing.
    const headers = join(repoRoot, '.tools', 'node-headers');
    if (existsSync(headers)) symlinkSync(headers, join(toolsDir, 'node-headers'));
    const status = ensureNativeTf({ root, toolsDir, python: failingPython, log: logger().log });
    expect(status).toMatchObject({ status: 'unavailable', step: 'build' });
    expect(() => statSync(join(packageDir, 'lib', 'napi-v8', 'tfjs_binding.node'))).toThrow();
    // The library was staged where the binding's rpath looks for it.
    expect(statSync(join(packageDir, 'deps', 'lib')).isDirectory()).toBe(true);
  });

  it('takes over a lock left by a set-up that died, and releases its own', () => {
    const { root } = fakeProject();
    const toolsDir = temp();
    const lockDir = join(toolsDir, `${NATIVE_TF_VARIANTS.cpu.wheelProject}.lock`);
    mkdirSync(lockDir);
    const old = new Date(Date.now() - 20 * 60 * 1000);
    utimesSync(lockDir, old, old);
    const status = ensureNativeTf({ root, toolsDir, python: failingPython, log: logger().log });
    expect(status).toMatchObject({ status: 'unavailable', step: 'download' });
    expect(existsSync(lockDir)).toBe(false);
  });

  it('is switched off by NCAP_NATIVE_TF=0', () => {
    const { root } = fakeProject();
    const status = ensureNativeTf({
      root,
      toolsDir: temp(),
      python: failingPython,
      log: logger().log,
      env: { NCAP_NATIVE_TF: '0' },
    });
    expect(status).toMatchObject({ status: 'unavailable', step: 'disabled' });
  });

  const manifest = (() => {
    try {
      return JSON.parse(readFileSync(join(repoRoot, '.tools', 'tools.json'), 'utf8')) as Record<
        string,
        Record<string, unknown>
      >;
    } catch {
      return {};
    }
  })();
  it.skipIf(manifest['tfjs-node']?.status !== 'ready')(
    'only re-checks a ready install: the binding is not rebuilt',
    () => {
      const previous = manifest['tfjs-node']!;
      const binding = String(previous.path);
      const before = statSync(binding).mtimeMs;
      const { lines, log } = logger();
      const status = ensureNativeTf({
        root: repoRoot,
        toolsDir: join(repoRoot, '.tools'),
        python: failingPython,
        log,
        previous,
      });
      expect(status).toEqual(previous);
      expect(lines).toEqual([]);
      expect(statSync(binding).mtimeMs).toBe(before);
    },
  );
});
