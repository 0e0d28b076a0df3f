/** A small seeded pseudo-random generator (mulberry32) for reproducible subsets, shuffles and seeds. */
import { mulberry32 as seededRandom } from '../../activities/training/rng.js';

/** Uniform floats in [0, 1), fully determined by `seed` (any 32-bit integer): the training code's mulberry32. */
export { seededRandom };

/** Fisher–Yates shuffle of a copy of `items`, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Derives a child seed from a parent seed and a label, so independent streams do not overlap. */
export function deriveSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
