/**
 * Builds a zoo from Fashion-MNIST: the target data set as safetensors files and every candidate of the
 * plan pre-trained on the source task and saved as a TF.js LayersModel. Cached: a candidate whose model
 * was made from the same inputs (same cache key) is not built again and keeps the ground truth recorded
 * for it (measured by bench/truth/), and the manifest is rewritten after every candidate so an
 * interrupted build resumes where it stopped.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { folderSaveHandler } from '../../activities/training/model-io.js';
import { encodeSafetensors } from '../../activities/formats/safetensors.js';
import { buildBackbone, FEATURE_LAYER, INPUT_SHAPE } from './architectures.js';
import { classSubsets, type TaskImages } from './class-subsets.js';
import { FASHION_MNIST_CLASSES, readFashionMnist } from './fashion-mnist.js';
import {
  MANIFEST_VERSION,
  readManifest,
  writeManifest,
  type ManifestCandidate,
  type ManifestDataset,
  type SplitFile,
  type ZooManifest,
} from './manifest.js';
import { deriveSeed } from './rng.js';
import { accuracy, train } from './train.js';
import type { CandidatePlan, ZooPlan } from './zoo-plan.js';

/** Bump when a change of this code changes what a build produces: it invalidates every cached step. */
export const BUILDER_VERSION = 1;
export const MODELS_DIR = 'models';
export const TARGET_DIR = 'target';

export interface BuildZooOptions {
  /** Folder the zoo is written to (created if needed). */
  outDir: string;
  /** Folder holding the Fashion-MNIST IDX files (gzipped or not). */
  dataDir: string;
  plan: ZooPlan;
  /** Progress lines. */
  log: (line: string) => void;
  /** Ignore cached models and runs. @default false */
  force?: boolean;
  /**
   * Written into the manifest's `createdBy`. @default 'scripts/demo/build-zoo.ts' (the builder's path when the
   * shipped manifests were recorded, now zoos/fashion/build-zoo.ts; kept so a rebuild is byte-identical)
   */
  createdBy?: string;
}

type Tasks = {
  sourceTrain: TaskImages;
  sourceTest: TaskImages;
  targetTrain: TaskImages;
  targetValidation: TaskImages;
  targetTest: TaskImages;
};

const hashOf = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/** Builds (or completes) the zoo in `options.outDir` and returns its manifest. */
export async function buildZoo(tf: Tf, options: BuildZooOptions): Promise<ZooManifest> {
  const { plan, outDir, log } = options;
  const tasks = await loadTasks(plan, options.dataDir);
  await mkdir(join(outDir, TARGET_DIR), { recursive: true });
  const dataset = await writeTargetData(plan, tasks, outDir);
  log(
    `data: source ${tasks.sourceTrain.count} train / ${tasks.sourceTest.count} test; target ${tasks.targetTrain.count} train / ${tasks.targetValidation.count} validation / ${tasks.targetTest.count} test`,
  );

  const previous = options.force ? undefined : await readManifest(outDir);
  const manifest: ZooManifest = {
    version: MANIFEST_VERSION,
    createdBy: options.createdBy ?? 'scripts/demo/build-zoo.ts',
    plan: plan.name,
    dataset,
    candidates: [],
  };
  await removeStaleModels(outDir, plan);
  for (const [index, candidate] of plan.candidates.entries()) {
    const tag = `[${index + 1}/${plan.candidates.length}] ${candidate.id}`;
    const cached = previous?.candidates.find((c) => c.id === candidate.id);
    const entry = await pretrainCandidate(tf, plan, candidate, tasks, outDir, cached, (line) =>
      log(`${tag} ${line}`),
    );
    // The ground truth belongs to the model: kept while the model is, dropped when it is rebuilt.
    if (cached?.cacheKey === entry.cacheKey && cached.groundTruth) entry.groundTruth = cached.groundTruth;
    manifest.candidates.push(entry);
    await writeManifest(outDir, manifest);
  }
  return manifest;
}

async function loadTasks(plan: ZooPlan, dataDir: string): Promise<Tasks> {
  const [trainFile, testFile] = await Promise.all([
    readFashionMnist('train', dataDir),
    readFashionMnist('test', dataDir),
  ]);
  const { sizes, dataSeed } = plan;
  const [sourceTrain] = classSubsets(
    trainFile,
    plan.sourceClasses,
    [sizes.sourceTrain],
    deriveSeed(dataSeed, 'source-train'),
  );
  const [sourceTest] = classSubsets(
    testFile,
    plan.sourceClasses,
    [sizes.sourceTest],
    deriveSeed(dataSeed, 'source-test'),
  );
  const [targetTrain, targetValidation] = classSubsets(
    trainFile,
    plan.targetClasses,
    [sizes.targetTrain, sizes.targetValidation],
    deriveSeed(dataSeed, 'target-train'),
  );
  const [targetTest] = classSubsets(
    testFile,
    plan.targetClasses,
    [sizes.targetTest],
    deriveSeed(dataSeed, 'target-test'),
  );
  if (!sourceTrain || !sourceTest || !targetTrain || !targetValidation || !targetTest)
    throw new Error('classSubsets returned fewer subsets than asked');
  return { sourceTrain, sourceTest, targetTrain, targetValidation, targetTest };
}

