/**
 * The calibration benchmark's input: each zoo's early runs (training seeds 2001–2003, trainable probe)
 * with every candidate's correctness bitmap at the bracket's rungs, read from the store; `--run-seeds`
 * trains the runs (or the candidates) the store lacks through the product, as `bench:ttd -- --run-seeds`.
 */
import { sweepKeys } from '../../activities/store/keys.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { readCandidateResult } from '../../activities/sweep/training-activities.js';
import { readOutcomes } from '../../activities/training/outcome-bitmap.js';
import { withLocalSweeps } from '../../scripts/sweeps/local-sweeps.js';
import { EARLY_SEED, REPLICATE_EARLY_SEEDS, WINDOWS } from '../selection/early-sweeps.js';
import { runEarlySweeps, storedEarlySweeps } from '../selection/run-early.js';
import { windowCut } from '../selection/windows.js';
import type { BenchZoo } from '../selection/zoos.js';
import type { OutcomeRun } from './calibration.js';

/** Training seeds of the calibration's runs. */
export const CALIBRATION_SEEDS = [EARLY_SEED, ...REPLICATE_EARLY_SEEDS] as const;
const SETTING = 'trainable';

/** Trains (or completes) each zoo's early runs of every calibration seed; a failed sweep is logged. */
export async function trainOutcomeRuns(
  storeUri: string,
  zoos: readonly BenchZoo[],
  parallel: number,
  log: (line: string) => void,
): Promise<void> {
  await withLocalSweeps({ storeUri, processes: parallel, log }, async (local) => {
    for (const seed of CALIBRATION_SEEDS)
      for (const zoo of zoos)
        await runEarlySweeps(local, zoo, { maxParallel: parallel, log, seed, settings: [SETTING] }).catch(
          (error: unknown) =>
            log(`  ${zoo.name} seed ${seed}: the early sweep failed: ${(error as Error).message}`),
        );
  });
}

/**
 * The stored runs with a bitmap for every candidate at every rung (`WINDOWS`); a run missing one is left
 * out and named in `missing` (runs recorded before bitmaps existed have none).
 */
export async function readOutcomeRuns(
  store: ArtifactStore,
  zoos: readonly BenchZoo[],
): Promise<{ runs: OutcomeRun[]; missing: string[] }> {
  const runs: OutcomeRun[] = [];
  const missing: string[] = [];
  for (const zoo of zoos)
    for (const seed of CALIBRATION_SEEDS) {
      const label = `${zoo.name} seed ${seed}`;
      let sweepId: string;
      try {
        sweepId = (await storedEarlySweeps(store.uri, [zoo], { seed, settings: [SETTING] })).sweeps[0]!
          .sweepId;
      } catch (error) {
        missing.push(`${label}: ${(error as Error).message}`);
        continue;
      }
      const rungs: OutcomeRun['rungs'] = WINDOWS.map((epochs) => ({ epochs, hits: new Map() }));
      let complete = true;
      for (const { id } of zoo.task.candidates) {
        const result = await readCandidateResult(store, sweepId, id);
        if (!result) {
          complete = false;
          missing.push(`${label}: ${id} has no early run`);
          break;
        }
        for (const rung of rungs) {
          const { step } = windowCut(result.evaluations ?? [], result.training.stepsPerEpoch, rung.epochs);
          const key = sweepKeys(sweepId).candidate(id).outcomes(step);
          const hits = await readOutcomes(store, key, result.dataset.valSamples);
          if (!hits) {
            complete = false;
            missing.push(`${label}: ${id} has no outcome bitmap at step ${step} (recorded before bitmaps)`);
            break;
          }
          rung.hits.set(id, hits);
        }
        if (!complete) break;
      }
      if (complete) runs.push({ zoo: zoo.name, seed, rungs });
    }
  return { runs, missing };
}
