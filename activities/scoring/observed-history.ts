/**
 * A sweep's learning history: the observed runs stored for its dataset (when `selection.learnFromHistory`)
 * plus the spec's `selection.observedRuns` file, validated, and the setup that makes them comparable.
 * One loader for the reduce step, `ncap report --rescore` and `ncap observe`.
 */
import { readFile } from 'node:fs/promises';
import {
  datasetKeyOf,
  parseObservedRunFile,
  readObservedRuns,
  InvalidObservedRunError,
  type ObservedRun,
  type ObservedRunSetup,
} from '../selection/observed-runs.js';
import type { SweepSpec } from '../spec/sweep-spec.js';
import type { ArtifactStore } from '../store/artifact-store.js';

/** The early-training setup of a sweep, as observed runs record it. */
export function observedRunSetup(spec: SweepSpec): ObservedRunSetup {
  return {
    mode: spec.mode,
    interactionModel: spec.selection.interactionModel,
    skipInputProjection: spec.selection.skipInputProjection,
    probeWidths: [...spec.probe.widths],
    probeTrainable: spec.probe.trainable,
    epochs: spec.training.epochs,
    batchSize: spec.training.batchSize,
    learningRate: spec.training.learningRate,
    optimizer: spec.training.optimizer,
  };
}

/** Every observed run the sweep may learn from (not yet filtered by setup). @throws InvalidObservedRunError */
export async function loadObservedHistory(store: ArtifactStore, spec: SweepSpec): Promise<ObservedRun[]> {
  const datasetKey = datasetKeyOf(spec.dataset);
  const stored = spec.selection.learnFromHistory ? await readObservedRuns(store, datasetKey) : [];
  const ref = spec.selection.observedRuns;
  if (!ref) return stored;
  let text: string;
  try {
    text =
      ref.startsWith('file://') || ref.startsWith('/')
        ? await readFile(ref.startsWith('file://') ? new URL(ref) : ref, 'utf8')
        : Buffer.from(await store.get(ref)).toString('utf8');
  } catch (error) {
    throw new InvalidObservedRunError(
      ref,
      'selection.observedRuns',
      `cannot be read (${(error as Error).message}); give a store key or a file:// URI of a JSON list`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidObservedRunError(ref, '', `is not valid JSON: ${(error as Error).message}`);
  }
  return [...stored, ...parseObservedRunFile(parsed, ref, { datasetKey, setup: observedRunSetup(spec) })];
}