async function writeTargetData(plan: ZooPlan, tasks: Tasks, outDir: string): Promise<ManifestDataset> {
  const classNames = (classes: readonly number[]): string[] =>
    classes.map((c) => FASHION_MNIST_CLASSES[c] ?? String(c));
  const write = async (
    split: 'train' | 'validation' | 'test',
    task: TaskImages,
    from: SplitFile['from'],
  ): Promise<SplitFile> => {
    const path = `${TARGET_DIR}/${split}.safetensors`;
    const bytes = encodeSafetensors(
      [
        { name: 'x', dtype: 'U8', shape: [task.count, task.rows, task.cols, 1], data: task.images },
        { name: 'y', dtype: 'I32', shape: [task.count], data: task.labels },
      ],
      {
        dataset: 'fashion-mnist',
        split,
        classes: classNames(plan.targetClasses).join(','),
        seed: String(plan.dataSeed),
      },
    );
    await writeFile(join(outDir, path), bytes);
    return { path, samples: task.count, from };
  };
  return {
    name: 'fashion-mnist',
    origin: "Debian package dataset-fashion-mnist (Zalando Research's Fashion-MNIST, MIT licence)",
    inputShape: [...INPUT_SHAPE],
    normalisation: '[0,1]',
    seed: plan.dataSeed,
    source: {
      classes: [...plan.sourceClasses],
      classNames: classNames(plan.sourceClasses),
      trainSamples: tasks.sourceTrain.count,
      testSamples: tasks.sourceTest.count,
    },
    target: {
      classes: [...plan.targetClasses],
      classNames: classNames(plan.targetClasses),
      train: await write('train', tasks.targetTrain, 'train'),
      validation: await write('validation', tasks.targetValidation, 'train'),
      test: await write('test', tasks.targetTest, 'test'),
    },
  };
}

async function pretrainCandidate(
  tf: Tf,
  plan: ZooPlan,
  candidate: CandidatePlan,
  tasks: Tasks,
  outDir: string,
  cached: ManifestCandidate | undefined,
  log: (line: string) => void,
): Promise<ManifestCandidate> {
  const cacheKey = hashOf({
    builder: BUILDER_VERSION,
    candidate,
    pretrain: plan.pretrain,
    dataSeed: plan.dataSeed,
    source: [plan.sizes.sourceTrain, plan.sizes.sourceTest],
  });
  const modelPath = `${MODELS_DIR}/${candidate.id}/model.json`;
  if (cached?.cacheKey === cacheKey && (await exists(join(outDir, modelPath)))) {
    log(`pre-trained model cached (source accuracy ${percent(cached.sourceAccuracy)})`);
    return { ...cached, groundTruth: undefined };
  }
  const model = buildBackbone(tf, {
    architecture: candidate.architecture,
    width: candidate.width,
    classes: plan.sourceClasses.length,
    seed: candidate.seed,
    ...(candidate.featureWidth === undefined ? {} : { featureWidth: candidate.featureWidth }),
  });
  try {
    const params = model.countParams();
    log(
      `pre-training ${candidate.architecture} (width ${candidate.width}, ${params} params) for ${candidate.pretrainEpochs} epochs`,
    );
    const started = Date.now();
    await train(tf, model, tasks.sourceTrain, plan.sourceClasses.length, {
      ...plan.pretrain,
      epochs: candidate.pretrainEpochs,
      seed: deriveSeed(candidate.seed, 'pretrain'),
      onEpoch: (epoch, loss) =>
        log(`  epoch ${epoch}/${candidate.pretrainEpochs} loss ${loss.toFixed(4)} (${seconds(started)})`),
    });
    const sourceAccuracy = await accuracy(tf, model, tasks.sourceTest);
    log(`source accuracy ${percent(sourceAccuracy)} (${seconds(started)})`);
    await model.save(folderSaveHandler(join(outDir, MODELS_DIR, candidate.id)));
    const featureShape = model.getLayer(FEATURE_LAYER).outputShape as number[];
    return {
      id: candidate.id,
      architecture: candidate.architecture,
      width: candidate.width,
      params,
      sourceAccuracy,
      seed: candidate.seed,
      pretrainEpochs: candidate.pretrainEpochs,
      modelPath,
      featureLayer: FEATURE_LAYER,
      featureWidth: featureShape[featureShape.length - 1] ?? 0,
      inputShape: [...INPUT_SHAPE],
      cacheKey,
    };
  } finally {
    model.dispose();
  }
}

/** Removes model folders of candidates the plan no longer has, so the shipped zoo holds only its own. */
async function removeStaleModels(outDir: string, plan: ZooPlan): Promise<void> {
  const wanted = new Set(plan.candidates.map((c) => c.id));
  let present: string[];
  try {
    present = await readdir(join(outDir, MODELS_DIR));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of present)
    if (!wanted.has(name)) await rm(join(outDir, MODELS_DIR, name), { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const percent = (fraction: number): string => `${(100 * fraction).toFixed(2)}%`;
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
