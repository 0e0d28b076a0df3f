/**
 * `ncap convert keras FILE OUT`: a Keras model file (`.h5`/`.hdf5`/`.keras`, saved by legacy Keras 2 or by
 * Keras 3) to a TF.js LayersModel folder that ncap loads. The converter runs in a venv of its own
 * (`.tools/keras-converter`, every package pinned), installed on first use by scripts/setup; a Keras 3 model
 * is rebuilt in legacy Keras first (scripts/setup/keras-to-tfjs.py). The result is then loaded as a sweep
 * loads it, so a layer TF.js lacks is reported now rather than in a sweep. Bad input changes nothing: the
 * conversion is written to a temporary sibling folder and moved into OUT only when it succeeded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { KERAS_MODEL_EXTENSIONS } from '../../activities/spec/convertible-model.js';
import { loadZooModel, modelInputShape } from '../../activities/training/model-zoo.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { projectRoot } from '../dev/tools.js';
import { CliError } from './context.js';
import { EXIT_CODES } from './exit-codes.js';

/** What `tools.json` records for the converter (scripts/setup/keras-converter.mjs). */
export interface KerasConverterTool {
  /** The `tensorflowjs_converter` script of the venv. */
  path: string;
  /** The venv's Python. */
  python: string;
  /** The pinned tensorflowjs version. */
  version: string;
}

/** What `--json` prints. */
export interface KerasConversion {
  input: string;
  output: string;
  modelJson: string;
  /** The files written into `output`, with their sizes in bytes. */
  files: { name: string; bytes: number }[];
  /** The Keras version the input was saved by. */
  kerasVersion: string;
  /** Whether the model was saved by Keras 3 and rebuilt in legacy Keras before converting. */
  rebuiltFromKeras3: boolean;
  /** Largest output difference between the Keras 3 model and its legacy rebuild, on random input. */
  rebuildMaxDifference?: number;
  converter: { tensorflowjs: string };
  /** Whether ncap's loader loads the result (`error` says why not). */
  loads: boolean;
  error?: string;
  layers?: number;
  /** The model's input shape without the batch axis (`null`: any size). */
  inputShape?: (number | null)[];
}

export interface ConvertCommandDeps {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Installs the converter when missing (status lines on stderr); returns where it is. */
  ensureConverter: () => Promise<KerasConverterTool>;
  /** The TF.js namespace the result is loaded with. */
  tf: () => Promise<Tf>;
}

const setupFile = (name: string): string => join(projectRoot(), 'scripts', 'setup', name);

/** The converter from scripts/setup/ensure-tools.mjs (plain JavaScript: imported at run time). */
async function ensureConverterWithSetup(): Promise<KerasConverterTool> {
  const setup = (await import(pathToFileURL(setupFile('ensure-tools.mjs')).href)) as {
    ensureTools: (which: string[]) => Record<string, KerasConverterTool>;
  };
  try {
    const tool = setup.ensureTools(['keras-converter'])['keras-converter'];
    if (!tool) throw new Error('the set-up recorded no converter');
    return tool;
  } catch (error) {
    throw new CliError(`ncap convert keras: ${(error as Error).message}`, EXIT_CODES.failure, {
      cause: error,
    });
  }
}

const defaultDeps: ConvertCommandDeps = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  ensureConverter: ensureConverterWithSetup,
  tf: async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    return tf;
  },
};

const usage = (message: string) => new CliError(`ncap convert keras: ${message}`, EXIT_CODES.usage);

/** Checks FILE and OUT before anything is installed or written. */
function checkPaths(file: string, out: string, force: boolean): void {
  if (!existsSync(file) || !statSync(file).isFile()) throw usage(`${file}: no such file`);
  if (!KERAS_MODEL_EXTENSIONS.some((ext) => file.toLowerCase().endsWith(ext))) {
    throw usage(`${file} is not a Keras model file: give a ${KERAS_MODEL_EXTENSIONS.join(', ')} file`);
  }
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw usage(`${out} exists and is not a folder: give a new folder`);
  const entries = readdirSync(out);
  if (entries.length === 0) return;
  if (!entries.includes('model.json')) {
    throw usage(`${out} is a folder with other files: give a new or empty folder`);
  }
  if (!force)
    throw usage(`${out} already holds a model.json: pass --force to replace it, or give a new folder`);
}

