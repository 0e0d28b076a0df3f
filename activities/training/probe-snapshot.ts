/**
 * Probe snapshots: the probe's kernels (and, with `probe.recordBatchStats`, the batch statistics) at a
 * step, written to the store, with the β_eff the sweep's monitor settings give them.
 */
import { computeBetaEff } from '../capacitance/beta-eff.js';
import type { InteractionStats } from '../capacitance/interaction-model.js';
import { encodeSnapshot } from '../capacitance/snapshot.js';
import { computeBatchStats } from './batch-stats.js';
import type { Batch } from './feed.js';
import type { LoopContext } from './loop-context.js';
import { readProbeWeights } from './probe.js';
import type { ResolvedTrainingInput } from './resolve-input.js';
import { epochOrder } from './rng.js';
import type { RunState } from './run-state.js';
import type { TrainingLogger } from './types.js';

/** β_eff with the sweep's scoring settings, or null when undefined (e.g. a zero denominator). */
function betaEffOf(
  kernels: Parameters<typeof computeBetaEff>[0],
  monitor: ResolvedTrainingInput['monitor'],
  stats: InteractionStats | undefined,
  log?: TrainingLogger,
): number | null {
  // Activity-dependent models need the batch statistics; a snapshot without them (step 0) has no β_eff.
  if (monitor.interactionModel === 'gradient-coupled' && !stats) return null;
  try {
    return computeBetaEff(kernels, {
      skipInputProjection: monitor.skipInputProjection,
      model: monitor.interactionModel,
      ...(stats ? { stats } : {}),
    }).betaEff;
  } catch (error) {
    log?.warn('β_eff not computable for a snapshot', { reason: (error as Error).message });
    return null;
  }
}

/** The batch statistics of `batch` through the probe, when the input asks for them. */
async function batchStatsOf(loop: LoopContext, batch: Batch | undefined) {
  if (!loop.input.probe.recordBatchStats || !batch) return undefined;
  const features = loop.tf.tidy(() => loop.forward.probeInput(batch.x));
  try {
    return await computeBatchStats(loop.tf, loop.network.probe, features, batch.labels, loop.numClasses);
  } finally {
    if (features !== batch.x) features.dispose();
  }
}

/** Writes the probe's snapshot at `atStep` and records it in `state`; returns its key and β_eff. */
export async function writeProbeSnapshot(
  loop: LoopContext,
  state: RunState,
  atStep: number,
  batch: Batch | undefined,
): Promise<{ key: string; betaEff: number | null }> {
  const { input, stepsPerEpoch } = loop;
  const { kernels, biases } = await readProbeWeights(loop.network.probe);
  const extra = await batchStatsOf(loop, batch);
  const bytes = encodeSnapshot({
    kernels,
    biases,
    ...(extra ? { extra } : {}),
    metadata: {
      sweepId: input.sweepId,
      candidateId: input.candidateId,
      epoch: atStep === 0 ? 0 : Math.floor((atStep - 1) / stepsPerEpoch),
      step: atStep,
    },
    extraMetadata: { mode: input.mode, stepsPerEpoch: String(stepsPerEpoch) },
  });
  const key = loop.keys.snapshot(atStep);
  const written = await loop.store.put(key, bytes);
  state.snapshots.sha256?.push(written.sha256);
  const betaEff = betaEffOf(kernels, input.monitor, extra, loop.log);
  state.snapshots.steps.push(atStep);
  state.snapshots.betaEff.push(betaEff);
  return { key, betaEff };
}

/** The step-0 snapshot (with the first batch's statistics when they are recorded), reported as progress. */
export async function writeInitialSnapshot(loop: LoopContext, state: RunState): Promise<void> {
  const { feed, split, input } = loop;
  const { seed, batchSize } = input.training;
  let first: Batch | undefined;
  if (input.probe.recordBatchStats) {
    const it = feed.batches(epochOrder(split.train, seed, 1).slice(0, batchSize), batchSize);
    first = (await it.next()).value as Batch | undefined;
    await it.return(undefined);
  }
  try {
    const { key, betaEff } = await writeProbeSnapshot(loop, state, 0, first);
    loop.onProgress?.({
      epoch: 1,
      step: 0,
      totalSteps: loop.totalSteps,
      loss: Number.NaN,
      snapshotKey: key,
      ...(betaEff === null ? {} : { betaEff }),
    });
  } finally {
    first?.x.dispose();
  }
}
