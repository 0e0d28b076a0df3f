/**
 * The candidate's training data: the dataset opened at the backbone's input size, its input adapter, the
 * samples selected (`dataset.maxSamples`) and their train/validation split.
 */
import type { CandidateRun } from './candidate-run.js';
import type { SampleSource } from './dataset-source.js';
import { openDataset } from './datasets.js';
import { stepsForEpochs } from './epoch-steps.js';
import { DatasetError } from './errors.js';
import { createInputAdapter, type InputAdapter } from './input-adapter.js';
import type { LoadedBackbone } from './prepare-backbone.js';
import { checkSnapshotCount } from './resolve-input.js';
import { stratifiedSplit, stratifiedSubsample, type DatasetSplit } from './split.js';

export interface TrainingData {
  source: SampleSource;
  adapt: InputAdapter;
  /** The model input shape the adapter produces, [H, W, C]. */
  inputShape: number[];
  /** Indices of the selected samples. */
  selected: number[];
  split: DatasetSplit;
}

/**
 * Opens the dataset (held by `run` from then on) and splits it.
 * @throws DatasetError when nothing is left to train on or the samples cannot feed the model;
 *   InvalidTrainingInputError when the window would write too many snapshots.
 */
export async function openTrainingData(run: CandidateRun, backbone: LoadedBackbone): Promise<TrainingData> {
  const { tf, resolved } = run;
  const { dataset, training } = resolved;
  const source = await openDataset(
    {
      uri: dataset.uri,
      format: dataset.format,
      numClasses: dataset.numClasses,
      imageTarget: backbone.imageTarget,
    },
    run.locationDeps,
  );
  run.held.source = source;
  const { adapt, inputShape } = createInputAdapter(
    tf,
    source.sampleShape,
    source.dtype,
    backbone.modelShape,
    dataset.normalisation,
  );
  const selected = stratifiedSubsample(source.labels, dataset.maxSamples ?? source.count, dataset.seed);
  // A separate validation set leaves every selected sample to training.
  const split = dataset.validationUri
    ? { train: selected, validation: [] }
    : stratifiedSplit(selected, source.labels, dataset.validationFraction, dataset.seed);
  if (split.train.length === 0)
    throw new DatasetError(
      'no training samples after the split; lower dataset.validationFraction',
      'dataset.validationFraction',
    );
  const stepsPerEpoch = Math.ceil(split.train.length / training.batchSize);
  checkSnapshotCount(
    stepsForEpochs(training.epochs, stepsPerEpoch),
    stepsPerEpoch,
    training.snapshotEvery,
    training.epochs,
  );
  return { source, adapt, inputShape, selected, split };
}
