/**
 * A stand-in for candidate training that does no training: it writes one small real snapshot and a
 * result.json, so the orchestration (fan-out, history, scoring) can be measured without TF.js time.
 * Used by the orchestration benchmark and the payload-size test, never by a real sweep.
 */
import { encodeSnapshot } from '../../activities/capacitance/snapshot.js';
import type { RunTraining } from '../../activities/sweep/training-activities.js';
import { sweepKeys } from '../../activities/store/keys.js';
import type { CandidateResult } from '../../activities/training/types.js';

/** A deterministic value in [0.05, 1.05) from a string, so candidates differ. */
function hashUnit(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return ((h >>> 0) % 1000) / 1000 + 0.05;
}

export function createNoopTrainer(options: { delayMs?: number } = {}): RunTraining & { calls: number } {
  const run = async (
    input: Parameters<RunTraining>[0],
    deps: Parameters<RunTraining>[1],
  ): Promise<CandidateResult> => {
    run.calls += 1;
    const started = new Date();
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const keys = sweepKeys(input.sweepId).candidate(input.candidateId);
    const scale = hashUnit(input.candidateId);
    const shapes: [number, number][] = [
      [4, 3],
      [3, 3],
      [3, 2],
      [2, 2],
    ];
    const kernels = shapes.map(([inDim, outDim], l) => ({
      inDim,
      outDim,
      values: Float32Array.from({ length: inDim * outDim }, (_, i) => scale * (1 + ((i + l) % 3) / 10)),
    }));
    await deps.store.put(
      keys.snapshot(0),
      encodeSnapshot({
        kernels,
        metadata: { sweepId: input.sweepId, candidateId: input.candidateId, epoch: 0, step: 0 },
      }),
    );
    deps.onProgress?.({ epoch: 1, step: 1, totalSteps: 1, loss: 1, checkpointKey: keys.checkpoint(1) });
    const result: CandidateResult = {
      version: 2,
      sweepId: input.sweepId,
      candidateId: input.candidateId,
      mode: input.mode ?? 'finetune',
      backend: 'none',
      model: {
        uri: input.model.uri,
        format: 'layers-model',
        featureLayer: 'none',
        weightsHash: '0',
        inputShape: [1, 1, 1],
        featureDim: 4,
      },
      dataset: { numClasses: 2, trainSamples: 0, valSamples: 0, testSamples: 0 },
      parameters: { backbone: 0, backboneTrainable: 0, probe: 0 },
      probe: { widths: [3, 3, 2], trainable: true, kernelShapes: shapes },
      training: {
        epochs: 1,
        stepsPerEpoch: 1,
        totalSteps: 1,
        batchSize: 1,
        optimizer: 'adam',
        learningRate: 0.001,
        snapshotEvery: 1,
        evaluationsPerEpoch: 1,
        seed: 0,
      },
      snapshots: { prefix: keys.snapshotsPrefix, steps: [0], betaEff: [scale] },
      epochs: [{ epoch: 1, trainLoss: 1, valLoss: 1, valAccuracy: scale / 1.05, step: 1, seconds: 0 }],
      checkpointKeys: [],
      resumedFromEpoch: 0,
      timing: {
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        featureSeconds: 0,
        trainSeconds: 0,
      },
    };
    await deps.store.put(keys.result, JSON.stringify(result));
    return result;
  };
  run.calls = 0;
  return run;
}
