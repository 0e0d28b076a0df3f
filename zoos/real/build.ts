/**
 * Builds the real-network zoo: converts the networks registry packages ship into TF.js model folders in a
 * git-ignored cache, writes the target data set next to them, computes every candidate's frozen features
 * (one pass per network and split, stored as ncap feature-cache entries). Everything is cached: a second
 * build recomputes nothing whose inputs did not change. The ground truth is measured separately, through
 * ncap's own full-training sweeps (`npm run bench:selection -- --build-truth --zoo real`); a rebuild keeps
 * it in the manifest.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { extractNetworkFeatures, type NetworkFeatures } from './features.js';
import type { GroundTruth } from '../fashion/manifest.js';
import { convertNsfwjsModel } from './nsfwjs-bundle.js';
import { REAL_CANDIDATES, REAL_NETWORKS, TARGET_PLAN, type RealCandidate, type RealNetwork } from './plan.js';
import { TARGET_SPLITS, writeTargetData, type TargetSplit } from './target-data.js';

export const REAL_ZOO_MANIFEST_VERSION = 1;
/**
 * The manifest's `createdBy`: tells this format from the Fashion-MNIST zoos'. A recorded value (the builder's
 * path when the format was made; it is now zoos/real/build-real-zoo.ts), so shipped manifests still match.
 */
export const REAL_ZOO_BUILDER = 'scripts/real-zoo/build-real-zoo.ts';

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

export interface ManifestCandidate extends RealCandidate {
  /** Width of the probe's input. */
  featureDim: number;
  /** Feature-cache keys in the store, per split. */
  featureKeys: Record<TargetSplit, string>;
  groundTruth?: GroundTruth;
}

