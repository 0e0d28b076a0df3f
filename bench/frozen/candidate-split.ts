/**
 * One frozen candidate of a sweep, run by ncap's own training activity (`runCandidateTraining`) on a
 * fresh `file://` store in a temporary folder, so its features are computed rather than found in a cache:
 * the wall time around the call, split by what its `result.json` records (feature extraction, probe
 * training, LogME scoring).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileStore } from '../../activities/store/file-store.js';
import { runCandidateTraining } from '../../activities/training/run-candidate-training.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import type { CandidateTrainingInput } from '../../activities/training/types.js';
import type { ExtractionCandidate } from './extraction-rounds.js';
import { splitWall, type WallSplit } from './figures.js';

/** The sweep's training settings for every candidate. */
export interface FrozenSweepSettings {
  trainUri: string;
  /** Samples of `trainUri` per candidate (a stratified subset); a fifth of them validate. */
  images: number;
  /** Epochs of the early window (the first halving rung). */
  epochs: number;
  batchSize: number;
  learningRate: number;
  probeWidths: number[];
  seed: number;
}

export interface CandidateSplit extends WallSplit {
  featureDim: number;
  logme: number | null;
  valAccuracy: number | null;
  trainSamples: number;
  valSamples: number;
  backend: string;
}

/** The training input a frozen sweep gives `candidate` under `settings`. */
export function frozenCandidateInput(
  candidate: ExtractionCandidate,
  settings: FrozenSweepSettings,
): CandidateTrainingInput {
  return {
    sweepId: 'bench-frozen',
    candidateId: candidate.id,
    mode: 'frozen',
    model: {
      uri: candidate.model,
      ...(candidate.featureLayer !== undefined ? { featureLayer: candidate.featureLayer } : {}),
      featurePooling: (candidate.featurePooling ?? 'none') as 'none' | 'average' | 'max',
    },
    dataset: {
      uri: settings.trainUri,
      normalisation: candidate.normalisation,
      maxSamples: settings.images,
      validationFraction: 0.2,
    },
    probe: { widths: settings.probeWidths },
    training: {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      seed: settings.seed,
    },
  };
}

/** Trains `candidate` once in a temporary store and returns its split wall time. */
export async function runCandidateSplit(
  tf: Tf,
  candidate: ExtractionCandidate,
  settings: FrozenSweepSettings,
): Promise<CandidateSplit> {
  const dir = await mkdtemp(join(tmpdir(), 'ncap-bench-frozen-'));
  try {
    const store = new FileStore(dir, { fsync: false });
    const started = performance.now();
    const result = await runCandidateTraining(frozenCandidateInput(candidate, settings), { tf, store });
    const wall = (performance.now() - started) / 1000;
    return {
      ...splitWall(wall, result.timing),
      featureDim: result.model.featureDim,
      logme: result.selectionSignals?.logme ?? null,
      valAccuracy: result.evaluations?.at(-1)?.valAccuracy ?? result.epochs.at(-1)?.valAccuracy ?? null,
      trainSamples: result.dataset.trainSamples,
      valSamples: result.dataset.valSamples,
      backend: result.backend,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
