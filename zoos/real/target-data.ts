/**
 * The real zoo's target task: Fashion-MNIST (all ten classes) as three disjoint, seeded, class-balanced
 * safetensors files at its native 28×28×1 (raw pixels 0–255). ncap's input adapter resizes them (bilinear)
 * to each network's input, repeats the gray channel to RGB and normalises, at feature-extraction time.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSafetensors } from '../../activities/formats/safetensors.js';
import { classSubsets, type TaskImages } from '../fashion/class-subsets.js';
import { FASHION_MNIST_CLASSES, readFashionMnist } from '../fashion/fashion-mnist.js';
import { deriveSeed } from '../fashion/rng.js';
import { TARGET_CLASSES, type TargetPlan } from './plan.js';

export const TARGET_SPLITS = ['train', 'validation', 'test'] as const;
export type TargetSplit = (typeof TARGET_SPLITS)[number];

export interface TargetFiles {
  /** File path of each split, relative to the zoo's cache folder. */
  paths: Record<TargetSplit, string>;
  samples: Record<TargetSplit, number>;
  classNames: string[];
}

/** Writes `target/{train,validation,test}.safetensors` under `cacheDir` (train/validation from the training file, test from the test file). */
export async function writeTargetData(
  cacheDir: string,
  dataDir: string,
  plan: TargetPlan,
): Promise<TargetFiles> {
  const [trainFile, testFile] = await Promise.all([
    readFashionMnist('train', dataDir),
    readFashionMnist('test', dataDir),
  ]);
  const [train, validation] = classSubsets(
    trainFile,
    TARGET_CLASSES,
    [plan.train, plan.validation],
    deriveSeed(plan.seed, 'real-zoo-train'),
  );
  const [test] = classSubsets(testFile, TARGET_CLASSES, [plan.test], deriveSeed(plan.seed, 'real-zoo-test'));
  if (!train || !validation || !test) throw new Error('classSubsets returned fewer subsets than asked');
  await mkdir(join(cacheDir, 'target'), { recursive: true });
  const tasks: Record<TargetSplit, TaskImages> = { train, validation, test };
  const paths = {} as Record<TargetSplit, string>;
  const samples = {} as Record<TargetSplit, number>;
  for (const split of TARGET_SPLITS) {
    const task = tasks[split];
    paths[split] = `target/${split}.safetensors`;
    samples[split] = task.count;
    const bytes = encodeSafetensors(
      [
        { name: 'x', dtype: 'U8', shape: [task.count, task.rows, task.cols, 1], data: task.images },
        { name: 'y', dtype: 'I32', shape: [task.count], data: task.labels },
      ],
      { dataset: 'fashion-mnist', split, seed: String(plan.seed) },
    );
    await writeFile(join(cacheDir, paths[split]), bytes);
  }
  return { paths, samples, classNames: TARGET_CLASSES.map((c) => FASHION_MNIST_CLASSES[c]) };
}