/** Runs the conversion script into `staging`; returns what it reported. */
function runConverter(
  tool: KerasConverterTool,
  file: string,
  staging: string,
): { kerasVersion: string; rebuilt: boolean; maxDifference?: number } {
  const result = spawnSync(tool.python, [setupFile('keras-to-tfjs.py'), file, staging], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: { ...process.env, TF_USE_LEGACY_KERAS: '1', TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  const report = result.stdout?.trim().split('\n').at(-1);
  if (result.error || result.status !== 0 || !report) {
    throw new CliError(
      `ncap convert keras: the converter failed on ${file} (${result.error?.message ?? `exit ${result.status}`}; ` +
        'its output is above); nothing was written',
      EXIT_CODES.failure,
    );
  }
  return JSON.parse(report) as { kerasVersion: string; rebuilt: boolean; maxDifference?: number };
}

/** Loads the result as a sweep would: whether it loads, and its shape. */
async function checkLoads(
  tf: Tf,
  modelJson: string,
): Promise<Pick<KerasConversion, 'loads' | 'error' | 'layers' | 'inputShape'>> {
  try {
    const zoo = await loadZooModel(pathToFileURL(modelJson).href, { tf });
    try {
      return {
        loads: true,
        layers: zoo.format === 'layers-model' ? zoo.model.layers.length : 0,
        inputShape: modelInputShape(zoo),
      };
    } finally {
      zoo.model.dispose();
    }
  } catch (error) {
    return { loads: false, error: (error as Error).message };
  }
}

/** Converts `file` into the folder `out`. @throws CliError for bad input (exit 2) or a failed conversion. */
export async function convertKeras(
  input: { file: string; out: string; force?: boolean },
  deps: ConvertCommandDeps,
): Promise<KerasConversion> {
  const file = resolve(input.file);
  const out = resolve(input.out);
  checkPaths(file, out, input.force ?? false);
  const tool = await deps.ensureConverter();
  deps.stderr(`[ncap convert] converting ${file} (tensorflowjs ${tool.version}, legacy Keras)\n`);
  mkdirSync(dirname(out), { recursive: true });
  const staging = join(dirname(out), `.${basename(out)}.ncap-convert-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  let reported;
  try {
    reported = runConverter(tool, file, staging);
    rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const modelJson = join(out, 'model.json');
  const files = readdirSync(out)
    .sort()
    .map((name) => ({ name, bytes: statSync(join(out, name)).size }));
  return {
    input: file,
    output: out,
    modelJson,
    files,
    kerasVersion: reported.kerasVersion,
    rebuiltFromKeras3: reported.rebuilt,
    ...(reported.maxDifference === undefined ? {} : { rebuildMaxDifference: reported.maxDifference }),
    converter: { tensorflowjs: tool.version },
    ...(await checkLoads(await deps.tf(), modelJson)),
  };
}

function describe(result: KerasConversion): string {
  const bytes = result.files.reduce((sum, f) => sum + f.bytes, 0);
  const lines = [
    `wrote ${result.modelJson} (${result.files.length} files, ${(bytes / 1024).toFixed(1)} KiB) from Keras ${result.kerasVersion}` +
      (result.rebuiltFromKeras3 ? ' (rebuilt in legacy Keras)' : ''),
    result.loads
      ? `loads in ncap: ${result.layers} layers, input [${(result.inputShape ?? []).map((d) => d ?? '?').join(', ')}]; name file://${result.modelJson} as a candidate's model`
      : `does NOT load in ncap: ${result.error}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Registers `convert keras FILE OUT` on `program`. */
export function registerConvertCommands(program: Command, overrides: Partial<ConvertCommandDeps> = {}): void {
  const deps = { ...defaultDeps, ...overrides };
  const convert = program
    .command('convert')
    .description('Convert models from other frameworks to ones ncap loads');
  convert
    .command('keras')
    .description(
      'Convert a Keras model file (.h5, .hdf5, .keras; Keras 2 or 3) to a TF.js LayersModel folder, then check ' +
        'that ncap loads it. The converter (tensorflowjs 4.22, legacy Keras, about 3 GB) is installed into ' +
        '.tools/keras-converter on first use.',
    )
    .argument('<file>', 'the Keras model file')
    .argument('<out>', 'the folder to write model.json and its weight files into (new or empty)')
    .option('--force', 'replace a model.json already in OUT')
    .option('--json', 'print what was written as JSON: {input, output, modelJson, files, loads, …}')
    .action(async (file: string, out: string, options: { force?: boolean; json?: boolean }) => {
      const result = await convertKeras({ file, out, force: options.force ?? false }, deps);
      deps.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
      if (!result.loads) process.exitCode = EXIT_CODES.failure;
    });
}
