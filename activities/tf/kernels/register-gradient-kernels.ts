/**
 * Registers the replacement gradient kernels: the ones the wasm backend lacks (`Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropFilter`/`Input`, so conv nets, MobileNet-style ones included, can train
 * on it), faster ones where a backend's own is slow on training shapes (wasm `Conv2DBackpropInput` and
 * transposed `BatchMatMul`; cpu `Conv2DBackpropFilter` and `DepthwiseConv2dNativeBackpropFilter`, whose
 * per-element loops dominated a training step). Each kernel runs TF.js ops on the active backend inside
 * `tidy` and returns the result tensor (the engine accepts a Tensor as a kernel output), so intermediates
 * are released and nothing is recorded on the gradient tape.
 */
import type {
  BatchMatMulAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  Tensor,
  Tensor4D,
} from '@tensorflow/tfjs';
import type { Tf } from '../tf-namespace.js';
import { asTensor } from './kernel-inputs.js';
import { isPlainProduct, matMulWithExplicitTransposes } from './batch-mat-mul.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilter } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInput } from './depthwise-conv2d-backprop-input.js';

/** Backends that get replacement kernels. */
export const KERNEL_BACKENDS = ['wasm', 'cpu'] as const;
export type KernelBackendName = (typeof KERNEL_BACKENDS)[number];

/**
 * When a kernel is registered for a backend: `missing` only where the backend has none; `replace` also
 * over the backend's own (kept, and restored by {@link restoreOriginalKernels}).
 */
export const KERNEL_POLICIES = ['missing', 'replace'] as const;
export type KernelPolicy = (typeof KERNEL_POLICIES)[number];

interface GradientKernel {
  kernelName: string;
  policy: Readonly<Partial<Record<KernelBackendName, KernelPolicy>>>;
  /** When true for a call's attributes, the displaced original kernel serves it directly. */
  useOriginal?: (attrs: NamedAttrMap) => boolean;
  /** Computes the output with TF.js ops (inside a `tidy`) from the inputs as Tensors. */
  compute: (
    tf: Tf,
    inputs: Readonly<Record<string, Tensor>>,
    attrs: NamedAttrMap,
    backend: KernelBackendName,
  ) => Tensor;
}

// The measured choices (bench/bench-train.ts and .tools experiments): wasm's own
// Conv2DBackpropInput loses to an XNNPACK convolution and its transposed BatchMatMul to a transpose
// plus a plain product; the cpu backend's own Conv2DBackpropInput, DepthwiseConv2dNativeBackpropInput
// and BatchMatMul are as fast as (or faster than) the alternatives there, so they stay.
const GRADIENT_KERNELS: readonly GradientKernel[] = [
  {
    kernelName: 'BatchMatMul',
    policy: { wasm: 'replace' },
    // The plain product is the backend's own (and is what the transposed path computes with).
    useOriginal: (attrs) => isPlainProduct(attrs as unknown as BatchMatMulAttrs),
    compute: (tf, { a, b }, attrs) =>
      matMulWithExplicitTransposes(tf, a!, b!, attrs as unknown as BatchMatMulAttrs),
  },
  {
    kernelName: 'Conv2DBackpropFilter',
    policy: { wasm: 'missing', cpu: 'replace' },
    compute: (tf, { x, dy }, attrs, backend) =>
      conv2dBackpropFilter(tf, x as Tensor4D, dy as Tensor4D, attrs as unknown as Conv2DBackpropFilterAttrs, {
        pointwiseAsMatMul: backend === 'cpu',
      }),
  },
  {
    kernelName: 'Conv2DBackpropInput',
    policy: { wasm: 'replace' },
    compute: (tf, { dy, filter }, attrs) =>
      conv2dBackpropInput(
        tf,
        dy as Tensor4D,
        filter as Tensor4D,
        attrs as unknown as Conv2DBackpropInputAttrs,
      ),
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    policy: { wasm: 'missing', cpu: 'replace' },
    compute: (tf, { x, dy }, attrs) =>
      depthwiseConv2dBackpropFilter(
        tf,
        x as Tensor4D,
        dy as Tensor4D,
        attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs,
      ),
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    policy: { wasm: 'missing' },
    compute: (tf, { dy, filter }, attrs) =>
      depthwiseConv2dBackpropInput(
        tf,
        dy as Tensor4D,
        filter as Tensor4D,
        attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs,
      ),
  },
];

