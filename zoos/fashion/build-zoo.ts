/**
 * `npm run demo:build-zoo -- [--plan full|reversed|quick] [--out DIR] [--data-dir DIR] [--force]`
 *
 * Builds a model zoo and its target data set from Fashion-MNIST (Debian's dataset-fashion-mnist): a
 * source task (one half of the classes) the candidates are pre-trained on and a target task (the other
 * half) written as safetensors. The ground truth is measured afterwards by
 * `npm run bench:selection -- --build-truth`. Cached and resumable; see zoos/fashion/build.ts,
 * zoos/demo-zoo/README.md and zoos/reversed-zoo/README.md.
 */
import { resolve } from 'node:path';
import { initTf } from '../../activities/tf/runtime.js';
import { runEntryMain } from '../../scripts/entry-args.js';
import { BUILD_ZOO_USAGE, parseBuildZooArgs, type BuildZooArgs } from './args.js';
import { buildZoo } from './build.js';
import { spreadCheck, zooTable } from './summary.js';
import { PLANS } from './zoo-plan.js';

async function main(): Promise<number> {
  let args: BuildZooArgs;
  try {
    args = parseBuildZooArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${BUILD_ZOO_USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(BUILD_ZOO_USAGE);
    return 0;
  }
  const runtime = await initTf();
  const plan = PLANS[args.plan];
  const outDir = resolve(args.out);
  console.log(
    `zoo (${plan.name}): ${plan.candidates.length} candidates → ${outDir}; TF.js backend ${runtime.backend}`,
  );
  const started = Date.now();
  const manifest = await buildZoo(runtime.tf, {
    outDir,
    dataDir: args.dataDir,
    plan,
    force: args.force,
    ...(plan.name === 'full' ? {} : { createdBy: `scripts/demo/build-zoo.ts --plan ${plan.name}` }),
    log: (line) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`),
  });
  const check = spreadCheck(manifest.candidates);
  console.log(`\n${zooTable(manifest.candidates)}\n`);
  console.log(
    `spread of ground truths ${(100 * check.spread).toFixed(2)} points vs seed noise (rms std) ${(100 * check.seedNoise).toFixed(2)} points: ` +
      `ratio ${check.ratio.toFixed(1)}; ${check.separatedPairs}/${check.pairs} candidate pairs separated by more than their summed std`,
  );
  console.log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

runEntryMain(main);
