/**
 * `random`: the chance baseline. Input: the candidate id only. Output: a uniform value in [0, 1) that is a
 * deterministic function of (seed, candidate id), so a ranking is reproducible and independent of the
 * candidates' order; direction higher. Averaged over seeds its Kendall τ against any truth is 0.
 */
import type { Predictor } from './predictor.js';

/** FNV-1a over the id, mixed with the seed, finished with a murmur3-style avalanche. */
function hashUnit(seed: number, id: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h / 2 ** 32;
}

export const randomPredictor = (seed = 0): Predictor => ({
  name: 'random',
  description: `seeded random order (seed ${seed})`,
  needs: [],
  direction: 'higher',
  fit: () => ({
    fit: { runs: 0, direction: 'higher', source: 'fixed', note: null },
    score(row) {
      const value = hashUnit(seed, row.candidateId);
      return { value, raw: value, uncertainty: null };
    },
  }),
});
