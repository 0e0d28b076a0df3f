/**
 * `ncap sweep validate` and the first step of `ncap run`: opens every candidate's model and the dataset
 * without training, and says per candidate what will be fed (input size, layout, normalisation) and where
 * the model will be cut — or why it cannot run. Every candidate is checked (not just up to the first bad
 * one), so one pass names them all before any compute is spent.
 *
 * {@link describeCandidate} is the one place that opens a model the way training will; a new model format
 * plugs in there.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { toTrainingInput } from '../../activities/spec/training-input.js';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import { openStore } from '../../activities/store/open-store.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { openDataset } from '../../activities/training/datasets.js';
import type { SampleSource } from '../../activities/training/dataset-source.js';
import { IncompatibleModelError } from '../../activities/training/errors.js';
import { createInputAdapter } from '../../activities/training/input-adapter.js';
import {
  cutBackbone,
  graphFeatureNode,
  loadZooModel,
  modelInputShape,
  poolGraphFeatures,
  selectFeatureLayer,
  type ZooModel,
} from '../../activities/training/model-zoo.js';
import { resolveTrainingInput, type ResolvedNormalisation } from '../../activities/training/resolve-input.js';
import type { LocationDeps } from '../../activities/training/sources/open-location.js';

/** What one candidate will be fed and where it is cut. */
export interface CandidateDescription {
  candidateId: string;
  model: string;
  /** `layers-model` or `graph-model` (other formats add their names). */
  format: string;
  input: {
    /** The model's declared input, batch excluded; `null` = any size. */
    modelShape: (number | null)[];
    /** `NHWC` for images, `vector` for flat inputs. */
    layout: string;
    /** What each sample becomes before it enters the model (after resizing and channel adaptation). */
    fedShape: number[];
    normalisation: ResolvedNormalisation;
  };
  cut: {
    /** The layer (LayersModel) or node (GraphModel) whose output feeds the probe. */
    at: string;
    /** True when ncap chose it (no `featureLayer` in the spec). */
    automatic: boolean;
    pooling: string;
    /** Features per sample entering the probe (measured on one real sample). */
    featureDim: number;
  };
}

/** A candidate that cannot run, and why. */
export interface CandidateProblem {
  candidateId: string;
  model: string;
  message: string;
}

export interface SpecValidation {
  ok: boolean;
  dataset: {
    uri: string;
    format?: string;
    samples?: number;
    numClasses?: number;
    classNames?: readonly string[];
    /** Why the dataset cannot be read (then every candidate fails with it too). */
    problem?: string;
  };
  candidates: CandidateDescription[];
  problems: CandidateProblem[];
}

