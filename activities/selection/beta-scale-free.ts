/**
 * β_eff with the probe-input-width confound removed: the block-normalised capacitance β̃ (predictor
 * `beta-eff-scale-free`). Derived from the definitions before any zoo was scored:
 *
 * G_B's adjacency P is block-structured: block l holds the arcs between kernel l's synapses e = (i→j)
 * and kernel l+1's synapses e' = (j→k). β_eff = Σ_e s_out(e)·s_in(e) / Σ_e s_in(e) does not depend on the
 * arcs' orientation; with the orientation computeBetaEff uses, a synapse of kernel l has s_in(e) = its row
 * sum in block l and s_out(e) = its row sum in block l−1, so kernel l's shares are
 * num_l = Σ_{e∈l} s_out(e)·s_in(e) (blocks l−1 and l) and den_l = Σ_{e∈l} s_in(e) = the total weight of
 * block l.
 *
 * Where does the candidate's feature width d enter? (1) As a dimension: only kernel 0 (the input
 * projection, d × w₁) has it, and through it every s_in of kernel 1 is a sum over d arcs. (2) As a scale:
 * the initial weights of kernel 0 scale like (d + w₁)^(−½) (Glorot), the activations a₁ = relu(W₀x) that
 * drive the gradients of the later kernels scale with ‖x‖·σ(W₀), and the `gradient-coupled` arcs
 * |E[a_i σ′(z_j) δ_k]| carry those activation scales multiplicatively. To first order each of these is a
 * constant factor per block of P. β_eff is not invariant to per-block factors: multiplying block l by
 * m_l multiplies num_l by m_{l−1}·m_l and den_l by m_l, which re-weights the layers' shares and so
 * moves β_eff with d even when no kernel of width d is scored.
 *
 * The variant therefore (1) leaves kernel 0 out of G_A, so every remaining kernel has the same shape for
 * every candidate (probe widths and classes), and (2) divides each block by its mean arc weight
 * m_l = (total weight of block l) / (in_l·out_l·out_{l+1}):
 *
 *     β̃ = Σ_{l≥2} num_l / (m_{l−1}·m_l)  /  Σ_{l≥1} den_l / m_l
 *
 * (kernel 1's num is left out: in a G_A that starts at kernel 1 its synapses have no block before them;
 * the head's kernel L has num_L = den_L = 0; the denominator is then simply the number of arcs).
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
  const chain = result.layers.filter((layer) => layer.index >= 1).sort((a, b) => a.index - b.index);
  if (chain.length < 3 || chain.some((layer, q) => layer.index !== chain[0]!.index + q)) return null;
  // Block q joins chain[q] to chain[q+1]; its total weight is chain[q]'s denominator.
  const blockMean = chain.slice(0, -1).map((layer, q) => {
    const next = chain[q + 1]!;
    return layer.denominator / (layer.inDim * layer.outDim * next.outDim);
  });
  if (blockMean.some((m) => !(m > 0) || !Number.isFinite(m))) return null;
  let numerator = 0;
  let denominator = 0;
  for (let q = 0; q < chain.length - 1; q++) {
    denominator += chain[q]!.denominator / blockMean[q]!;
    if (q >= 1) numerator += chain[q]!.numerator / (blockMean[q - 1]! * blockMean[q]!);
  }
  if (!(denominator > 0)) return null;
  const value = numerator / denominator;
  return Number.isFinite(value) ? value : null;
}
