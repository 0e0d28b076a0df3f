/**
 * Optimizers from the input, and their state to and from checkpoint tensors. Adam keeps two running
 * products (β1^t, β2^t) that `setWeights` recomputes with `pow`, which differs from the running product
 * in the last float32 bit; they are saved and restored as they are so a resumed run is byte-identical.
 */
import type { Optimizer, Tensor, Variable } from '@tensorflow/tfjs';
import type { ResolvedTrainingInput } from './resolve-input.js';
import type { Tf } from '../tf/tf-namespace.js';

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;

export function createOptimizer(tf: Tf, training: ResolvedTrainingInput['training']): Optimizer {
  switch (training.optimizer) {
    case 'adam':
      return tf.train.adam(training.learningRate, ADAM_BETA1, ADAM_BETA2);
    case 'momentum':
      return tf.train.momentum(training.learningRate, training.momentum);
    case 'sgd':
      return tf.train.sgd(training.learningRate);
  }
}

/** One saved optimizer tensor. */
export interface OptimizerTensor {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

interface AdamInternals {
  accBeta1?: Variable;
  accBeta2?: Variable;
}
const ADAM_EXTRAS = ['accBeta1', 'accBeta2'] as const;
const EXTRA_PREFIX = '__ncap__/';

const snapshotTensor = async (name: string, t: Tensor): Promise<OptimizerTensor> => {
  const data = await t.data();
  return {
    name,
    dtype: t.dtype === 'int32' ? 'int32' : 'float32',
    shape: [...t.shape],
    values:
      t.dtype === 'int32' ? Int32Array.from(data as Int32Array) : Float32Array.from(data as Float32Array),
  };
};

/** The optimizer's state (`getWeights()` plus Adam's running β products) as plain arrays. */
export async function exportOptimizerState(tf: Tf, optimizer: Optimizer): Promise<OptimizerTensor[]> {
  const out: OptimizerTensor[] = [];
  for (const { name, tensor } of await optimizer.getWeights()) {
    out.push(await snapshotTensor(name, tensor));
    // getWeights() makes a fresh scalar for the iteration count; the moments are the live variables.
    if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
  const adam = optimizer as unknown as AdamInternals;
  for (const key of ADAM_EXTRAS) {
    const variable = adam[key];
    if (variable) out.push(await snapshotTensor(`${EXTRA_PREFIX}${key}`, variable));
  }
  return out;
}

/** Restores state saved by {@link exportOptimizerState} into a fresh optimizer of the same kind. */
export async function importOptimizerState(
  tf: Tf,
  optimizer: Optimizer,
  saved: readonly OptimizerTensor[],
): Promise<void> {
  const regular = saved.filter((t) => !t.name.startsWith(EXTRA_PREFIX));
  const named = regular.map((t) => ({ name: t.name, tensor: tf.tensor(t.values, t.shape, t.dtype) }));
  try {
    await optimizer.setWeights(named);
  } finally {
    // setWeights copies the moments into new variables (and reads the iteration count).
    tf.dispose(named.map((n) => n.tensor));
  }
  const adam = optimizer as unknown as AdamInternals;
  for (const key of ADAM_EXTRAS) {
    const entry = saved.find((t) => t.name === `${EXTRA_PREFIX}${key}`);
    const variable = adam[key];
    if (entry && variable) {
      tf.tidy(() => variable.assign(tf.tensor(entry.values, entry.shape, entry.dtype)));
    }
  }
}
