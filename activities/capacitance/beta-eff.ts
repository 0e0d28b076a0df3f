/**
 * Neural capacitance β_eff = 1ᵀ P s_in / 1ᵀ P 1 of a probed network's line graph (docs/design.md §1), by
 * the closed form: O(number of weights), float64 accumulation, G_B never built.
 */
import { InvalidNetworkError } from './errors.js';
import type { InteractionModel, InteractionStats } from './interaction-model.js';
import { type InteractionModelName, resolveInteractionModel } from './interaction-models.js';
import { assertFiniteWeights, type DenseKernel, kernelLabel, validateKernelShapes } from './network.js';

/** Fewest weight layers with a non-trivial numerator: arcs need two consecutive synapses, s_in·s_out three. */
export const MIN_SCORED_LAYERS = 3;

/** Which kernels of a snapshot form G_A. */
export interface KernelSelectionOptions {
  /**
   * Leave out kernel 0, the input projection from the backbone's features, whose width differs per
   * candidate and otherwise dominates β_eff (docs/design.md §1). The remaining kernels must number at
   * least 3. The library scores every kernel unless told; a sweep spec's `selection.skipInputProjection`
   * (and `ncap beta`) default to leaving it out.
   * @default false
   */
  skipInputProjection?: boolean;
}

export interface BetaEffOptions extends KernelSelectionOptions {
  /**
   * The interaction model defining P: a built-in name or a model instance.
   * @default 'abs-product'
   */
  model?: InteractionModelName | InteractionModel;
  /** Batch statistics, required by models with `requiresStats` (e.g. a gradient-coupled model). */
  stats?: InteractionStats;
}

/** One kernel's part of β_eff. Sums are over the G_B nodes that are this kernel's synapses. */
export interface BetaEffLayer {
  /** Index of the kernel in the list given to computeBetaEff (0 = input projection). */
  index: number;
  /** The kernel's name, when it has one (e.g. `ncp.1.kernel`). */
  name?: string;
  inDim: number;
  outDim: number;
  /** Number of synapses, inDim·outDim. */
  weights: number;
  /** Σ of the model's per-synapse factor; Σ|w| for `abs-product`. */
  strength: number;
  /** Σ s_out(e)·s_in(e) over this kernel's synapses; the first and last kernels contribute 0. */
  numerator: number;
  /** Σ s_in(e) over this kernel's synapses; the last kernel contributes 0. */
  denominator: number;
}

export interface BetaEffResult {
  /**
   * numerator / denominator; for `abs-product` ≥ 0, in units of weight² (scaling all weights by c scales
   * it by c²). Whether a higher β_eff predicts a better candidate is calibrated on observed runs
   * (calibrateDirection), never assumed.
   */
  betaEff: number;
  /** 1ᵀ P s_in = Σ_e s_out(e)·s_in(e). */
  numerator: number;
  /** 1ᵀ P 1 = Σ_e s_in(e) = Σ over hidden neurons of in-strength × out-strength. */
  denominator: number;
  /** Σ_e s_out(e)·|w_e| / Σ_e s_out(e): the effective state (an s_out-weighted mean |w|). */
  xEff: number;
  /** The interaction model used. */
  model: string;
  /** Whether kernel 0 was left out of G_A. */
  skipInputProjection: boolean;
  /** Number of synapses in G_A (nodes of G_B). */
  weightCount: number;
  /** Per scored kernel, in network order. */
  layers: BetaEffLayer[];
}

/**
 * The kernels that form G_A under the selection, with their original indices.
 * @throws InvalidNetworkError when fewer than {@link MIN_SCORED_LAYERS} remain.
 */
export function selectScoredKernels(
  kernels: readonly DenseKernel[],
  options: KernelSelectionOptions = {},
): { kernels: DenseKernel[]; firstIndex: number } {
  const firstIndex = options.skipInputProjection ? 1 : 0;
  const selected = kernels.slice(firstIndex);
  if (selected.length < MIN_SCORED_LAYERS) {
    const skipped = options.skipInputProjection ? ' after leaving out the input projection' : '';
    throw new InvalidNetworkError(
      `β_eff needs at least ${MIN_SCORED_LAYERS} consecutive weight layers (with fewer the numerator is identically 0); ` +
        `got ${selected.length}${skipped} of ${kernels.length} kernels`,
    );
  }
  return { kernels: selected, firstIndex };
}

/**
 * β_eff of the probed network and its parts, in one read of every scored weight.
 * @param kernels G_A's dense kernels in order (input projection first, classifier head last).
 * @throws InvalidNetworkError on bad shapes, non-finite weights, too few layers, or a zero denominator.
 */
export function computeBetaEff(kernels: readonly DenseKernel[], options: BetaEffOptions = {}): BetaEffResult {
  validateKernelShapes(kernels);
  const model = resolveInteractionModel(options.model);
  const { kernels: scored, firstIndex } = selectScoredKernels(kernels, options);
  if (model.requiresStats && !options.stats) {
    throw new InvalidNetworkError(`interaction model ${model.name} needs batch statistics (options.stats)`);
  }

  const sums = model.closedForm(scored, options.stats, firstIndex);
  if (sums.length !== scored.length) {
    throw new Error(
      `interaction model ${model.name} returned ${sums.length} kernel sums for ${scored.length} kernels`,
    );
  }

  let numerator = 0;
  let denominator = 0;
  let xEffNumerator = 0;
  let weightCount = 0;
  const layers: BetaEffLayer[] = [];
  for (let p = 0; p < scored.length; p++) {
    const kernel = scored[p]!;
    const part = sums[p]!;
    if (!Number.isFinite(part.strength)) {
      assertFiniteWeights(scored, firstIndex);
      throw new InvalidNetworkError(
        `${kernelLabel(kernel, p + firstIndex)}: interaction model ${model.name} gave a non-finite strength`,
        p + firstIndex,
      );
    }
    numerator += part.numerator;
    denominator += part.denominator;
    xEffNumerator += part.xEffNumerator;
    weightCount += kernel.values.length;
    layers.push({
      index: p + firstIndex,
      ...(kernel.name ? { name: kernel.name } : {}),
      inDim: kernel.inDim,
      outDim: kernel.outDim,
      weights: kernel.values.length,
      strength: part.strength,
      numerator: part.numerator,
      denominator: part.denominator,
    });
  }

  if (!Number.isFinite(numerator) || !Number.isFinite(denominator)) {
    throw new InvalidNetworkError(
      `β_eff overflowed (numerator ${numerator}, denominator ${denominator}); weights are too large`,
    );
  }
  if (denominator === 0) {
    throw new InvalidNetworkError(
      `β_eff is undefined: 1ᵀP1 = 0 under ${model.name} (no hidden neuron has both incoming and outgoing weight)`,
    );
  }
  return {
    betaEff: numerator / denominator,
    numerator,
    denominator,
    xEff: xEffNumerator / denominator,
    model: model.name,
    skipInputProjection: firstIndex === 1,
    weightCount,
    layers,
  };
}
