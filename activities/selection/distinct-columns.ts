/**
 * The columns of row-major features F [N, D] with the exactly zero ones dropped and each set of identical
 * ones merged into one, scaled by √(copies): a matrix F′ with FᵀF's non-zero eigenvalues and F's left
 * singular vectors U for them, exactly (F = F′ W with W's rows orthonormal). LogME (N > D) needs only
 * those, and dead ReLU units or repeated units otherwise reach the eigen-decomposition of FᵀF as exact
 * zero eigenvalues that come out as rounding noise (about 1e-16 of the largest), indistinguishable from
 * small true ones of ill-conditioned features, and Uᵀy = Vᵀ(Fᵀy)/s of noise is noise.
 */

export interface DistinctColumns {
  /** Row-major N × `width` F′: `features` itself when nothing was dropped or merged. */
  features: ArrayLike<number>;
  /** Columns of F′. */
  width: number;
}

/** A fixed pseudo-random weight per row, so that identical columns hash alike and others rarely do. */
const rowWeight = (r: number): number => 1 + ((r * 0.6180339887498949) % 1);

/** F′ of `features` (N × D, row-major). */
export function distinctColumns(features: ArrayLike<number>, n: number, d: number): DistinctColumns {
  const hash = new Float64Array(d);
  const nonZero = new Uint8Array(d);
  for (let r = 0; r < n; r++) {
    const weight = rowWeight(r);
    for (let c = 0; c < d; c++) {
      const value = features[r * d + c]!;
      hash[c] = hash[c]! + value * weight;
      if (value !== 0) nonZero[c] = 1;
    }
  }
  const same = (a: number, b: number): boolean => {
    for (let r = 0; r < n; r++) if (features[r * d + a] !== features[r * d + b]) return false;
    return true;
  };
  // Representative column → copies; candidates by hash, then compared value by value.
  const copies = new Map<number, number>();
  const byHash = new Map<number, number[]>();
  for (let c = 0; c < d; c++) {
    if (!nonZero[c]) continue;
    const bucket = byHash.get(hash[c]!) ?? [];
    const twin = bucket.find((kept) => same(kept, c));
    if (twin !== undefined) copies.set(twin, copies.get(twin)! + 1);
    else {
      bucket.push(c);
      byHash.set(hash[c]!, bucket);
      copies.set(c, 1);
    }
  }
  if (copies.size === d) return { features, width: d };
  const kept = [...copies.keys()];
  const scales = kept.map((c) => Math.sqrt(copies.get(c)!));
  const width = kept.length;
  const reduced = new Float64Array(n * width);
  for (let r = 0; r < n; r++)
    for (let k = 0; k < width; k++) reduced[r * width + k] = features[r * d + kept[k]!]! * scales[k]!;
  return { features: reduced, width };
}