export interface ValidateDeps {
  tf: Tf;
  /** Opens `s3://` buckets named by models and datasets. @default openStore */
  openStore?: LocationDeps['openStore'];
  fetch?: typeof fetch;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const layoutOf = (shape: readonly (number | null)[]): string =>
  shape.length === 3 ? 'NHWC' : shape.length === 1 ? 'vector' : `${shape.length}-D`;

/** How the model's input asks for images: its spatial size, and 1 or 3 channels. */
function imageTargetOf(shape: readonly (number | null)[]) {
  return {
    height: shape.length === 3 ? (shape[0] ?? null) : null,
    width: shape.length === 3 ? (shape[1] ?? null) : null,
    channels: (shape.length === 3 && shape[2] === 1 ? 1 : 3) as 1 | 3,
  };
}

/** The cut and a forward pass of one batch through it; the caller owns nothing afterwards. */
function cutAndMeasure(
  tf: Tf,
  zoo: ZooModel,
  model: { featureLayer?: string; featurePooling: 'none' | 'average' | 'max' },
  x: Tensor,
): { at: string; featureDim: number } {
  if (zoo.format === 'layers-model') {
    const cut = selectFeatureLayer(zoo.model, zoo.uri, model.featureLayer, model.featurePooling);
    const backbone = cutBackbone(tf, zoo.model, cut);
    const dim = tf.tidy(() => (backbone.predict(x) as Tensor).size / (x.shape[0] as number));
    return { at: cut.layerName, featureDim: dim };
  }
  const node = graphFeatureNode(zoo, model.featureLayer);
  const dim = tf.tidy(() => {
    let out: Tensor;
    try {
      out = zoo.model.execute(x, node) as Tensor;
    } catch (error) {
      throw new IncompatibleModelError(
        `graph model ${zoo.uri} cannot be cut at '${node}' (model.featureLayer): ${messageOf(error)}`,
        zoo.uri,
        { cause: error },
      );
    }
    return poolGraphFeatures(tf, out, model.featurePooling, node, zoo.uri).size / (x.shape[0] as number);
  });
  return { at: node, featureDim: dim };
}

/**
 * Opens one candidate's model as training will, feeds it one real sample of the dataset through the
 * input adapter, and describes the input and the cut.
 * @throws the training library's errors (IncompatibleModelError, DatasetError…) naming what is wrong.
 */
export async function describeCandidate(
  spec: SweepSpec,
  candidateId: string,
  deps: ValidateDeps,
): Promise<CandidateDescription> {
  const { tf } = deps;
  const resolved = resolveTrainingInput(toTrainingInput(spec, 'validate', candidateId));
  const location: LocationDeps = {
    openStore: deps.openStore ?? ((uri: string) => Promise.resolve(openStore(uri))),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };
  let zoo: ZooModel | undefined;
  let source: SampleSource | undefined;
  try {
    zoo = await loadZooModel(resolved.model.uri, { tf, ...location });
    if (zoo.format === 'graph-model' && resolved.mode !== 'frozen')
      throw new IncompatibleModelError(
        `model ${zoo.uri} is a GraphModel, whose weights cannot train; use mode 'frozen' or a LayersModel`,
        zoo.uri,
      );
    const modelShape = modelInputShape(zoo);
    source = await openDataset(
      {
        uri: resolved.dataset.uri,
        format: resolved.dataset.format,
        numClasses: resolved.dataset.numClasses,
        imageTarget: imageTargetOf(modelShape),
      },
      location,
    );
    const normalisation = resolved.dataset.normalisation;
    const { adapt, inputShape } = createInputAdapter(
      tf,
      source.sampleShape,
      source.dtype,
      modelShape,
      normalisation,
    );
    const x = adapt(await source.readRows([0]), 1);
    try {
      const cut = cutAndMeasure(tf, zoo, resolved.model, x);
      return {
        candidateId,
        model: resolved.model.uri,
        format: zoo.format,
        input: { modelShape, layout: layoutOf(modelShape), fedShape: inputShape, normalisation },
        cut: {
          ...cut,
          automatic: resolved.model.featureLayer === undefined,
          pooling: resolved.model.featurePooling,
        },
      };
    } finally {
      x.dispose();
    }
  } finally {
    await source?.close();
    zoo?.model.dispose();
  }
}

/** Opens the dataset as the spec names it, for its summary line. */
async function describeDataset(spec: SweepSpec, deps: ValidateDeps): Promise<SpecValidation['dataset']> {
  const { uri } = spec.dataset;
  try {
    const source = await openDataset(
      {
        uri,
        format: spec.dataset.format,
        ...(spec.dataset.numClasses !== undefined ? { numClasses: spec.dataset.numClasses } : {}),
        imageTarget: { height: null, width: null, channels: 3 },
      },
      { openStore: deps.openStore ?? ((u: string) => Promise.resolve(openStore(u))) },
    );
    try {
      return {
        uri,
        format: source.format,
        samples: source.count,
        numClasses: source.numClasses,
        ...(source.classNames ? { classNames: source.classNames } : {}),
      };
    } finally {
      await source.close();
    }
  } catch (error) {
    return { uri, problem: messageOf(error) };
  }
}

/** Checks the dataset and every candidate (all of them, whatever fails); `ok` when none failed. */
export async function validateSpecModels(spec: SweepSpec, deps: ValidateDeps): Promise<SpecValidation> {
  const dataset = await describeDataset(spec, deps);
  const candidates: CandidateDescription[] = [];
  const problems: CandidateProblem[] = [];
  for (const c of spec.candidates) {
    try {
      candidates.push(await describeCandidate(spec, c.id, deps));
    } catch (error) {
      problems.push({ candidateId: c.id, model: c.model, message: messageOf(error) });
    }
  }
  return { ok: problems.length === 0 && !dataset.problem, dataset, candidates, problems };
}

const normText = (n: ResolvedNormalisation): string => {
  const parts = [
    n.scale !== 1 ? `×${Number(n.scale.toPrecision(4))}` : '',
    n.offset !== 0 ? `${n.offset > 0 ? '+' : ''}${n.offset}` : '',
    n.mean.length > 0 ? `−mean[${n.mean.join(', ')}]` : '',
    n.std.length > 0 ? `÷std[${n.std.join(', ')}]` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : 'none';
};

const dims = (shape: readonly (number | null)[]): string => shape.map((d) => d ?? '?').join('×');

/** The validation as lines for a terminal: the dataset, then one line per candidate, problems last. */
export function validationLines(v: SpecValidation): string[] {
  const d = v.dataset;
  const lines = [
    d.problem
      ? `dataset ${d.uri}: ${d.problem}`
      : `dataset ${d.uri}: ${d.format}, ${d.samples} samples, ${d.numClasses} classes${d.classNames ? ` (${d.classNames.slice(0, 10).join(', ')}${d.classNames.length > 10 ? ', …' : ''})` : ''}`,
  ];
  for (const c of v.candidates)
    lines.push(
      `  ok   ${c.candidateId}: ${c.format}, input ${dims(c.input.modelShape)} ${c.input.layout}, fed ${dims(c.input.fedShape)} normalised ${normText(c.input.normalisation)}; cut at '${c.cut.at}'${c.cut.automatic ? ' (automatic)' : ''}${c.cut.pooling !== 'none' ? `, ${c.cut.pooling}-pooled` : ''} → ${c.cut.featureDim} features`,
    );
  for (const p of v.problems) lines.push(`  FAIL ${p.candidateId} (${p.model}): ${p.message}`);
  return lines;
}
