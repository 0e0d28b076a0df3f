/**
 * The interaction models ncap knows, by name. `abs-product` is the default (docs/design.md §1); others are
 * candidates for the selection benchmark to compare.
 */
import { CapacitanceError } from './errors.js';
import type { ArcWeightFunction, InteractionModel } from './interaction-model.js';
import type { DenseKernel } from './network.js';
import { gradientCoupledModel } from './gradient-coupled-model.js';
import { productClosedForm } from './product-closed-form.js';

function productArcWeights(kernels: readonly DenseKernel[], signed: boolean): ArcWeightFunction {
  return (layer, i, j, k) => {
    const a = kernels[layer]!;
    const b = kernels[layer + 1]!;
    const wa = a.values[i * a.outDim + j]!;
    const wb = b.values[j * b.outDim + k]!;
    return signed ? wa * wb : Math.abs(wa) * Math.abs(wb);
  };
}

/** P[e, e'] = |w_e|·|w_e'|: the strength of a two-synapse path, sign ignored. The default. */
export const absProductModel: InteractionModel = {
  name: 'abs-product',
  description: "P[e,e'] = |w_e|·|w_e'| for consecutive synapses (sign ignored)",
  requiresStats: false,
  closedForm: (kernels) => productClosedForm(kernels, false),
  arcWeights: (kernels) => productArcWeights(kernels, false),
};

/**
 * P[e, e'] = w_e·w_e': signed path strength. Arcs can cancel, so 1ᵀ P 1 may be 0 or negative; β_eff is
 * then undefined (0) or of unclear meaning, which computeBetaEff reports.
 */
export const signedProductModel: InteractionModel = {
  name: 'signed-product',
  description: "P[e,e'] = w_e·w_e' for consecutive synapses (signed; arcs may cancel)",
  requiresStats: false,
  closedForm: (kernels) => productClosedForm(kernels, true),
  arcWeights: (kernels) => productArcWeights(kernels, true),
};

/** The built-in models by name. */
export const INTERACTION_MODELS = {
  'abs-product': absProductModel,
  'signed-product': signedProductModel,
  'gradient-coupled': gradientCoupledModel,
} as const satisfies Record<string, InteractionModel>;

/** Name of a built-in interaction model. */
export type InteractionModelName = keyof typeof INTERACTION_MODELS;

/** The default interaction model's name. */
export const DEFAULT_INTERACTION_MODEL: InteractionModelName = 'abs-product';

/** Names of the built-in models, for help texts and CLI choices. */
export const INTERACTION_MODEL_NAMES = Object.keys(INTERACTION_MODELS) as InteractionModelName[];

export function isInteractionModelName(name: string): name is InteractionModelName {
  return Object.hasOwn(INTERACTION_MODELS, name);
}

/**
 * The model given by name, or the model itself when an instance is passed.
 * @throws CapacitanceError for an unknown name, listing the known ones.
 */
export function resolveInteractionModel(model: string | InteractionModel | undefined): InteractionModel {
  if (model === undefined) return INTERACTION_MODELS[DEFAULT_INTERACTION_MODEL];
  if (typeof model !== 'string') return model;
  if (isInteractionModelName(model)) return INTERACTION_MODELS[model];
  throw new CapacitanceError(
    `unknown interaction model ${JSON.stringify(model)}; use one of ${INTERACTION_MODEL_NAMES.join(', ')}`,
  );
}
