/**
 * What one candidate's training holds from start to end: its resolved input, its dependencies and the
 * resources it has acquired so far, released whatever happens (see runCandidateTraining).
 */
import type { Optimizer } from '@tensorflow/tfjs';
import type { ArtifactStore } from '../store/artifact-store.js';
import { openStore } from '../store/open-store.js';
import { sweepKeys } from '../store/keys.js';
import type { Tf } from '../tf/tf-namespace.js';
import type { SampleSource } from './dataset-source.js';
import { disposeCandidateModel, type CandidateModel } from './candidate-model.js';
import type { Probe } from './probe.js';
import { resolveTrainingInput, type ResolvedTrainingInput } from './resolve-input.js';
import type { LocationDeps } from './sources/open-location.js';
import type { CandidateKeys } from './train-loop-types.js';
import type { CandidateTrainingInput, Clock, TrainingDeps, TrainingLogger } from './types.js';

/** Resources to dispose or close at the end of the run, set as they are acquired. */
export interface HeldResources {
  zoo?: CandidateModel;
  source?: SampleSource;
  /** Separate validation and test sets. */
  extraSources: SampleSource[];
  probe?: Probe;
  optimizer?: Optimizer;
}

export interface CandidateRun {
  resolved: ResolvedTrainingInput;
  deps: TrainingDeps;
  tf: Tf;
  store: ArtifactStore;
  log?: TrainingLogger;
  clock: Clock;
  /** Clock reading (ms) when the run started. */
  startedAt: number;
  keys: CandidateKeys;
  /** How models and datasets outside `store` are reached. */
  locationDeps: LocationDeps;
  held: HeldResources;
}

/** @throws InvalidTrainingInputError when `input` is invalid. */
export function candidateRunOf(input: CandidateTrainingInput, deps: TrainingDeps): CandidateRun {
  const resolved = resolveTrainingInput(input);
  const { tf, store, log } = deps;
  const clock = deps.clock ?? { now: () => Date.now() };
  return {
    resolved,
    deps,
    tf,
    store,
    ...(log ? { log } : {}),
    clock,
    startedAt: clock.now(),
    keys: sweepKeys(resolved.sweepId).candidate(resolved.candidateId),
    locationDeps: {
      store,
      openStore: deps.openStore ?? ((uri: string) => Promise.resolve(openStore(uri))),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    },
    held: { extraSources: [] },
  };
}

/** Disposes and closes what the run holds. */
export async function releaseCandidateRun({ held }: CandidateRun): Promise<void> {
  held.optimizer?.dispose();
  held.probe?.model.dispose();
  // The backbone shares the zoo model's layers: disposing the zoo model releases their weights.
  if (held.zoo) await disposeCandidateModel(held.zoo);
  await held.source?.close();
  for (const extra of held.extraSources) await extra.close();
}
