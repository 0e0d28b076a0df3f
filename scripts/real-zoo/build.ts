/**
 * Builds the real-network zoo: converts the networks registry packages ship into TF.js model folders in a
 * git-ignored cache, writes the target data set next to them, computes every candidate's frozen features
 * (one pass per network and split, stored as ncap feature-cache entries) and, unless skipped, the frozen
 * ground truth. Everything is cached: a second build recomputes nothing whose inputs did not change.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { readFeatureCache } from '../../activities/training/feature-cache.js';
import { decodeSafetensors } from '../../activities/training/safetensors-file.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { extractNetworkFeatures, type NetworkFeatures } from './features.js';
import {
  FROZEN_TRUTH_RECIPE,
  trainProbeToPlateau,
  type FeatureSplit,
  type TruthRun,
} from './frozen-ground-truth.js';
import { convertNsfwjsModel } from './nsfwjs-bundle.js';
import { REAL_CANDIDATES, REAL_NETWORKS, TARGET_PLAN, type RealCandidate, type RealNetwork } from './plan.js';
import { TARGET_SPLITS, writeTargetData, type TargetSplit } from './target-data.js';

export const REAL_ZOO_MANIFEST_VERSION = 1;

export interface ManifestNetwork extends RealNetwork {
  /** `model.json` relative to the cache folder. */
  modelPath: string;
  /** SHA-256 of the converted model.json and shards. */
  contentHash: string;
  weightBytes: number;
  params: number;
  /** Wall seconds of the forward passes over each split (all cuts at once), as last computed. */
  featureSeconds: Partial<Record<TargetSplit, number>>;
  /** TF.js backend those passes ran on. */
  featureBackend?: string;
}

export interface GroundTruth {
  /** Mean test accuracy over the seeds, in [0, 1] (higher is better). */
  accuracyMean: number;
  /** Sample standard deviation (n − 1) of the runs' test accuracies. */
  accuracyStd: number;
  recipe: typeof FROZEN_TRUTH_RECIPE & {
    implementation: 'scripts/real-zoo/frozen-ground-truth.ts (stopgap)';
  };
  runs: Omit<TruthRun, 'validationCurve'>[];
  /** Hash of the features and recipe the runs depend on; a rebuild reuses the runs while it matches. */
  cacheKey: string;
}

export interface ManifestCandidate extends RealCandidate {
  /** Width of the probe's input. */
  featureDim: number;
  /** Feature-cache keys in the store, per split. */
  featureKeys: Record<TargetSplit, string>;
  groundTruth?: GroundTruth;
}

export interface RealZooManifest {
  version: typeof REAL_ZOO_MANIFEST_VERSION;
  createdBy: 'scripts/real-zoo/build-real-zoo.ts';
  /** Where models and data live, relative to the repository root (git-ignored; `npm run zoo:real:build` makes it). */
  cacheDir: string;
  dataset: {
    name: 'fashion-mnist';
    origin: string;
    classNames: string[];
    /** Stored 28×28×1 uint8; ncap resizes to each network's input and repeats gray to RGB. */
    storedShape: [28, 28, 1];
    normalisation: '[0,1]';
    seed: number;
    paths: Record<TargetSplit, string>;
    samples: Record<TargetSplit, number>;
  };
  networks: ManifestNetwork[];
  candidates: ManifestCandidate[];
}

export interface BuildRealZooOptions {
  tf: Tf;
  /** Backend name, recorded with the timings. */
  backend: string;
  /** Absolute cache folder (models, target data). */
  cacheDir: string;
  /** `cacheDir` as written into the manifest (relative to the repository root). */
  cacheDirLabel: string;
  /** Folder of the Fashion-MNIST IDX files. */
  dataDir: string;
  /** The store feature-cache entries are written to (a sweep over the zoo should use the same one). */
  store: ArtifactStore;
  /** Manifest file (read for cached ground truth and timings, then rewritten after every step). */
  manifestPath: string;
  /** Only these candidate ids. @default all */
  only?: readonly string[];
  /** Leave out the ground truth (zoo and features only). @default false */
  skipTruth?: boolean;
  batchSize?: number;
  log: (line: string) => void;
}

