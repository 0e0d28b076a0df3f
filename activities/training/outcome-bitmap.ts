/**
 * Per-sample outcomes of one validation evaluation, stored as a correctness bitmap beside the run: bit i
 * is 1 when the i-th validation sample (the split's validation indices, ascending) was classified
 * correctly. Bits are packed most-significant first, as `numpy.packbits` does by default, with no header:
 * ⌈n / 8⌉ bytes (125 bytes per 1,000 images); the sample count is the result's `dataset.valSamples`.
 * Candidates of one sweep share the split, so bitmaps at the same rung pair up image by image.
 */
import type { ArtifactStore } from '../store/artifact-store.js';

/** Packs 0/1 outcomes (any non-zero counts as 1) into ⌈n / 8⌉ bytes, most-significant bit first. */
export function packOutcomes(hits: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(hits.length / 8));
  for (let i = 0; i < hits.length; i++) if (hits[i]) bytes[i >> 3]! |= 0x80 >> (i & 7);
  return bytes;
}

/** The `samples` outcomes (0/1) of a bitmap written by {@link packOutcomes}. */
export function unpackOutcomes(bytes: Uint8Array, samples: number): Uint8Array {
  if (bytes.length !== Math.ceil(samples / 8))
    throw new Error(
      `an outcome bitmap of ${samples} samples has ${Math.ceil(samples / 8)} bytes, this one has ${bytes.length}`,
    );
  const hits = new Uint8Array(samples);
  for (let i = 0; i < samples; i++) hits[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
  return hits;
}

/** Writes the bitmap of `hits` at `key` (a retry overwrites it with the same bytes). */
export async function writeOutcomes(
  store: ArtifactStore,
  key: string,
  hits: ArrayLike<number>,
): Promise<void> {
  await store.put(key, packOutcomes(hits), { contentType: 'application/octet-stream' });
}

/** Reads the bitmap at `key`; undefined when there is none (runs recorded before bitmaps existed). */
export async function readOutcomes(
  store: ArtifactStore,
  key: string,
  samples: number,
): Promise<Uint8Array | undefined> {
  if (!(await store.exists(key))) return undefined;
  return unpackOutcomes(await store.get(key), samples);
}
