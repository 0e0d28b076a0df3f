/**
 * Chooses and starts the TF.js backend, once per process: `tfjs-node-gpu` (CUDA workers) → `tfjs-node`
 * → `wasm` (SIMD, one thread: wasm threads do not work in Node) → `cpu`, or the one named by
 * `NCAP_TF_BACKEND` / the `backend` option. The native packages are optional peer dependencies loaded
 * only if installed. On wasm and cpu it registers the replacement gradient kernels (see kernels/).
 */
import * as tfjs from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { InvalidTfBackendError, TfBackendUnavailableError, TfRuntimeConflictError } from './errors.js';
import { registerGradientKernels } from './kernels/register-gradient-kernels.js';
import type { Tf } from './tf-namespace.js';
import { TF_BACKEND_ENV, TF_BACKEND_PACKAGES, TF_BACKENDS, type TfBackendName } from './backend-names.js';
import type * as WasmBackendModule from '@tensorflow/tfjs-backend-wasm';

/** Puts back `util.isNullOrUndefined` (removed in Node 23) for tfjs-node's native binding. */
export function restoreUtilIsNullOrUndefined(): boolean {
  // The CommonJS `util` object is the one tfjs-node requires; it is mutable (the ESM namespace is not).
  const util = createRequire(import.meta.url)('node:util') as {
    isNullOrUndefined?: (value: unknown) => boolean;
  };
  if (typeof util.isNullOrUndefined === 'function') return false;
  util.isNullOrUndefined = (value: unknown): boolean => value === null || value === undefined;
  return true;
}

/**
 * Points the deprecated `util.isArray` at `Array.isArray`: tfjs-node calls it per op, and Node 22+ prints a
 * deprecation warning for it.
 */
export function quietUtilIsArray(): void {
  const util = createRequire(import.meta.url)('node:util') as { isArray?: (value: unknown) => boolean };
  util.isArray = Array.isArray;
}

export type { Tf } from './tf-namespace.js';

export { TF_BACKEND_ENV, TF_BACKEND_PACKAGES, TF_BACKENDS, type TfBackendName } from './backend-names.js';

/** Where the runtime reports its choice (console, a Temporal logger…). */
export interface TfLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface InitTfOptions {
  /**
   * The backend to start, or `auto` for the first that works in {@link TF_BACKENDS} order.
   * @default the value of `NCAP_TF_BACKEND`, else `auto`
   */
  backend?: TfBackendName | 'auto';
  /**
   * Receives the start line (`tf backend: wasm (simd) tfjs 4.22.0`) and why a backend was skipped.
   * @default console
   */
  logger?: TfLogger;
  /**
   * Environment the `NCAP_TF_BACKEND` override is read from.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Folder holding the `tfjs-backend-wasm*.wasm` binaries (for bundled deployments).
   * @default the `dist` folder of the installed `@tensorflow/tfjs-backend-wasm`
   */
  wasmDir?: string;
  /**
   * Loads a package by name; tests inject fakes for the native packages.
   * @default dynamic `import()`
   */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** The started TF.js runtime. */
export interface TfRuntime {
  /** The TF.js namespace to use everywhere (one instance per process). */
  readonly tf: Tf;
  /** The backend that was chosen. */
  readonly backend: TfBackendName;
  /** The engine's name for it: `tensorflow` for the native packages, else `wasm` / `cpu`. */
  readonly engineBackend: string;
  /** tfjs-core version, e.g. `4.22.0`. */
  readonly version: string;
  /** True when the wasm backend runs its SIMD binary; false for every other backend. */
  readonly simd: boolean;
  /** Gradient kernels this runtime registered on the engine backend (empty for the native backends). */
  readonly kernels: readonly string[];
  /** The start line, e.g. `tf backend: wasm (simd) tfjs 4.22.0`. */
  readonly description: string;
}

/**
 * `import()` after checking that the package resolves, so an absent package fails the same way (Node's
 * `ERR_MODULE_NOT_FOUND`) under plain Node and under bundling test runners that word it differently.
 */
async function defaultImport(specifier: string): Promise<unknown> {
  try {
    createRequire(import.meta.url).resolve(specifier);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') {
      throw Object.assign(
        new Error(`Cannot find package '${specifier}' imported from ${import.meta.url}`, { cause: error }),
        {
          code: 'ERR_MODULE_NOT_FOUND',
        },
      );
    }
  }
  return import(specifier);
}

