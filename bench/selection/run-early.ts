/**
 * Runs (or completes) a zoo's early sweeps through the product, one probe setting after the other, with a
 * progress line per finished candidate. A failed candidate is reported and left out; the others count.
 */
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { sweepKeys } from '../../activities/store/keys.js';
import { canonicalJson, readStoredSpec } from '../../activities/sweep/stored-spec.js';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import type { CandidateResult } from '../../activities/training/types.js';
import type { LocalSweeps } from '../../scripts/sweeps/local-sweeps.js';
import {
  EARLY_SEED,
  earlySweepIdPrefix,
  earlySweepSpec,
  isEarlySweepId,
  PROBE_SETTING_NAMES,
  type ProbeSetting,
} from './early-sweeps.js';
import type { BenchZoo } from './zoos.js';

export interface EarlySweep {
  zoo: string;
  setting: ProbeSetting;
  /** Training seed of the runs. */
  seed: number;
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
  options: {
    maxParallel: number;
    log: (line: string) => void;
    /** @default EARLY_SEED */
    seed?: number;
    /** @default every probe setting */
    settings?: readonly ProbeSetting[];
  },
): Promise<EarlySweep[]> {
  const out: EarlySweep[] = [];
  const seed = options.seed ?? EARLY_SEED;
  for (const setting of options.settings ?? PROBE_SETTING_NAMES) {
    const spec = await withStoredConcurrency(
      sweeps.store,
      earlySweepSpec(zoo.task, setting, options.maxParallel, seed),
      options.log,
    );
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
      seed,
      sweepId: result.sweepId,
      failed,
      reused: result.reused.length,
      seconds: (Date.now() - started) / 1000,
    });
  }
  return out;
}

/**
 * `spec` with the concurrency its sweep was stored with, when that is all that differs. Early-sweep ids
 * leave out how many candidates train at once (it changes no result), but the product refuses an id whose
 * stored spec differs in anything, so a rerun with another `--parallel` would fail as "a different spec".
 */
export async function withStoredConcurrency(
  store: ArtifactStore,
  spec: SweepSpec,
  log: (line: string) => void,
): Promise<SweepSpec> {
  const stored = (await readStoredSpec(store, spec.id!))?.spec;
  if (!stored || canonicalJson(stored.concurrency) === canonicalJson(spec.concurrency)) return spec;
  const aligned = { ...spec, concurrency: stored.concurrency };
  if (canonicalJson(aligned) !== canonicalJson(stored)) return spec;
  log(
    `  sweep ${spec.id} is stored with concurrency.maxParallel ${stored.concurrency.maxParallel}: it runs ` +
      `with that, not ${spec.concurrency.maxParallel} (how many train at once changes no result)`,
  );
  return aligned;
}

/**
 * The early sweeps of `zoos` as earlier runs left them in the store (for `--score-only`): per zoo and
 * probe setting, of the sweeps named `early-<zoo>-<setting>-…` (ids follow the spec, so a schema change
 * makes a new one) the one {@link pickStoredSweep} picks. A candidate of the zoo without a result.json
 * there counts as failed; the backend is the one the results name.
 */
export async function storedEarlySweeps(
  storeUri: string,
  zoos: readonly BenchZoo[],
  options: { seed?: number; settings?: readonly ProbeSetting[] } = {},
): Promise<{ sweeps: EarlySweep[]; backend: string }> {
  const seed = options.seed ?? EARLY_SEED;
  const stores = createStoreProvider();
  const backends = new Set<string>();
  try {
    const store = stores.get(storeUri);
    const sweeps: EarlySweep[] = [];
    for (const zoo of zoos) {
      for (const setting of options.settings ?? PROBE_SETTING_NAMES) {
        const prefix = earlySweepIdPrefix(zoo.task.name, setting, seed);
        const found = new Map<string, StoredSweep>();
        for await (const object of store.list('sweeps/')) {
          const match = /^sweeps\/([^/]+)\/candidates\/([^/]+)\/result\.json$/.exec(object.key);
          if (!match || !isEarlySweepId(match[1]!, zoo.task.name, setting, seed)) continue;
          const sweep = found.get(match[1]!) ?? { sweepId: match[1]!, finished: new Set(), newest: 0 };
          sweep.finished.add(match[2]!);
          sweep.newest = Math.max(sweep.newest, object.lastModified.getTime());
          found.set(sweep.sweepId, sweep);
        }
        const best = pickStoredSweep([...found.values()], earlySweepSpec(zoo.task, setting, 1, seed).id);
        if (!best)
          throw new Error(
            seed === EARLY_SEED
              ? `no early sweep ${prefix}… in ${storeUri}: run npm run bench:selection without --score-only`
              : `no early sweep ${prefix}… in ${storeUri}: run npm run bench:ttd -- --run-seeds`,
          );
        const { sweepId, finished: done } = best;
        const failed = zoo.task.candidates
          .filter((c) => !done.has(c.id))
          .map((c) => ({ candidateId: c.id, reason: `no result.json in sweep ${sweepId}` }));
        for (const id of [...done].slice(0, 1)) {
          const bytes = await store.get(sweepKeys(sweepId).candidate(id).result);
          backends.add((JSON.parse(Buffer.from(bytes).toString('utf8')) as CandidateResult).backend);
        }
        sweeps.push({ zoo: zoo.name, setting, seed, sweepId, failed, reused: done.size, seconds: 0 });
      }
    }
    return { sweeps, backend: [...backends].join(', ') || 'none' };
  } finally {
    await stores.closeAll();
  }
}

/** One early sweep found in the store. */
export interface StoredSweep {
  sweepId: string;
  /** Candidates with a result.json. */
  finished: Set<string>;
  /** When its latest result.json was written, ms since the epoch. */
  newest: number;
}

/**
 * Which of a zoo's stored early sweeps (one setting and seed) is replayed: the one the current spec names
 * (what a run without `--score-only` would train and the product's halving sweep trains the same way),
 * else the one with the most finished candidates, then the most recently written. Never the lowest id:
 * a sweep of a spec since changed (a probe option written out, say) is as complete as the current one,
 * and an id says nothing about which is current.
 */
export function pickStoredSweep(
  sweeps: readonly StoredSweep[],
  currentId: string | undefined,
): StoredSweep | undefined {
  return (
    sweeps.find((s) => s.sweepId === currentId) ??
    [...sweeps].sort(
      (a, b) =>
        b.finished.size - a.finished.size || b.newest - a.newest || a.sweepId.localeCompare(b.sweepId),
    )[0]
  );
}
