/**
 * Runs (or completes) a zoo's early sweeps through the product, one probe setting after the other, with a
 * progress line per finished candidate. A failed candidate is reported and left out; the others count.
 */
import { sweepKeys } from '../../../activities/store/keys.js';
import { ArtifactNotFoundError } from '../../../activities/store/errors.js';
import { createStoreProvider } from '../../../activities/sweep/store-cache.js';
import type { CandidateResult } from '../../../activities/training/types.js';
import type { LocalSweeps } from '../truth/local-sweeps.js';
import { earlySweepSpec, PROBE_SETTING_NAMES, type ProbeSetting } from './early-sweeps.js';
import type { BenchZoo } from './zoos.js';

export interface EarlySweep {
  zoo: string;
  setting: ProbeSetting;
  sweepId: string;
  /** Candidates whose early run failed, with the reason. */
  failed: { candidateId: string; reason: string }[];
  /** Candidates reused from an earlier run of the same sweep. */
  reused: number;
  seconds: number;
}

export async function runEarlySweeps(
  sweeps: LocalSweeps,
  zoo: BenchZoo,
  options: { maxParallel: number; log: (line: string) => void },
): Promise<EarlySweep[]> {
  const out: EarlySweep[] = [];
  for (const setting of PROBE_SETTING_NAMES) {
    const spec = earlySweepSpec(zoo.task, setting, options.maxParallel);
    const started = Date.now();
    const seen = new Set<string>();
    options.log(`zoo ${zoo.name}, ${setting}: sweep ${spec.id} (${spec.candidates.length} candidates)`);
    const result = await sweeps.run(
      spec,
      (progress) => {
        for (const c of progress.candidates) {
          if (seen.has(c.candidateId) || (c.state !== 'succeeded' && c.state !== 'failed')) continue;
          seen.add(c.candidateId);
          options.log(
            `  ${zoo.name} ${setting} ${c.candidateId}: ${c.state} (${seen.size}/${spec.candidates.length}, ${((Date.now() - started) / 1000).toFixed(0)} s)`,
          );
        }
      },
      10,
    );
    const failed = result.failed.map((f) => ({
      candidateId: f.candidateId,
      reason: `${f.failure.type}: ${f.failure.message}`,
    }));
    for (const f of failed) options.log(`  ${zoo.name} ${setting} ${f.candidateId}: FAILED ${f.reason}`);
    out.push({
      zoo: zoo.name,
      setting,
      sweepId: result.sweepId,
      failed,
      reused: result.reused.length,
      seconds: (Date.now() - started) / 1000,
    });
  }
  return out;
}

/**
 * The early sweeps of `zoos` as an earlier run left them in the store (for `--score-only`): a candidate
 * without a result.json counts as failed; the backend is the one the results name.
 */
export async function storedEarlySweeps(
  storeUri: string,
  zoos: readonly BenchZoo[],
): Promise<{ sweeps: EarlySweep[]; backend: string }> {
  const stores = createStoreProvider();
  const backends = new Set<string>();
  try {
    const store = stores.get(storeUri);
    const sweeps: EarlySweep[] = [];
    for (const zoo of zoos) {
      for (const setting of PROBE_SETTING_NAMES) {
        const spec = earlySweepSpec(zoo.task, setting);
        const failed: EarlySweep['failed'] = [];
        for (const c of spec.candidates) {
          try {
            const bytes = await store.get(sweepKeys(spec.id!).candidate(c.id).result);
            backends.add((JSON.parse(Buffer.from(bytes).toString('utf8')) as CandidateResult).backend);
          } catch (error) {
            if (!(error instanceof ArtifactNotFoundError)) throw error;
            failed.push({ candidateId: c.id, reason: `no result.json in ${storeUri}: run the early sweeps` });
          }
        }
        sweeps.push({
          zoo: zoo.name,
          setting,
          sweepId: spec.id!,
          failed,
          reused: spec.candidates.length - failed.length,
          seconds: 0,
        });
      }
    }
    return { sweeps, backend: [...backends].join(', ') || 'none' };
  } finally {
    await stores.closeAll();
  }
}
