/** Where the second real zoo lives, relative to the repository root. */

/** Packages, models and target data (git-ignored; `npm run zoo:real2:build` makes it). */
export const DEFAULT_CACHE_DIR = '.ncap/zoos/real2';
/** The committed manifest: networks, candidates, feature keys, ground truth. */
export const MANIFEST_PATH = 'zoos/real2-zoo/manifest.json';
/** The committed README whose networks and build-times tables the build rewrites. */
export const README_PATH = 'zoos/real2-zoo/README.md';