/**
 * The engine calls a kernel inside its own bookkeeping, with the tape off; the returned Tensor is taken
 * as the kernel's output and `tidy` releases everything else. (The engine's debug leak check, on under
 * `IS_TEST`, miscounts inputs moved in from another backend here, because tfjs-core never pops its
 * per-kernel move counter after nested kernels; inputs that live on the kernel's backend pass it.)
 */
function kernelFunc(
  tf: Tf,
  kernel: GradientKernel,
  backend: KernelBackendName,
  original: KernelConfig | undefined,
): KernelFunc {
  return (params) => {
    const { inputs, attrs } = params;
    if (original !== undefined && kernel.useOriginal?.(attrs ?? {})) return original.kernelFunc(params);
    return tf.tidy(() => {
      const tensors: Record<string, Tensor> = {};
      for (const [name, info] of Object.entries(inputs as NamedTensorInfoMap)) {
        if (info !== undefined) tensors[name] = asTensor(tf, info);
      }
      return kernel.compute(tf, tensors, attrs ?? {}, backend);
    });
  };
}

/** The kernel names this module can register, for any backend. */
export const GRADIENT_KERNEL_NAMES: readonly string[] = GRADIENT_KERNELS.map((kernel) => kernel.kernelName);

/** Configs this module registered (to recognise its own kernels) and the originals they displaced. */
const ours = new WeakSet<KernelConfig>();
const originals = new Map<string, KernelConfig>();
const key = (kernelName: string, backend: string): string => `${backend}/${kernelName}`;

function isKernelBackend(name: string): name is KernelBackendName {
  return (KERNEL_BACKENDS as readonly string[]).includes(name);
}

/**
 * Registers the replacement gradient kernels for `backend` (a no-op for backends other than `wasm` and
 * `cpu`). Idempotent.
 * @returns the kernel names now served by this module's kernels on that backend.
 */
export function registerGradientKernels(tf: Tf, backend: string): string[] {
  if (!isKernelBackend(backend)) return [];
  const active: string[] = [];
  for (const kernel of GRADIENT_KERNELS) {
    const policy = kernel.policy[backend];
    if (policy === undefined) continue;
    const existing = tf.getKernel(kernel.kernelName, backend);
    if (existing !== undefined && ours.has(existing)) {
      active.push(kernel.kernelName);
      continue;
    }
    if (existing !== undefined) {
      if (policy === 'missing') continue;
      originals.set(key(kernel.kernelName, backend), existing);
      tf.unregisterKernel(kernel.kernelName, backend);
    } else if (kernel.useOriginal !== undefined) {
      continue; // it needs the backend's own kernel for part of its work
    }
    const config: KernelConfig = {
      kernelName: kernel.kernelName,
      backendName: backend,
      kernelFunc: kernelFunc(tf, kernel, backend, existing),
      // The displaced kernel may need its own setup (wasm kernels bind their C functions there).
      ...(existing?.setupFunc ? { setupFunc: existing.setupFunc } : {}),
      ...(existing?.disposeFunc ? { disposeFunc: existing.disposeFunc } : {}),
    };
    ours.add(config);
    tf.registerKernel(config);
    active.push(kernel.kernelName);
  }
  return active;
}

/** True when `kernelName` on `backend` is currently served by one of this module's kernels. */
export function isReplacementKernel(tf: Tf, kernelName: string, backend: string): boolean {
  const config = tf.getKernel(kernelName, backend);
  return config !== undefined && ours.has(config);
}

/**
 * The backend's own kernel that {@link registerGradientKernels} displaced, if any: the reference
 * implementation for tests and benchmarks.
 */
export function originalKernel(kernelName: string, backend: string): KernelConfig | undefined {
  return originals.get(key(kernelName, backend));
}

/**
 * Puts the backend's own kernels back and removes this module's kernels from `backend` (benchmarks use it
 * to time the reference). `registerGradientKernels` installs them again.
 */
export function restoreOriginalKernels(tf: Tf, backend: string): void {
  for (const kernelName of GRADIENT_KERNEL_NAMES) {
    if (!isReplacementKernel(tf, kernelName, backend)) continue;
    tf.unregisterKernel(kernelName, backend);
    const original = originals.get(key(kernelName, backend));
    if (original !== undefined) tf.registerKernel(original);
  }
}
