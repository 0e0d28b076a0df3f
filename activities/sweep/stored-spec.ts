/**
 * The sweep's `spec.json`: the validated spec as the sweep ran it, so retries and resumes read the same.
 * Records written now say `version: 2`; those of version 1 may hold a spec of an older shape, which
 * {@link parseStoredSpec} (through validateRecordedSpec) brings to the current one.
 */
import type { ArtifactStore } from '../store/artifact-store.js';
import { ArtifactNotFoundError } from '../store/errors.js';
import { sweepKeys } from '../store/keys.js';
import { validateRecordedSpec, type SweepSpec } from '../spec/sweep-spec.js';

/** The version of the `spec.json` records written now. */
export const SPEC_RECORD_VERSION = 2;

export interface StoredSpec {
  version: typeof SPEC_RECORD_VERSION;
  sweepId: string;
  storeUri: string;
  spec: SweepSpec;
  createdAt: string;
}

/** A parsed `spec.json` of any version, in the current shape. @throws InvalidSpecError for a bad spec */
export function parseStoredSpec(value: unknown): StoredSpec {
  const stored = value as Omit<StoredSpec, 'version'> & { version: number };
  return { ...stored, version: SPEC_RECORD_VERSION, spec: validateRecordedSpec(stored.spec) };
}

/** The sweep's `spec.json`, in the current shape; undefined when the sweep has none. */
export async function readStoredSpec(store: ArtifactStore, sweepId: string): Promise<StoredSpec | undefined> {
  try {
    const bytes = await store.get(sweepKeys(sweepId).spec);
    return parseStoredSpec(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) return undefined;
    throw error;
  }
}

/** Canonical JSON (sorted keys) so two equal specs compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
