/** Types of keras-converter.mjs (plain JavaScript, because it runs before the TypeScript build). */
export const KERAS_CONVERTER_REQUIREMENTS: string;
export const KERAS_CONVERTER_ENV: Readonly<Record<string, string>>;
export function pinnedVersion(name: string, text?: string): string | undefined;

/** What `.tools/tools.json` records for the converter. */
export interface KerasConverterEntry {
  /** The `tensorflowjs_converter` script. */
  path: string;
  /** The venv's Python. */
  python: string;
  source: string;
  /** The pinned tensorflowjs version. */
  version: string;
  /** First 16 hex digits of the requirements file's SHA-256. */
  stamp: string;
}

export function ensureKerasConverter(options: {
  toolsDir: string;
  python: () => string;
  run: (cmd: string, args: string[], options?: object) => void;
  log: (line: string) => void;
}): KerasConverterEntry;
