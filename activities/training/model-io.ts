/**
 * TF.js model artifacts to and from bytes: reading `model.json` and its weight shards from any
 * {@link ByteSource} (the browser-free replacement for tfjs-node's file handler), and writing a model to
 * a folder or a set of files (tests, tools).
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { dirnameOf, joinPath, type ByteSource } from './sources/byte-source.js';

/** Model artifacts as read, with a content hash of topology and weights. */
export interface LoadedArtifacts {
  artifacts: io.ModelArtifacts;
  /** SHA-256 (hex) over `model.json` and every shard, in manifest order. */
  contentHash: string;
  /** The raw parsed `model.json`. */
  modelJson: io.ModelJSON;
}

/** `model.json` is missing its topology or manifest, or a shard is the wrong size. */
export class ModelArtifactsError extends Error {
  override name = 'ModelArtifactsError';
  readonly nonRetryable = true;
}

/** Concatenates byte chunks into one ArrayBuffer. */
export function concatBytes(chunks: readonly Uint8Array[]): ArrayBuffer {
  const total = chunks.reduce((s, c) => s + c.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out.buffer;
}

/** Reads `model.json` at `path` and the weight shards it lists (paths relative to its folder). */
export async function readModelArtifacts(source: ByteSource, path: string): Promise<LoadedArtifacts> {
  const jsonBytes = await source.read(path);
  let modelJson: io.ModelJSON;
  try {
    modelJson = JSON.parse(Buffer.from(jsonBytes).toString('utf8')) as io.ModelJSON;
  } catch (error) {
    throw new ModelArtifactsError(
      `${path} in ${source.description} is not JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (typeof modelJson !== 'object' || modelJson === null || !modelJson.modelTopology) {
    throw new ModelArtifactsError(
      `${path} in ${source.description} has no modelTopology; is it a TF.js model.json?`,
    );
  }
  const hash = createHash('sha256').update(jsonBytes);
  const weightSpecs: io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  const folder = dirnameOf(path);
  for (const group of modelJson.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const shardPath of group.paths) {
      const shard = await source.read(joinPath(folder, shardPath));
      hash.update(shard);
      shards.push(shard);
    }
  }
  const artifacts: io.ModelArtifacts = {
    modelTopology: modelJson.modelTopology,
    weightSpecs,
    weightData: concatBytes(shards),
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    ...(modelJson.trainingConfig ? { trainingConfig: modelJson.trainingConfig } : {}),
    ...(modelJson.signature ? { signature: modelJson.signature } : {}),
    ...(modelJson.userDefinedMetadata ? { userDefinedMetadata: modelJson.userDefinedMetadata } : {}),
    ...(modelJson.modelInitializer ? { modelInitializer: modelJson.modelInitializer } : {}),
  };
  return { artifacts, contentHash: hash.digest('hex'), modelJson };
}

/** An IOHandler that hands already-read artifacts to `tf.loadLayersModel` / `tf.loadGraphModel`. */
export function artifactsLoadHandler(artifacts: io.ModelArtifacts): io.IOHandler {
  return { load: () => Promise.resolve(artifacts) };
}

/** The bytes of `model.json` + `weights.bin` for saved artifacts (one shard). */
export function artifactsToFiles(
  artifacts: io.ModelArtifacts,
  shardName = 'weights.bin',
): Map<string, Uint8Array> {
  const weightData = artifacts.weightData;
  const weights = new Uint8Array(
    weightData === undefined
      ? new ArrayBuffer(0)
      : Array.isArray(weightData)
        ? concatBytes(weightData.map((b) => new Uint8Array(b)))
        : weightData,
  );
  const modelJson: io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    weightsManifest: [{ paths: [shardName], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.format ? { format: artifacts.format } : {}),
    ...(artifacts.generatedBy ? { generatedBy: artifacts.generatedBy } : {}),
    ...(artifacts.convertedBy !== undefined ? { convertedBy: artifacts.convertedBy } : {}),
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
  return new Map([
    ['model.json', new TextEncoder().encode(JSON.stringify(modelJson))],
    [shardName, weights],
  ]);
}

/** An IOHandler for `model.save()` that writes `model.json` + `weights.bin` into `dir` (created if needed). */
export function folderSaveHandler(dir: string): io.IOHandler {
  return {
    async save(artifacts) {
      await mkdir(dir, { recursive: true });
      const files = artifactsToFiles(artifacts);
      // Weights first, model.json last (via rename): a reader never sees a model.json without its shard.
      for (const [name, bytes] of files) {
        if (name === 'model.json') continue;
        await writeFile(join(dir, name), bytes);
      }
      const tmp = join(dir, `model.json.tmp-${process.pid}`);
      await writeFile(tmp, files.get('model.json') as Uint8Array);
      await rename(tmp, join(dir, 'model.json'));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: files.get('weights.bin')?.byteLength ?? 0,
        },
      };
    },
  };
}
