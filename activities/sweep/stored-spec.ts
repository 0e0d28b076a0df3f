/** The sweep's `spec.json`: the validated spec as the sweep ran it, so retries and resumes read the same. */
import type { ArtifactStore } from '../store/artifact-store.js';
import { ArtifactNotFoundError } from '../store/errors.js';
import { sweepKeys } from '../store/keys.js';
import { validateRecordedSpec, type SweepSpec } from '../spec/sweep-spec.js';

export interface StoredSpec {
  version: 1;
  sweepId: string;
  storeUri: string;
  spec: SweepSpec;
  createdAt: string;
}

export async function readStoredSpec(store: ArtifactStore, sweepId: string): Promise<StoredSpec | undefined> {
  try {
    const bytes = await store.get(sweepKeys(sweepId).spec);
    const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as StoredSpec;
    return { ...stored, spec: validateRecordedSpec(stored.spec) };
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
