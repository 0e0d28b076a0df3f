/**
 * The TF.js backends by name, without loading TF.js: for processes that only choose or report one
 * (the worker pool's supervisor). runtime.ts starts them.
 */

/** The backends, in the order `auto` tries them. */
export const TF_BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type TfBackendName = (typeof TF_BACKENDS)[number];

/** Environment variable that overrides the automatic choice. */
export const TF_BACKEND_ENV = 'NCAP_TF_BACKEND';

/** The npm package that provides each backend. */
export const TF_BACKEND_PACKAGES: Readonly<Record<TfBackendName, string>> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};
