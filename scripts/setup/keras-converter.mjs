// The Keras → TF.js converter (`tensorflowjs_converter --input_format keras`), in a venv of its own under
// .tools/keras-converter/venv: the tools venv pins numpy for other reasons, and tensorflowjs leaves
// tensorflow, tf-keras, decision forests, jax and flax open, so every package of it is pinned here, in
// keras-converter-requirements.txt (resolved once from `tensorflowjs==4.22.0 ydf==0.11.0`, installed with
// --no-deps). About 3 GB; installed on first use only (`ncap convert keras`, or
// `node scripts/setup/ensure-tools.mjs keras-converter`), never by the test suite.
// Plain JavaScript on purpose: ensure-tools.mjs runs it before the TypeScript build.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned requirements: every package the converter imports, at the version resolved once. */
export const KERAS_CONVERTER_REQUIREMENTS = join(
  dirname(fileURLToPath(import.meta.url)),
  'keras-converter-requirements.txt',
);

/** The environment the converter runs in: legacy Keras (tf-keras), since TF.js cannot load Keras 3 topologies. */
export const KERAS_CONVERTER_ENV = { TF_USE_LEGACY_KERAS: '1', TF_CPP_MIN_LOG_LEVEL: '2' };

/** The version pinned for package `name` (`-`, `_` and `.` alike, as pip compares names). */
export function pinnedVersion(name, text = readFileSync(KERAS_CONVERTER_REQUIREMENTS, 'utf8')) {
  const pattern = name.split(/[-_.]+/).join('[-_.]+');
  const match = new RegExp(`^${pattern}==([^\\s#]+)`, 'mi').exec(text);
  return match ? match[1] : undefined;
}

/**
 * Installs the converter when the venv is missing or was installed from another requirements file.
 * @param {{ toolsDir: string, python: () => string, run: (cmd: string, args: string[], options?: object) => void,
 *   log: (line: string) => void }} options
 * @returns {{ path: string, python: string, source: string, version: string, stamp: string }}
 * @throws Error naming the failed step (the half-made venv is removed, so the next run starts over).
 */
export function ensureKerasConverter({ toolsDir, python, run, log }) {
  const text = readFileSync(KERAS_CONVERTER_REQUIREMENTS, 'utf8');
  const stamp = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const venv = join(toolsDir, 'keras-converter', 'venv');
  const py = join(venv, 'bin', 'python');
  const entry = {
    path: join(venv, 'bin', 'tensorflowjs_converter'),
    python: py,
    source: 'pypi:tensorflowjs',
    version: pinnedVersion('tensorflowjs', text) ?? 'unknown',
    stamp,
  };
  const stampFile = join(venv, 'ncap-requirements.sha256');
  if (existsSync(entry.path) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp)
    return entry;
  const count = text.split('\n').filter((line) => /^[A-Za-z0-9]/.test(line)).length;
  log(
    `installing the Keras converter (tensorflowjs==${entry.version}, ${count} pinned packages, about 3 GB) ` +
      `into ${venv}: once, a few minutes`,
  );
  const started = Date.now();
  rmSync(venv, { recursive: true, force: true });
  try {
    run(python(), ['-m', 'venv', venv]);
    log('downloading and installing the pinned packages (pip)');
    run(py, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--progress-bar',
      'off',
      '--no-deps',
      '--requirement',
      KERAS_CONVERTER_REQUIREMENTS,
    ]);
    log('checking that the converter starts');
    run(entry.path, ['--version'], { env: { ...process.env, ...KERAS_CONVERTER_ENV } });
  } catch (error) {
    rmSync(venv, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `the Keras converter could not be installed (${reason}; pip's output is above). It needs PyPI, ` +
        `about 3 GB free under ${toolsDir} and a Python with wheels for the pins of ` +
        `${KERAS_CONVERTER_REQUIREMENTS} (made on CPython 3.11); nothing was kept, so the next run starts over`,
      { cause: error },
    );
  }
  writeFileSync(stampFile, `${stamp}\n`);
  log(`Keras converter ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return entry;
}
