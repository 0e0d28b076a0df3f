/**
 * npm `nsfwjs` ships its TF.js models as browserify "standalone" bundles: `model.min.js` exports the
 * `model.json` object and each `groupN-shardKofM.min.js` exports one weight shard as a base64 string.
 * This module turns such a folder into a plain TF.js model folder (`model.json` + `.bin` shards) that any
 * TF.js loader, ncap's included, reads by URI.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { io } from '@tensorflow/tfjs';

/** A bundle that does not evaluate to what nsfwjs's loader expects. */
export class NsfwjsBundleError extends Error {
  override name = 'NsfwjsBundleError';
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Evaluates a browserify standalone bundle and returns what it exports. The bundle runs in a fresh V8
 * context holding only `module` and `exports` (no `require`, no Node globals): these bundles are data.
 */
export function evaluateBundle(code: string, file = '<bundle>'): unknown {
  const module = { exports: {} as unknown };
  try {
    runInNewContext(code, { module, exports: module.exports }, { filename: file, timeout: 60_000 });
  } catch (error) {
    throw new NsfwjsBundleError(`${file} does not evaluate: ${(error as Error).message}`, file, {
      cause: error,
    });
  }
  return module.exports;
}

/**
 * Wraps `value` in the same standalone-bundle shape (UMD prelude, one browserify module) nsfwjs ships;
 * `value` must be JSON-serialisable. Used to make test fixtures in the shipped format.
 */
export function encodeBundle(value: unknown, globalName: string): string {
  return (
    '!function(e){if("object"==typeof exports&&"undefined"!=typeof module)module.exports=e();' +
    `else{("undefined"!=typeof window?window:"undefined"!=typeof global?global:this).${globalName}=e()}}` +
    '(function(){return function e(a,n,i){function l(_){if(!n[_]){var r=n[_]={exports:{}};' +
    'a[_][0].call(r.exports,function(e){return l(a[_][1][e]||e)},r,r.exports,e,a,n,i)}return n[_].exports}' +
    `for(var t=0;t<i.length;t++)l(i[t]);return l}({1:[function(e,a,n){a.exports=${JSON.stringify(value)}},{}]},{},[1])(1)});`
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The shard file a manifest path names in an nsfwjs folder: `group1-shard1of6` → `group1-shard1of6.min.js`. */
export const bundledShardFile = (manifestPath: string): string => `${manifestPath}.min.js`;

export interface ConvertedModel {
  /** `model.json` written, absolute. */
  modelJsonPath: string;
  /** Byte size of all weight shards. */
  weightBytes: number;
  /** SHA-256 (hex) of the written `model.json` followed by every shard, in manifest order. */
  contentHash: string;
  /** `'graph-model'` or `'layers-model'`, from the topology. */
  format: 'graph-model' | 'layers-model';
}

/**
 * Converts the nsfwjs model folder `srcDir` (`model.min.js` + shard bundles) into `outDir/model.json` +
 * `outDir/<path>.bin`. The topology and the weight specs (with their quantisation) are kept as they are;
 * only the shard paths change. Every file is written via a rename, `model.json` last, so a reader (or
 * another build) never sees a partial file or a `model.json` without its shards. Deterministic: the same input gives byte-identical output.
 * @throws NsfwjsBundleError when a bundle is missing or malformed, or a shard has the wrong size.
 */
export async function convertNsfwjsModel(srcDir: string, outDir: string): Promise<ConvertedModel> {
  const modelFile = join(srcDir, 'model.min.js');
  const read = async (file: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new NsfwjsBundleError(`cannot read ${file}: ${(error as Error).message}`, file, { cause: error });
    }
  };
  const model = evaluateBundle(await read(modelFile), modelFile);
  if (!isObject(model) || !isObject(model.modelTopology) || !Array.isArray(model.weightsManifest)) {
    throw new NsfwjsBundleError(
      `${modelFile} does not export a TF.js model.json (modelTopology + weightsManifest)`,
      modelFile,
    );
  }
  const manifest = model.weightsManifest as io.WeightsManifestConfig;
  await mkdir(outDir, { recursive: true });
  const shards: Uint8Array[] = [];
  const groups: io.WeightsManifestConfig = [];
  for (const group of manifest) {
    const paths: string[] = [];
    for (const path of group.paths) {
      const file = join(srcDir, bundledShardFile(path));
      const base64 = evaluateBundle(await read(file), file);
      if (typeof base64 !== 'string')
        throw new NsfwjsBundleError(`${file} does not export a base64 string`, file);
      const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
      const name = `${path}.bin`;
      await writeAtomically(join(outDir, name), bytes);
      shards.push(bytes);
      paths.push(name);
    }
    const expected = group.weights.reduce((sum, w) => sum + specBytes(w), 0);
    const actual = shards.slice(-paths.length).reduce((sum, s) => sum + s.byteLength, 0);
    if (expected !== actual) {
      throw new NsfwjsBundleError(
        `the shards of group [${group.paths.join(', ')}] hold ${actual} bytes, its weight specs need ${expected}`,
        modelFile,
      );
    }
    groups.push({ ...group, paths });
  }
  const modelJson = { ...model, weightsManifest: groups };
  const jsonBytes = new TextEncoder().encode(JSON.stringify(modelJson));
  const modelJsonPath = join(outDir, 'model.json');
  await writeAtomically(modelJsonPath, jsonBytes);
  const hash = createHash('sha256').update(jsonBytes);
  for (const s of shards) hash.update(s);
  const topology = model.modelTopology as { node?: unknown };
  return {
    modelJsonPath,
    weightBytes: shards.reduce((sum, s) => sum + s.byteLength, 0),
    contentHash: hash.digest('hex'),
    format: model.format === 'graph-model' || Array.isArray(topology.node) ? 'graph-model' : 'layers-model',
  };
}

/** Writes via a temporary file and a rename, so concurrent builds and readers never see a partial file. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  float16: 2,
  uint16: 2,
};

/** Stored bytes of one weight spec (quantised weights take their quantised width). */
function specBytes(spec: io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const width = DTYPE_BYTES[dtype];
  if (width === undefined) throw new NsfwjsBundleError(`weight ${spec.name} has dtype ${dtype}`, spec.name);
  return count * width;
}
