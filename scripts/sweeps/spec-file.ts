/**
 * Reading a sweep spec file (YAML or JSON) at the CLI's edge: model and dataset locations written as paths,
 * relative to the spec file's folder or absolute, become `file://` URIs before the spec is validated, so a
 * spec beside its `./models` and `./data` runs from any working directory.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseSpecYaml, validateSweepSpec, type SweepSpec } from '../../activities/spec/sweep-spec.js';

/** A URI scheme (`file:`, `s3:`, `https:`…): such a location is left as written. */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** A path (relative to `baseDir`, or absolute) as a `file://` URI; a URI or a non-string as given. */
export function locationToUri(location: unknown, baseDir: string): unknown {
  if (typeof location !== 'string' || location === '' || HAS_SCHEME.test(location)) return location;
  const path = isAbsolute(location) ? location : resolve(baseDir, location);
  const uri = pathToFileURL(path).href;
  // A folder written with a trailing slash keeps it (`model: ./zoo/a/` means `./zoo/a/model.json`).
  return /[/\\]$/.test(location) && !uri.endsWith('/') ? `${uri}/` : uri;
}

/**
 * The raw spec with every location that is a path turned into a `file://` URI: `dataset.uri`,
 * `dataset.validationUri`, `dataset.testUri`, each `candidates[].model`, and a `store` written as a path.
 * Anything else (and anything malformed, left for validation to name) is returned as is.
 */
export function resolveSpecLocations(raw: unknown, baseDir: string): unknown {
  if (!isRecord(raw)) return raw;
  const out: Record<string, unknown> = { ...raw };
  if (isRecord(raw.dataset)) {
    const dataset: Record<string, unknown> = { ...raw.dataset };
    for (const key of ['uri', 'validationUri', 'testUri'])
      if (key in dataset) dataset[key] = locationToUri(dataset[key], baseDir);
    out.dataset = dataset;
  }
  if (Array.isArray(raw.candidates)) {
    out.candidates = raw.candidates.map((c: unknown) =>
      isRecord(c) && 'model' in c ? { ...c, model: locationToUri(c.model, baseDir) } : c,
    );
  }
  if ('store' in raw) out.store = locationToUri(raw.store, baseDir);
  return out;
}

/** Parses spec text (YAML; JSON is YAML; within the spec text limits), resolves its paths against `baseDir` and validates it. */
export function parseSpecText(text: string, source: string, baseDir: string): SweepSpec {
  return validateSweepSpec(resolveSpecLocations(parseSpecYaml(text, source), baseDir));
}