let started: { promise: Promise<TfRuntime>; requested: TfBackendName | 'auto' } | undefined;

/**
 * Starts the TF.js runtime once per process; later calls return the same runtime (concurrent callers
 * share one start). A failed start is not cached, so a later call tries again.
 * @throws InvalidTfBackendError for an unknown backend name (option or `NCAP_TF_BACKEND`).
 * @throws TfBackendUnavailableError when the requested backend is not installed or fails to start.
 * @throws TfRuntimeConflictError when asked for a backend other than the one already running.
 */
export async function initTf(options: InitTfOptions = {}): Promise<TfRuntime> {
  const requested = requestedBackend(options);
  if (started === undefined) {
    const attempt = { promise: startTfRuntime({ ...options, backend: requested }), requested };
    started = attempt;
    attempt.promise.catch(() => {
      if (started === attempt) started = undefined;
    });
  }
  const runtime = await started.promise;
  if (requested !== 'auto' && requested !== runtime.backend) {
    throw new TfRuntimeConflictError(
      `TF.js already runs on ${runtime.backend} in this process; cannot switch to ${requested} (set ${TF_BACKEND_ENV} before the first initTf call)`,
    );
  }
  return runtime;
}

/**
 * Selects and starts a backend without the once-per-process cache (tests; prefer {@link initTf}). It
 * switches the process-global TF.js engine to that backend.
 */
export async function startTfRuntime(options: InitTfOptions = {}): Promise<TfRuntime> {
  const requested = requestedBackend(options);
  const logger = options.logger ?? console;
  const importModule = options.importModule ?? defaultImport;
  const candidates = requested === 'auto' ? TF_BACKENDS : [requested];
  for (const backend of candidates) {
    let loaded: Awaited<ReturnType<typeof startBackend>>;
    try {
      loaded = await startBackend(backend, importModule, options.wasmDir);
    } catch (error) {
      if (requested !== 'auto') {
        throw new TfBackendUnavailableError(
          isMissingPackage(error, TF_BACKEND_PACKAGES[backend])
            ? `TF.js backend ${backend} is not installed: run \`npm install ${TF_BACKEND_PACKAGES[backend]}@${tfjs.version_core}\` or choose another with ${TF_BACKEND_ENV}=${TF_BACKENDS.filter((name) => name !== backend).join('|')}`
            : `TF.js backend ${backend} failed to start: ${errorMessage(error)}`,
          backend,
          { cause: error },
        );
      }
      if (!isMissingPackage(error, TF_BACKEND_PACKAGES[backend])) {
        logger.warn(`tf backend ${backend} failed to start, trying the next one: ${errorMessage(error)}`);
      }
      continue;
    }
    if (loaded.engineBackend !== 'tensorflow') silenceCpuBanner(loaded.tf);
    const kernels = registerGradientKernels(loaded.tf, loaded.engineBackend);
    const version = loaded.tf.version_core;
    const flavour = backend === 'wasm' ? (loaded.simd ? ' (simd)' : ' (no simd)') : '';
    const description = `tf backend: ${backend}${flavour} tfjs ${version}`;
    logger.info(description);
    return { ...loaded, backend, version, kernels, description };
  }
  // Unreachable in practice: the pure-JS cpu backend ships with @tensorflow/tfjs.
  throw new TfBackendUnavailableError(
    `no TF.js backend could start (tried ${candidates.join(', ')})`,
    requested,
  );
}

function requestedBackend(options: InitTfOptions): TfBackendName | 'auto' {
  if (options.backend !== undefined) return checkBackendName(options.backend, 'options.backend');
  const fromEnv = (options.env ?? process.env)[TF_BACKEND_ENV]?.trim();
  return fromEnv ? checkBackendName(fromEnv, TF_BACKEND_ENV) : 'auto';
}

function checkBackendName(value: string, field: string): TfBackendName | 'auto' {
  if (value === 'auto' || (TF_BACKENDS as readonly string[]).includes(value))
    return value as TfBackendName | 'auto';
  throw new InvalidTfBackendError(
    `${field}=${JSON.stringify(value)} is not a TF.js backend: use auto|${TF_BACKENDS.join('|')}`,
    field,
  );
}

