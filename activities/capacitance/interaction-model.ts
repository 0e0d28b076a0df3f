/**
 * The interaction model: how the weighted adjacency P of the line graph G_B is derived from the probed
 * network G_A (docs/design.md §1). A model supplies two views of the same P:
 * - `closedForm`: the O(weights) sums β_eff needs, per kernel, without building G_B;
 * - `arcWeights`: the weight of one arc, used by the brute-force oracle and the per-arc baseline.
 * A model may need batch statistics (e.g. `gradient-coupled`: |E_batch[a_i·σ'(z_j)·δ_k]| per arc); those
 * arrive as named tensors (the snapshot's extra tensors, `stats.{l}.…`).
 */
import type { DenseKernel } from './network.js';

/** One named tensor of batch statistics, row-major. */
export interface StatsTensor {
  /** Dimensions, e.g. `[batch, width]`. */
  shape: readonly number[];
  /** Row-major values, length = product of `shape`. */
  data: Float32Array;
}

/** Batch statistics by tensor name (e.g. the `stats.{l}.…` tensors of a snapshot). */
export type InteractionStats = ReadonlyMap<string, StatsTensor>;

/**
 * The closed-form sums of one kernel l of G_A, i.e. of the G_B nodes that are kernel l's synapses e.
 * With `s_in = P 1` and `s_out = 1ᵀ P` (P[e, e'] > 0 for e = (i→j) followed by e' = (j→k)):
 */
export interface KernelSums {
  /** Σ_{e ∈ l} s_out(e)·s_in(e): kernel l's share of the β_eff numerator. */
  numerator: number;
  /** Σ_{e ∈ l} s_in(e): kernel l's share of the β_eff denominator (= 1ᵀ P 1). */
  denominator: number;
  /** Σ_{e ∈ l} s_out(e)·|w_e|: kernel l's share of the x_eff numerator (x_eff's denominator is 1ᵀ P 1). */
  xEffNumerator: number;
  /**
   * Σ_{e ∈ l} of the model's per-synapse factor (Σ|w| for `abs-product`). Not finite exactly when the
   * kernel holds a non-finite weight, which is how callers detect NaN/Inf without a separate pass.
   */
  strength: number;
}

/** P[e, e'] for e = (i→j) in kernel `layer` and e' = (j→k) in kernel `layer + 1` (indices within G_A's layers). */
export type ArcWeightFunction = (layer: number, i: number, j: number, k: number) => number;

/** A definition of P. Implementations must agree: the oracle tests hold every model to `closedForm = arcs`. */
export interface InteractionModel {
  /** Stable identifier, e.g. `abs-product`; appears in reports and on the CLI (`--model`). */
  readonly name: string;
  /** One line for `--help` and reports. */
  readonly description: string;
  /** Whether `stats` must be given (activity-dependent models). */
  readonly requiresStats: boolean;
  /**
   * Per-kernel sums for the chained, shape-checked kernels of G_A (at least three), in O(weights) time.
   * Must not throw on non-finite weights: it reports them through a non-finite `strength`.
   * `firstIndex` is the network index of `kernels[0]` (1 when the input projection is left out), for
   * models whose statistics are named by layer (`stats.{l}.…`). @default 0
   */
  closedForm(kernels: readonly DenseKernel[], stats?: InteractionStats, firstIndex?: number): KernelSums[];
  /** The arc weight function of G_B for the same kernels (slow path: oracle and baseline only). */
  arcWeights(
    kernels: readonly DenseKernel[],
    stats?: InteractionStats,
    firstIndex?: number,
  ): ArcWeightFunction;
}
