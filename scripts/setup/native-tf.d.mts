/** Types of native-tf.mjs (plain JavaScript, because it runs before the TypeScript build). */
export interface NativeTfVariant {
  npmPackage: string;
  wheelProject: string;
  wheelFile: string;
  sha256: string;
  /** GPU variant: the CUDA wheels (pip requirement strings) installed into `.tools/cuda`. */
  cudaWheels?: readonly string[];
}
export const NATIVE_TF_VARIANTS: Readonly<Record<'cpu' | 'gpu', NativeTfVariant>>;
export const TENSORFLOW_VERSION: string;

/** What `.tools/tools.json` records for the native backend. */
export type NativeTfStatus =
  | { status: 'ready'; package: string; stamp: string; path: string; source: string }
  | { status: 'unavailable'; package: string; step: string; reason: string };

export interface EnsureNativeTfOptions {
  /** The project root (node_modules lives here). */
  root: string;
  /** The tools folder (`.tools`): the wheel cache and the unpacked library go there. */
  toolsDir: string;
  /** Returns a Python that has pip (used to download the wheel and to unpack it). */
  python: () => string;
  /** Receives one line per step, and the reason when the backend is unavailable. */
  log: (line: string) => void;
  /** @default 'cpu' */
  variant?: 'cpu' | 'gpu';
  /** The entry a previous run recorded: a ready one with the same stamp is only re-checked. */
  previous?: Record<string, unknown>;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Builds the native backend or says which step failed; never throws. */
export function ensureNativeTf(options: EnsureNativeTfOptions): NativeTfStatus;