async function startBackend(
  backend: TfBackendName,
  importModule: (specifier: string) => Promise<unknown>,
  wasmDir: string | undefined,
): Promise<{ tf: Tf; engineBackend: string; simd: boolean }> {
  switch (backend) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      // tfjs-node(-gpu) 4.22 calls util.isNullOrUndefined, which Node 23+ removed, while building the
      // attributes of nearly every op: restore it before the package loads.
      restoreUtilIsNullOrUndefined();
      quietUtilIsArray();
      // TensorFlow's C++ logging prints CPU-feature notes on load; warnings and errors still show.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
      // Importing the package registers its `tensorflow` backend on the process-global engine.
      let loaded: { default?: unknown };
      try {
        loaded = (await importModule(TF_BACKEND_PACKAGES[backend])) as { default?: unknown };
      } catch (error) {
        // The package is installed without its addon until the set-up step has built it.
        if (/tfjs_binding\.node/.test(errorMessage(error))) {
          throw new Error(
            `${TF_BACKEND_PACKAGES[backend]} is installed but its native addon is not built: run \`npm run setup:tools\` (it builds it from PyPI's TensorFlow wheel)`,
            { cause: error },
          );
        }
        throw error;
      }
      const tf = (
        isTfNamespace(loaded.default) ? loaded.default : isTfNamespace(loaded) ? loaded : tfjs
      ) as Tf;
      await setBackendOrThrow(tf, 'tensorflow');
      return { tf, engineBackend: 'tensorflow', simd: false };
    }
    case 'wasm': {
      const wasm = (await importModule(TF_BACKEND_PACKAGES.wasm)) as typeof WasmBackendModule;
      wasm.setWasmPaths(withTrailingSep(wasmDir ?? wasmDistDir()));
      wasm.setThreadsCount(1);
      tfjs.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      await withoutEmscriptenProcessHandlers(() => setBackendOrThrow(tfjs, 'wasm'));
      const simd = (await tfjs.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      return { tf: tfjs, engineBackend: 'wasm', simd };
    }
    case 'cpu': {
      await setBackendOrThrow(tfjs, 'cpu');
      return { tf: tfjs, engineBackend: 'cpu', simd: false };
    }
  }
}

/**
 * The cpu backend prints an "install tfjs-node" banner on its first use (also when wasm is chosen and a
 * tensor passes through cpu); the start line already says which backend runs and why.
 */
function silenceCpuBanner(tf: Tf): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu !== null) cpu.firstUse = false;
}

async function setBackendOrThrow(tf: Tf, name: string): Promise<void> {
  // setBackend resolves false (after a console warning) instead of rejecting when initialisation fails.
  if (!(await tf.setBackend(name)))
    throw new TfBackendUnavailableError(`tf.setBackend('${name}') failed`, name);
  await tf.ready();
}

/**
 * Runs the wasm backend's start without keeping the process-wide handlers its Emscripten loader installs
 * (`uncaughtException` and `unhandledRejection` listeners that rethrow), so the host (Temporal worker,
 * test runner) keeps its own error policy.
 */
async function withoutEmscriptenProcessHandlers(start: () => Promise<void>): Promise<void> {
  const uncaught = new Set(process.listeners('uncaughtException'));
  const unhandled = new Set(process.listeners('unhandledRejection'));
  try {
    await start();
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!uncaught.has(listener) && isEmscriptenHandler(listener))
        process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!unhandled.has(listener) && isEmscriptenHandler(listener))
        process.removeListener('unhandledRejection', listener);
    }
  }
}

function isEmscriptenHandler(listener: object): boolean {
  const source = Function.prototype.toString.call(listener);
  return /ExitStatus/.test(source) || /^function\s*\(\s*reason\s*\)\s*\{\s*throw reason;?\s*\}$/.test(source);
}

/** The installed `@tensorflow/tfjs-backend-wasm/dist` folder (its `main` lives there, next to the binaries). */
function wasmDistDir(): string {
  return dirname(createRequire(import.meta.url).resolve(TF_BACKEND_PACKAGES.wasm));
}

function withTrailingSep(dir: string): string {
  // The loader concatenates prefix + file name.
  return dir.endsWith(sep) || dir.endsWith('/') ? dir : dir + sep;
}

function isTfNamespace(value: unknown): value is Tf {
  return (
    typeof value === 'object' && value !== null && typeof (value as Partial<Tf>).setBackend === 'function'
  );
}

function isMissingPackage(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    errorMessage(error).includes(`'${packageName}'`)
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