/** Reads a manifest; `undefined` when the file does not exist. */
export async function readRealZooManifest(path: string): Promise<RealZooManifest | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as RealZooManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeManifest(path: string, manifest: RealZooManifest): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, path);
}

/** The installed package folder of `name`, checked against the version the plan names. */
export function packageFolder(name: string, version: string): string {
  const require = createRequire(import.meta.url);
  // From the package's entry point up to its package.json (`exports` may hide `name/package.json`).
  let dir = dirname(require.resolve(name));
  for (;;) {
    const pkgJson = join(dir, 'package.json');
    if (existsSync(pkgJson)) {
      const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) {
        if (pkg.version !== version) {
          throw new Error(
            `${name}@${pkg.version} is installed, the zoo is built from ${name}@${version}: install that version`,
          );
        }
        return dir;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package.json of ${name}`);
    dir = parent;
  }
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sampleStd = (xs: readonly number[]): number => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
};

/** Builds (or completes) the zoo and returns its manifest. */
export async function buildRealZoo(options: BuildRealZooOptions): Promise<RealZooManifest> {
  const { tf, cacheDir, store, log } = options;
  const previous = await readRealZooManifest(options.manifestPath);
  const target = await writeTargetData(cacheDir, options.dataDir, TARGET_PLAN);
  log(
    `target data: ${TARGET_SPLITS.map((s) => `${target.samples[s]} ${s}`).join(' / ')} (Fashion-MNIST, 10 classes)`,
  );
  const candidates = REAL_CANDIDATES.filter((c) => !options.only || options.only.includes(c.id));
  if (options.only) {
    const unknown = options.only.filter((id) => !REAL_CANDIDATES.some((c) => c.id === id));
    if (unknown.length > 0)
      throw new Error(
        `unknown candidate ids: ${unknown.join(', ')} (known: ${REAL_CANDIDATES.map((c) => c.id).join(', ')})`,
      );
  }
  const manifest: RealZooManifest = {
    version: REAL_ZOO_MANIFEST_VERSION,
    createdBy: 'scripts/real-zoo/build-real-zoo.ts',
    cacheDir: options.cacheDirLabel,
    dataset: {
      name: 'fashion-mnist',
      origin: "Debian package dataset-fashion-mnist (Zalando Research's Fashion-MNIST, MIT licence)",
      classNames: target.classNames,
      storedShape: [28, 28, 1],
      normalisation: '[0,1]',
      seed: TARGET_PLAN.seed,
      paths: target.paths,
      samples: target.samples,
    },
    networks: [],
    candidates: [],
  };

  for (const network of REAL_NETWORKS) {
    const cuts = candidates.filter((c) => c.network === network.id);
    if (cuts.length === 0) continue;
    const modelDir = join(cacheDir, 'models', network.id);
    const converted = await convertNsfwjsModel(
      join(packageFolder(network.package.name, network.package.version), network.bundleFolder),
      modelDir,
    );
    const modelUri = pathToFileURL(converted.modelJsonPath).href;
    const before = previous?.networks.find((n) => n.id === network.id);
    const entry: ManifestNetwork = {
      ...network,
      modelPath: `models/${network.id}/model.json`,
      contentHash: converted.contentHash,
      weightBytes: converted.weightBytes,
      params: 0,
      featureSeconds: before?.contentHash === converted.contentHash ? { ...before.featureSeconds } : {},
      ...(before?.featureBackend ? { featureBackend: before.featureBackend } : {}),
    };
    log(
      `${network.id}: ${network.architecture} → ${entry.modelPath} (${(converted.weightBytes / 1e6).toFixed(1)} MB of weights)`,
    );
    const perSplit = {} as Record<TargetSplit, NetworkFeatures>;
    for (const split of TARGET_SPLITS) {
      perSplit[split] = await extractNetworkFeatures({
        tf,
        store,
        modelUri,
        datasetUri: pathToFileURL(join(cacheDir, target.paths[split])).href,
        normalisation: network.normalisation,
        cuts,
        batchSize: options.batchSize ?? 32,
        log: (line) => log(`${network.id} ${split}${line}`),
      });
      const f = perSplit[split];
      entry.params = f.params;
      if (f.cuts.some((c) => c.computed)) {
        entry.featureSeconds[split] = Number(f.seconds.toFixed(1));
        entry.featureBackend = options.backend;
        log(
          `${network.id} ${split}: ${cuts.length} cuts of ${f.samples} images at ${f.inputShape.join('×')} in ${f.seconds.toFixed(0)} s (${(f.samples / f.seconds).toFixed(1)} img/s)`,
        );
      } else {
        log(`${network.id} ${split}: features cached`);
      }
    }
    manifest.networks.push(entry);
    for (const [k, cut] of cuts.entries()) {
      manifest.candidates.push({
        ...cut,
        featureDim: perSplit.train.cuts[k]!.featureDim,
        featureKeys: {
          train: perSplit.train.cuts[k]!.key,
          validation: perSplit.validation.cuts[k]!.key,
          test: perSplit.test.cuts[k]!.key,
        },
      });
    }
    await writeManifest(options.manifestPath, manifest);
  }
  // Candidates in the plan's order.
  manifest.candidates.sort(
    (a, b) =>
      REAL_CANDIDATES.findIndex((c) => c.id === a.id) - REAL_CANDIDATES.findIndex((c) => c.id === b.id),
  );
  await writeManifest(options.manifestPath, manifest);
  if (options.skipTruth) return manifest;

  for (const [index, candidate] of manifest.candidates.entries()) {
    const tag = `[${index + 1}/${manifest.candidates.length}] ${candidate.id}`;
    const cacheKey = createHash('sha256')
      .update(JSON.stringify({ v: 1, features: candidate.featureKeys, recipe: FROZEN_TRUTH_RECIPE }))
      .digest('hex')
      .slice(0, 16);
    const cached = previous?.candidates.find((c) => c.id === candidate.id)?.groundTruth;
    if (cached?.cacheKey === cacheKey) {
      candidate.groundTruth = cached;
      log(
        `${tag} ground truth cached: ${(100 * cached.accuracyMean).toFixed(2)} ± ${(100 * cached.accuracyStd).toFixed(2)}%`,
      );
      continue;
    }
    const splits = {} as Record<TargetSplit, FeatureSplit>;
    for (const split of TARGET_SPLITS) {
      const labels = await readLabels(join(cacheDir, target.paths[split]));
      const indices = Array.from({ length: labels.length }, (_, i) => i);
      const features = await readFeatureCache(store, candidate.featureKeys[split], indices);
      if (!features)
        throw new Error(`${candidate.id}: feature cache entry ${candidate.featureKeys[split]} is missing`);
      splits[split] = { x: features.features, y: labels };
    }
    const runs: TruthRun[] = [];
    const started = performance.now();
    for (const seed of FROZEN_TRUTH_RECIPE.seeds) {
      runs.push(
        await trainProbeToPlateau(tf, {
          train: splits.train,
          validation: splits.validation,
          test: splits.test,
          featureDim: candidate.featureDim,
          numClasses: target.classNames.length,
          seed,
        }),
      );
    }
    const accuracies = runs.map((r) => r.testAccuracy);
    candidate.groundTruth = {
      accuracyMean: mean(accuracies),
      accuracyStd: sampleStd(accuracies),
      recipe: { ...FROZEN_TRUTH_RECIPE, implementation: 'scripts/real-zoo/frozen-ground-truth.ts (stopgap)' },
      runs: runs.map(({ validationCurve: _curve, ...run }) => run),
      cacheKey,
    };
    log(
      `${tag} ground truth ${(100 * candidate.groundTruth.accuracyMean).toFixed(2)} ± ${(100 * candidate.groundTruth.accuracyStd).toFixed(2)}% ` +
        `(best epochs ${runs.map((r) => r.bestEpoch).join(', ')}; ${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
    await writeManifest(options.manifestPath, manifest);
  }
  return manifest;
}

/** The `y` labels of a target split file. */
async function readLabels(path: string): Promise<Int32Array> {
  const file = await decodeSafetensors(new Uint8Array(await readFile(path)));
  const y = file.tensor('y');
  if (!y) throw new Error(`${path} has no y tensor`);
  return new Int32Array(y.bytes.buffer.slice(y.bytes.byteOffset, y.bytes.byteOffset + y.bytes.byteLength));
}
