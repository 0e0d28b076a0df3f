/** Where the real zoo lives, relative to the repository root. */

/** Models and target data (git-ignored; `npm run zoo:real:build` makes it). */
export const DEFAULT_CACHE_DIR = '.ncap/zoos/real';
/** The committed manifest: candidates, timings, ground truth. */
export const MANIFEST_PATH = 'zoos/real-zoo/manifest.json';
