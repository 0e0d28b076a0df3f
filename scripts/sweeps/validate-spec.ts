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
import { normalisationText } from '../../activities/spec/normalisation.js';
import { toTrainingInput } from '../../activities/spec/training-input.js';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { openStore } from '../../activities/store/open-store.js';
import { initTf } from '../../activities/tf/runtime.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import type { CandidateModel } from '../../activities/training/candidate-model.js';
import { candidateRunOf, releaseCandidateRun } from '../../activities/training/candidate-run.js';
import { openDataset } from '../../activities/training/datasets.js';
import { graphModelInput } from '../../activities/training/model-zoo.js';
import { cutFeatures, loadBackbone, type BackboneCut } from '../../activities/training/prepare-backbone.js';
import type { ResolvedNormalisation } from '../../activities/training/resolve-input.js';
import { openTrainingData } from '../../activities/training/training-data.js';
import type { LocationDeps } from '../../activities/training/sources/open-location.js';

/** What one candidate will be fed and where it is cut. */
export interface CandidateDescription {
  candidateId: string;
  model: string;
  /** `layers-model`, `graph-model` or `onnx`. */
  format: string;
  input: {
    /** The model's declared input, batch excluded; `null` = any size. */
    modelShape: (number | null)[];
    /** How the model takes its input: `NHWC`, `NCHW` or `vector`. */
    layout: string;
    /** The batch size the model takes; `null` = any. */
    batch: number | null;
    /** Element type the model takes. */
    dtype: string;
    /** What each sample becomes before it enters the model (after resizing and channel adaptation). */
    fedShape: number[];
    /** The normalisation as the spec names it (a preset, or the explicit form written out). */
    normalisationName: string;
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
  /** The sweep's store (models and datasets inside it are read through it; nothing is written). */
  store: ArtifactStore;
  /** Opens `s3://` buckets named by models and datasets. @default openStore */
  openStore?: LocationDeps['openStore'];
  fetch?: typeof fetch;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The model's input as it declares it: layout, batch, element type (LayersModels: NHWC or vector). */
function declaredInput(zoo: CandidateModel, modelShape: readonly (number | null)[]) {
  if (zoo.format === 'onnx')
    return { layout: zoo.input.layout, batch: zoo.input.batch, dtype: zoo.input.dtype };
  if (zoo.format === 'graph-model') {
    const input = graphModelInput(zoo);
    return { layout: input.layout, batch: input.batch, dtype: input.dtype };
  }
  return { layout: modelShape.length === 1 ? 'vector' : 'NHWC', batch: null, dtype: 'float32' };
}

/** Features per sample from one real sample through the cut. */
async function measureFeatures(tf: Tf, cut: BackboneCut, x: Tensor): Promise<number> {
  const { extract } = cut;
  const out = extract.kind === 'sync' ? tf.tidy(() => extract.extract(x)) : await extract.extract(x);
  try {
    return out.size / (x.shape[0] as number);
  } finally {
    out.dispose();
  }
}

/**
 * Opens one candidate's model and the dataset through the training library's own steps (load the
 * backbone, open the data at its input size, cut it), feeds one real sample through, and describes the
 * input and the cut. Every model format training knows is described the same way.
 * @throws the training library's errors (IncompatibleModelError, DatasetError…) naming what is wrong.
 */
export async function describeCandidate(
  spec: SweepSpec,
  candidateId: string,
  deps: ValidateDeps,
): Promise<CandidateDescription> {
  const { tf } = deps;
  const run = candidateRunOf(toTrainingInput(spec, 'validate', candidateId), {
    tf,
    store: deps.store,
    openStore: deps.openStore ?? ((uri: string) => Promise.resolve(openStore(uri))),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  try {
    const backbone = await loadBackbone(run);
    const data = await openTrainingData(run, backbone);
    const cut = cutFeatures(run, backbone.zoo);
    const x = data.adapt(await data.source.readRows([data.selected[0] ?? 0]), 1);
    let featureDim: number;
    try {
      featureDim = await measureFeatures(tf, cut, x);
    } finally {
      x.dispose();
    }
    const { model, dataset } = run.resolved;
    return {
      candidateId,
      model: model.uri,
      format: backbone.zoo.format,
      input: {
        modelShape: backbone.modelShape,
        ...declaredInput(backbone.zoo, backbone.modelShape),
        fedShape: data.inputShape,
        normalisationName: normalisationText(specNormalisation(spec, candidateId)),
        normalisation: dataset.normalisation,
      },
      cut: {
        at: cut.featureLayer,
        automatic: model.featureLayer === undefined,
        pooling: cut.featurePooling,
        featureDim,
      },
    };
  } finally {
    // The cut shares the zoo model's weights, which releasing the run disposes.
    await releaseCandidateRun(run);
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

/**
 * {@link validateSpecModels} with the TF.js runtime of this process and the sweep's store (the spec's, else
 * `storeUri`), opened only to read what lies inside it.
 */
export async function validateSpecFile(spec: SweepSpec, storeUri: string): Promise<SpecValidation> {
  const { tf } = await initTf({ logger: { info: () => undefined, warn: () => undefined } });
  const store = openStore(spec.store ?? storeUri);
  try {
    return await validateSpecModels(spec, { tf, store });
  } finally {
    await store.close();
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

const specNormalisation = (spec: SweepSpec, candidateId: string) =>
  spec.candidates.find((c) => c.id === candidateId)?.normalisation ?? spec.dataset.normalisation;

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
      `  ok   ${c.candidateId}: ${c.format}, input ${dims(c.input.modelShape)} ${c.input.layout}${c.input.batch !== null ? ` batch ${c.input.batch}` : ''}${c.input.dtype !== 'float32' ? ` ${c.input.dtype}` : ''}, fed ${dims(c.input.fedShape)} normalised ${c.input.normalisationName}; cut at '${c.cut.at}'${c.cut.automatic ? ' (automatic)' : ''}${c.cut.pooling !== 'none' ? `, ${c.cut.pooling}-pooled` : ''} → ${c.cut.featureDim} features`,
    );
  for (const c of v.candidates) {
    const warning = integerInputWarning(c);
    if (warning) lines.push(`  WARN ${c.candidateId}: ${warning}`);
  }
  for (const p of v.problems) lines.push(`  FAIL ${p.candidateId} (${p.model}): ${p.message}`);
  return lines;
}

/**
 * An integer-input model (uint8/int32 images, 0–255) fed a normalisation that scales pixels into a small
 * range gets them rounded to a handful of values: almost always a spec that forgot `normalisation: none`.
 */
export function integerInputWarning(c: CandidateDescription): string | null {
  const { dtype, normalisation } = c.input;
  if (dtype === 'float32' || normalisation.scale >= 1) return null;
  return `its input is ${dtype} (pixels 0–255, rounded), but its normalisation scales them by ${Number(normalisation.scale.toPrecision(4))}: set normalisation: none on this candidate`;
}

/** One line saying why a validation failed (the dataset, or which candidates cannot run). */
export function validationSummary(v: SpecValidation): string {
  if (v.dataset.problem) return `the dataset cannot be read: ${v.dataset.problem}`;
  const bad = v.problems.map((p) => p.candidateId);
  return `${bad.length} candidate${bad.length === 1 ? '' : 's'} cannot run: ${bad.join(', ')}`;
}