export interface RealZooManifest {
  version: typeof REAL_ZOO_MANIFEST_VERSION;
  createdBy: typeof REAL_ZOO_BUILDER;
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

/** What both real-zoo builders are given. */
export interface ZooBuildOptions {
  tf: Tf;
  /** Backend name, recorded with the timings. */
  backend: string;
  /** Absolute cache folder (models, target data, and the second zoo's packages). */
  cacheDir: string;
  /** `cacheDir` as written into the manifest (relative to the repository root). */
  cacheDirLabel: string;
  /** Folder of the Fashion-MNIST IDX files. */
  dataDir: string;
  /** The store feature-cache entries are written to (a sweep over the zoo should use the same one). */
  store: ArtifactStore;
  /** Manifest file (read for timings and the ground truth to carry over, then rewritten after every step). */
  manifestPath: string;
  log: (line: string) => void;
}

export interface BuildRealZooOptions extends ZooBuildOptions {
  /** Only these candidate ids. @default all */
  only?: readonly string[];
  /** Images per forward pass. @default 32 */
  batchSize?: number;
}

/** Reads a manifest; `undefined` when the file does not exist. */
export async function readRealZooManifest<M = RealZooManifest>(path: string): Promise<M | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as M;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a manifest atomically (either real zoo's format). */
export async function writeRealZooManifest(path: string, manifest: object): Promise<void> {
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

/** Writes (or finds) the target data in the cache folder; returns it as a manifest describes it. */
export async function prepareTargetDataset(
  options: Pick<ZooBuildOptions, 'cacheDir' | 'dataDir' | 'log'>,
): Promise<RealZooManifest['dataset']> {
  const target = await writeTargetData(options.cacheDir, options.dataDir, TARGET_PLAN);
  options.log(
    `target data: ${TARGET_SPLITS.map((s) => `${target.samples[s]} ${s}`).join(' / ')} (Fashion-MNIST, 10 classes)`,
  );
  return {
    name: 'fashion-mnist',
    origin: "Debian package dataset-fashion-mnist (Zalando Research's Fashion-MNIST, MIT licence)",
    classNames: target.classNames,
    storedShape: [28, 28, 1],
    normalisation: '[0,1]',
    seed: TARGET_PLAN.seed,
    paths: target.paths,
    samples: target.samples,
  };
}

/** Builds (or completes) the zoo and returns its manifest. */
export async function buildRealZoo(options: BuildRealZooOptions): Promise<RealZooManifest> {
  // Unknown ids are refused before anything is written.
  const candidates = selectCandidates(options.only);
  const previous = await readRealZooManifest(options.manifestPath);
  const dataset = await prepareTargetDataset(options);
  const manifest: RealZooManifest = {
    version: REAL_ZOO_MANIFEST_VERSION,
    createdBy: REAL_ZOO_BUILDER,
    cacheDir: options.cacheDirLabel,
    dataset,
    networks: [],
    candidates: [],
  };
  for (const network of REAL_NETWORKS) {
    const cuts = candidates.filter((c) => c.network === network.id);
    if (cuts.length === 0) continue;
    const { entry, modelUri } = await convertNetwork({
      network,
      cacheDir: options.cacheDir,
      before: previous?.networks.find((n) => n.id === network.id),
      log: options.log,
    });
    const perSplit = await extractSplitFeatures({ options, network, cuts, dataset, modelUri, entry });
    manifest.networks.push(entry);
    manifest.candidates.push(...cutCandidates(cuts, perSplit));
    await writeRealZooManifest(options.manifestPath, manifest);
  }
  // Candidates in the plan's order.
  manifest.candidates.sort(
    (a, b) =>
      REAL_CANDIDATES.findIndex((c) => c.id === a.id) - REAL_CANDIDATES.findIndex((c) => c.id === b.id),
  );
  await writeRealZooManifest(options.manifestPath, manifest);
  carryGroundTruth(manifest, previous);
  await writeRealZooManifest(options.manifestPath, manifest);
  return manifest;
}

/** The plan's candidates, or those of `only` (every id must be the plan's). */
function selectCandidates(only: readonly string[] | undefined): RealCandidate[] {
  const candidates = REAL_CANDIDATES.filter((c) => !only || only.includes(c.id));
  if (only) {
    const unknown = only.filter((id) => !REAL_CANDIDATES.some((c) => c.id === id));
    if (unknown.length > 0)
      throw new Error(
        `unknown candidate ids: ${unknown.join(', ')} (known: ${REAL_CANDIDATES.map((c) => c.id).join(', ')})`,
      );
  }
  return candidates;
}

/**
 * Converts one network's bundle into a model folder in the cache; returns its manifest entry, whose timings
 * carry over from the `before` entry while the converted model is the same.
 */
async function convertNetwork(input: {
  network: RealNetwork;
  cacheDir: string;
  before: ManifestNetwork | undefined;
  log: (line: string) => void;
}): Promise<{ entry: ManifestNetwork; modelUri: string }> {
  const { network, before } = input;
  const converted = await convertNsfwjsModel(
    join(packageFolder(network.package.name, network.package.version), network.bundleFolder),
    join(input.cacheDir, 'models', network.id),
  );
  const entry: ManifestNetwork = {
    ...network,
    modelPath: `models/${network.id}/model.json`,
    contentHash: converted.contentHash,
    weightBytes: converted.weightBytes,
    params: 0,
    featureSeconds: before?.contentHash === converted.contentHash ? { ...before.featureSeconds } : {},
    ...(before?.featureBackend ? { featureBackend: before.featureBackend } : {}),
  };
  input.log(
    `${network.id}: ${network.architecture} → ${entry.modelPath} (${(converted.weightBytes / 1e6).toFixed(1)} MB of weights)`,
  );
  return { entry, modelUri: pathToFileURL(converted.modelJsonPath).href };
}

/**
 * Every cut's features of one network over each split, from the store or computed; records the network's
 * parameter count and the splits' timings in `entry`.
 */
async function extractSplitFeatures(input: {
  options: BuildRealZooOptions;
  network: RealNetwork;
  cuts: readonly RealCandidate[];
  dataset: RealZooManifest['dataset'];
  modelUri: string;
  entry: ManifestNetwork;
}): Promise<Record<TargetSplit, NetworkFeatures>> {
  const { options, network, cuts, entry } = input;
  const perSplit = {} as Record<TargetSplit, NetworkFeatures>;
  for (const split of TARGET_SPLITS) {
    const f = await extractNetworkFeatures({
      tf: options.tf,
      store: options.store,
      modelUri: input.modelUri,
      datasetUri: pathToFileURL(join(options.cacheDir, input.dataset.paths[split])).href,
      normalisation: network.normalisation,
      cuts,
      batchSize: options.batchSize ?? 32,
      log: (line) => options.log(`${network.id} ${split}${line}`),
    });
    perSplit[split] = f;
    entry.params = f.params;
    if (f.cuts.some((c) => c.computed)) {
      entry.featureSeconds[split] = Number(f.seconds.toFixed(1));
      entry.featureBackend = options.backend;
      options.log(
        `${network.id} ${split}: ${cuts.length} cuts of ${f.samples} images at ${f.inputShape.join('×')} in ${f.seconds.toFixed(0)} s (${(f.samples / f.seconds).toFixed(1)} img/s)`,
      );
    } else {
      options.log(`${network.id} ${split}: features cached`);
    }
  }
  return perSplit;
}

/** The manifest's candidates for one network's cuts: feature width and each split's cache key. */
function cutCandidates(
  cuts: readonly RealCandidate[],
  perSplit: Record<TargetSplit, NetworkFeatures>,
): ManifestCandidate[] {
  return cuts.map((cut, k) => ({
    ...cut,
    featureDim: perSplit.train.cuts[k]!.featureDim,
    featureKeys: {
      train: perSplit.train.cuts[k]!.key,
      validation: perSplit.validation.cuts[k]!.key,
      test: perSplit.test.cuts[k]!.key,
    },
  }));
}

/**
 * The ground truth is measured by full-training sweeps; their cache key (features + recipe) says whether it
 * still holds, so a rebuild carries it over and `--build-truth` re-measures stale runs.
 */
function carryGroundTruth(manifest: RealZooManifest, previous: RealZooManifest | undefined): void {
  for (const candidate of manifest.candidates) {
    const truth: GroundTruth | undefined = previous?.candidates.find(
      (c) => c.id === candidate.id,
    )?.groundTruth;
    if (truth) candidate.groundTruth = truth;
  }
}
