/**
 * β_eff with the probe-input-width confound removed: the block-normalised capacitance β̃ (predictor
 * `beta-eff-scale-free`). Derived from the definitions before any zoo was scored:
 *
 * G_B's adjacency P is block-structured: block l holds the arcs from kernel l's synapses e = (i→j) to
 * kernel l+1's synapses e' = (j→k). With s_in = P 1 and s_out = 1ᵀ P, kernel l's share of the β_eff
 * numerator is num_l = Σ_{e∈l} s_out(e)·s_in(e), where s_out(e) sums block l and s_in(e) sums block l−1;
 * its share of the denominator is den_l = Σ_{e∈l} s_in(e) = the total weight of block l−1.
 *
 * Where does the candidate's feature width d enter? (1) As a dimension: only kernel 0 (the input
 * projection, d × w₁) has it, and through it every s_in of kernel 1 is a sum over d arcs. (2) As a scale:
 * the initial weights of kernel 0 scale like (d + w₁)^(−½) (Glorot), the activations a₁ = relu(W₀x) that
 * drive the gradients of the later kernels scale with ‖x‖·σ(W₀), and the `gradient-coupled` arcs
 * |E[a_i σ′(z_j) δ_k]| carry those activation scales multiplicatively. To first order each of these is a
 * constant factor per block of P. β_eff is not invariant to per-block factors: multiplying block l by
 * m_l multiplies num_l by m_l·m_{l−1} and den_l by m_{l−1}, which re-weights the layers' shares and so
 * moves β_eff with d even when no kernel of width d is scored.
 *
 * The variant therefore (1) leaves kernel 0 out of G_A, so every remaining kernel has the same shape for
 * every candidate (probe widths and classes), and (2) divides each block by its mean arc weight
 * m_l = (total weight of block l) / (in_l·out_l·out_{l+1}):
 *
 *     β̃ = Σ_{l≥2} num_l / (m_l·m_{l−1})  /  Σ_{l≥2} den_l / m_{l−1}     (m_L of the head's block: num_L = 0)
 *
 * β̃ is exactly invariant to any positive rescaling of any block (hence of any kernel under the product
 * models) and does not depend on d at all; what is left is how the coupling is distributed inside each
 * block, not how strong the blocks are. It costs nothing extra: the per-kernel sums come with every
 * computeBetaEff result. It removes the first-order (scale) route of the confound, not any effect of d on
 * the *pattern* of the couplings.
 *
 * Input: a computeBetaEff result with at least four kernels from kernel 0 on, or three after the input
 * projection was skipped (β̃ needs three scored kernels after kernel 0). Output: β̃ ≥ 0 for non-negative
 * models, dimensionless; `null` when a block has zero total weight. Direction: calibrated, like β_eff.
 */
import type { BetaEffResult } from '../capacitance/beta-eff.js';

/** β̃ from the per-kernel sums of `result`; `null` where it is undefined. */
export function betaScaleFree(result: Pick<BetaEffResult, 'layers'>): number | null {
  // Kernel 0 (the input projection) never counts; kernel 1's s_in came only from it, so kernel 1's terms
  // are dropped too (in a G_A that starts at kernel 1, its synapses have no incoming arcs).
  const chain = result.layers.filter((layer) => layer.index >= 1).sort((a, b) => a.index - b.index);
  if (chain.length < 3 || chain.some((layer, q) => layer.index !== chain[0]!.index + q)) return null;
  // Block q joins chain[q] to chain[q+1]; its total weight is chain[q+1]'s denominator.
  const blockMean = chain.slice(0, -1).map((layer, q) => {
    const next = chain[q + 1]!;
    return next.denominator / (layer.inDim * layer.outDim * next.outDim);
  });
  if (blockMean.some((m) => !(m > 0) || !Number.isFinite(m))) return null;
  let numerator = 0;
  let denominator = 0;
  for (let q = 1; q < chain.length; q++) {
    const layer = chain[q]!;
    denominator += layer.denominator / blockMean[q - 1]!;
    if (q < chain.length - 1) numerator += layer.numerator / (blockMean[q]! * blockMean[q - 1]!);
  }
  if (!(denominator > 0)) return null;
  const value = numerator / denominator;
  return Number.isFinite(value) ? value : null;
}
