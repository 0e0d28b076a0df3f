/**
 * `npm run bench:selection -- --build-truth [--zoo demo|reversed|real|DIR] [--seeds 1001,1002,1003] [--store URI]`
 *
 * Measures the converged ground truth of every candidate of a Fashion-MNIST zoo (zoos/demo-zoo,
 * zoos/reversed-zoo) with {@link measureGroundTruth} and writes it into the zoo's manifest
 * (`candidates[].groundTruth`: recipe, one run per seed with test/validation accuracy, curve, samples
 * processed; mean ± std). The manifest is rewritten after every finished run, and runs whose model and
 * recipe are unchanged are kept, so an interrupted build continues where it stopped.
 */
import { Command } from 'commander';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultStoreUri } from '../../workers/worker-config.js';
import { projectRoot } from '../../scripts/dev/tools.js';
import { parseEntryArgs } from '../../scripts/entry-args.js';
import { DEFAULT_ZOO_DIRS } from '../../zoos/fashion/args.js';
import {
  meanAndStd,
  readManifest,
  writeManifest,
  type GroundTruth,
  type GroundTruthRecipe,
  type GroundTruthRun,
  type ZooManifest,
} from '../../zoos/fashion/manifest.js';
import { spreadCheck, truthMarkdownTable, zooTable } from '../../zoos/fashion/summary.js';
import {
  DEFAULT_TRUTH_RECIPE,
  FROZEN_TRUTH_RECIPE,
  measureGroundTruth,
  TRUTH_SEEDS,
  type TruthCandidate,
  type TruthTask,
} from './ground-truth.js';
import {
  readRealZooManifest,
  writeRealZooManifest,
  REAL_ZOO_BUILDER,
  type RealZooManifest,
} from '../../zoos/real/build.js';
import { MANIFEST_PATH as REAL_ZOO_MANIFEST_PATH } from '../../zoos/real/paths.js';
import { REAL2_ZOO_BUILDER, type Real2ZooManifest } from '../../zoos/real2/build.js';
import { MANIFEST_PATH as REAL2_ZOO_MANIFEST_PATH } from '../../zoos/real2/paths.js';
import { realTruthMarkdownTable, zooTable as realZooTable } from '../../zoos/real/summary.js';
import { withLocalSweeps } from '../../scripts/sweeps/local-sweeps.js';

/** Zoo names `--zoo` accepts besides a folder. */
export const TRUTH_ZOOS = {
  demo: DEFAULT_ZOO_DIRS.full,
  reversed: DEFAULT_ZOO_DIRS.reversed,
  real: dirname(REAL_ZOO_MANIFEST_PATH),
  real2: dirname(REAL2_ZOO_MANIFEST_PATH),
} as const;

/** The command line of `npm run bench:selection -- --build-truth`. */
function buildTruthCommand(): Command {
  return new Command('npm run bench:selection -- --build-truth')
    .usage(
      '[--zoo demo|reversed|real|real2|DIR] [--seeds S,S,…] [--candidates ID,ID,…] [--store URI] [--parallel N] [--json]',
    )
    .description(
      `Fine-tunes every candidate of the zoo until validation accuracy stops improving (patience ${DEFAULT_TRUTH_RECIPE.patience}, at most ${DEFAULT_TRUTH_RECIPE.maxEpochs} epochs), once per seed, through real ncap sweeps, and writes the ground truth into the zoo's manifest.json.`,
    )
    .option(
      '--zoo <name|dir>',
      `demo (${TRUTH_ZOOS.demo}), reversed (${TRUTH_ZOOS.reversed}), real (${TRUTH_ZOOS.real}) and real2 (${TRUTH_ZOOS.real2}) (frozen backbones: patience ${FROZEN_TRUTH_RECIPE.patience}, ≤ ${FROZEN_TRUTH_RECIPE.maxEpochs} epochs) or a zoo folder`,
      'demo',
    )
    .option(
      '--seeds <list>',
      `ground-truth seeds (default ${TRUTH_SEEDS.join(',')}; early runs must use others)`,
    )
    .option('--candidates <ids>', 'only these candidates (default all)')
    .option('--store <uri>', 'artifact store of the sweeps (default NCAP_STORE_URI or file://./.ncap/store)')
    .option('--parallel <n>', 'trainings at once, each in its own worker process', '1')
    .option('--json', 'print the ground truths as JSON at the end', false)
    .option(
      '--readme',
      "only rewrite the table in the zoo's README.md from its manifest (no training)",
      false,
    )
    .option('--build-truth', 'this command (given to npm run bench:selection)')
    .addHelpText(
      'after',
      '\nResumable: finished runs are kept in the manifest (and in the store), the rest resume from checkpoints.\nTemporal: TEMPORAL_ADDRESS (and the other standard TEMPORAL_* variables), else the embedded dev server.',
    );
}

export const BUILD_TRUTH_USAGE = buildTruthCommand().helpInformation().trimEnd();

export interface BuildTruthArgs {
  zooDir: string;
  seeds: number[];
  candidates?: string[];
  storeUri: string;
  parallel: number;
  json: boolean;
  readme: boolean;
  help: boolean;
}

/** Parses the arguments (`--build-truth` itself may be among them). @throws TypeError naming the option. */
export function parseBuildTruthArgs(argv: readonly string[]): BuildTruthArgs {
  const { options: values, help } = parseEntryArgs<{
    zoo: string;
    seeds?: string;
    candidates?: string;
    store?: string;
    parallel: string;
    json: boolean;
    readme: boolean;
  }>(buildTruthCommand(), argv);
  const seeds = values.seeds
    ? values.seeds.split(',').map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 0)
          throw new TypeError(`--seeds takes non-negative integers separated by commas, got '${s}'`);
        return n;
      })
    : [...TRUTH_SEEDS];
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new TypeError(`--parallel must be a positive integer, got '${values.parallel}'`);
  const named = (TRUTH_ZOOS as Record<string, string>)[values.zoo];
  return {
    zooDir: resolve(projectRoot(), named ?? values.zoo),
    seeds,
    ...(values.candidates ? { candidates: values.candidates.split(',') } : {}),
    storeUri: values.store ?? process.env.NCAP_STORE_URI ?? defaultStoreUri(),
    parallel,
    json: values.json,
    readme: values.readme,
    help: help !== undefined,
  };
}

const hashOf = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/** What a candidate's runs depend on besides the seed: its model and the recipe. */
export const truthCacheKey = (candidate: { cacheKey: string }, recipe: GroundTruthRecipe): string =>
  hashOf({ v: 1, model: candidate.cacheKey, recipe });

/** The ground truth of `runs` (ordered by `seeds`), or undefined without any. */
export function summariseTruth(
  runs: readonly GroundTruthRun[],
  seeds: readonly number[],
  recipe: GroundTruthRecipe,
  cacheKey: string,
): GroundTruth | undefined {
  const ordered = seeds.flatMap((seed) => runs.filter((r) => r.seed === seed));
  if (ordered.length === 0) return undefined;
  const { mean, std } = meanAndStd(ordered.map((r) => r.testAccuracy));
  return {
    accuracyMean: mean,
    accuracyStd: std,
    samplesProcessedMean: meanAndStd(ordered.map((r) => r.samplesProcessed)).mean,
    seeds: ordered.map((r) => r.seed),
    recipe,
    runs: ordered,
    cacheKey,
  };
}

export interface BuildTruthOptions extends Omit<BuildTruthArgs, 'json' | 'readme' | 'help'> {
  recipe?: GroundTruthRecipe;
  log: (line: string) => void;
}

/** A candidate of either manifest format: where its ground truth is kept. */
interface TruthSlot {
  id: string;
  groundTruth?: GroundTruth;
}

/** What `--build-truth` needs of a zoo, whichever manifest format it has. */
interface TruthZoo {
  /** The manifest's candidate objects: a measured ground truth is written into them. */
  candidates: TruthSlot[];
  task: TruthTask;
  recipe: GroundTruthRecipe;
  /** What a candidate's runs depend on besides the recipe and seed. */
  modelKey: (id: string) => string;
  toTruthCandidate: (id: string) => TruthCandidate;
  write: () => Promise<void>;
  /** The candidates and their ground truths: a fixed-width table for the terminal, a README table. */
  textTable: () => string;
  markdownTable: () => string;
}

function candidateOf<C extends TruthSlot>(candidates: readonly C[], id: string): C {
  const c = candidates.find((x) => x.id === id);
  if (!c) throw new Error(`no candidate ${id} in the manifest`);
  return c;
}

/** A Fashion-MNIST zoo (demo, reversed) built by `npm run demo:build-zoo`. */
function fashionTruthZoo(zooDir: string, manifest: ZooManifest, recipe: GroundTruthRecipe): TruthZoo {
  const file = (path: string): string => pathToFileURL(join(zooDir, path)).href;
  const { target } = manifest.dataset;
  return {
    candidates: manifest.candidates,
    task: {
      name: `${manifest.plan === 'full' ? 'demo' : manifest.plan}-zoo`,
      trainUri: file(target.train.path),
      validationUri: file(target.validation.path),
      testUri: file(target.test.path),
      normalisation: manifest.dataset.normalisation,
    },
    recipe,
    modelKey: (id) => candidateOf(manifest.candidates, id).cacheKey,
    toTruthCandidate: (id) => {
      const c = candidateOf(manifest.candidates, id);
      return { id, model: file(c.modelPath), featureLayer: c.featureLayer };
    },
    write: () => writeManifest(zooDir, manifest),
    textTable: () => zooTable(manifest.candidates),
    markdownTable: () => truthMarkdownTable(manifest.candidates),
  };
}

/** A real-network zoo (frozen backbones) built by `npm run zoo:real:build` or `npm run zoo:real2:build`. */
function realTruthZoo(manifestPath: string, manifest: RealZooManifest | Real2ZooManifest): TruthZoo {
  const second = manifest.createdBy === REAL2_ZOO_BUILDER;
  const build = second ? 'npm run zoo:real2:build' : 'npm run zoo:real:build';
  const candidates: readonly (
    RealZooManifest['candidates'][number] | Real2ZooManifest['candidates'][number]
  )[] = manifest.candidates;
  const cacheDir = resolve(projectRoot(), manifest.cacheDir);
  const file = (path: string): string => pathToFileURL(join(cacheDir, path)).href;
  const modelOf = (network: string): string => {
    const n = manifest.networks.find((x) => x.id === network);
    if (!n) throw new TypeError(`${manifestPath}: no network '${network}'; rebuild it with ${build}`);
    return file(n.modelPath);
  };
  return {
    candidates: manifest.candidates,
    task: {
      name: second ? 'real2-zoo' : 'real-zoo',
      trainUri: file(manifest.dataset.paths.train),
      validationUri: file(manifest.dataset.paths.validation),
      testUri: file(manifest.dataset.paths.test),
      normalisation: manifest.dataset.normalisation,
    },
    recipe: FROZEN_TRUTH_RECIPE,
    // The features are content-addressed by model, cut, pooling, normalisation and data: their keys name all of it.
    modelKey: (id) => JSON.stringify(candidateOf(candidates, id).featureKeys),
    toTruthCandidate: (id) => {
      const c = candidateOf(candidates, id);
      return {
        id,
        model: modelOf(c.network),
        featureLayer: c.featureLayer,
        ...(c.featurePooling !== 'none' ? { featurePooling: c.featurePooling } : {}),
        // Each network of the second real zoo is fed its own preprocessing.
        ...('normalisation' in c ? { normalisation: c.normalisation } : {}),
      };
    },
    write: () => writeRealZooManifest(manifestPath, manifest),
    textTable: () => realZooTable(manifest),
    markdownTable: () => realTruthMarkdownTable(manifest),
  };
}

/** Reads the zoo in `zooDir` (either manifest format). @throws TypeError when there is none */
async function readTruthZoo(zooDir: string, recipe: GroundTruthRecipe | undefined): Promise<TruthZoo> {
  const realPath = join(zooDir, 'manifest.json');
  const real = await readRealZooManifest<RealZooManifest | Real2ZooManifest>(realPath);
  if (real && [REAL_ZOO_BUILDER, REAL2_ZOO_BUILDER].includes(real.createdBy)) {
    const zoo = realTruthZoo(realPath, real);
    return recipe ? { ...zoo, recipe } : zoo;
  }
  const manifest = await readManifest(zooDir);
  if (!manifest)
    throw new TypeError(
      `no zoo manifest at ${realPath}: build it with npm run demo:build-zoo (or npm run zoo:real:build, npm run zoo:real2:build)`,
    );
  return fashionTruthZoo(zooDir, manifest, recipe ?? DEFAULT_TRUTH_RECIPE);
}

/** Measures the zoo's missing ground-truth runs and writes them into its manifest; returns its candidates. */
export async function buildZooTruth(options: BuildTruthOptions): Promise<TruthZoo> {
  const zoo = await readTruthZoo(options.zooDir, options.recipe);
  await measureZooTruth(zoo, options);
  return zoo;
}

async function measureZooTruth(zoo: TruthZoo, options: BuildTruthOptions): Promise<void> {
  const { zooDir, seeds, log } = options;
  const { recipe } = zoo;
  const chosen = options.candidates
    ? zoo.candidates.filter((c) => options.candidates!.includes(c.id))
    : zoo.candidates;
  const unknown = (options.candidates ?? []).filter((id) => !zoo.candidates.some((c) => c.id === id));
  if (unknown.length > 0)
    throw new TypeError(
      `--candidates: ${unknown.join(', ')} not in the zoo (it has ${zoo.candidates.map((c) => c.id).join(', ')})`,
    );

  // Runs of an unchanged model and recipe are kept; anything else is measured again.
  const keyOf = (c: TruthSlot): string => truthCacheKey({ cacheKey: zoo.modelKey(c.id) }, recipe);
  const runs = new Map<string, GroundTruthRun[]>();
  for (const c of zoo.candidates)
    runs.set(c.id, c.groundTruth?.cacheKey === keyOf(c) ? [...c.groundTruth.runs] : []);
  const save = async (): Promise<void> => {
    for (const c of zoo.candidates) {
      const all = runs.get(c.id) ?? [];
      const order = [...new Set([...seeds, ...all.map((r) => r.seed)])];
      const truth = summariseTruth(all, order, recipe, keyOf(c));
      if (truth) c.groundTruth = truth;
      else delete c.groundTruth;
    }
    await zoo.write();
  };
  await save();

  await withLocalSweeps({ storeUri: options.storeUri, processes: options.parallel, log }, (sweeps) => {
    log(
      `zoo ${zooDir}: ${chosen.length} candidates × seeds ${seeds.join(', ')}; TF.js backend ${sweeps.backend}`,
    );
    return measureGroundTruth({
      sweeps,
      task: zoo.task,
      candidates: chosen.map((c) => zoo.toTruthCandidate(c.id)),
      recipe,
      seeds,
      maxParallel: options.parallel,
      skip: (id, seed) => (runs.get(id) ?? []).some((r) => r.seed === seed),
      onRun: async (id, run) => {
        runs.get(id)?.push(run);
        await save();
      },
      log,
    });
  });
}

const README_START = '<!-- truth-table:start -->';
const README_END = '<!-- truth-table:end -->';

/** The spread-vs-noise sentence of the zoo READMEs. */
export function spreadSentence(candidates: readonly TruthSlot[]): string {
  const check = spreadCheck(candidates);
  const measured = candidates.filter((c) => c.groundTruth);
  const seeds = [...new Set(measured.map((c) => c.groundTruth!.seeds.length))].sort();
  return (
    `${measured.length} of ${candidates.length} candidates measured (seeds per candidate: ${seeds.join(', ') || '0'}). ` +
    `Spread of the means ${(100 * check.spread).toFixed(1)} points against a seed noise (rms of the stds) of ` +
    `${(100 * check.seedNoise).toFixed(1)} points; ${check.separatedPairs} of ${check.pairs} candidate pairs differ by ` +
    `more than the sum of their stds. Candidates with one seed count 0 noise.`
  );
}

/** Rewrites the block between the truth-table markers of `zooDir/README.md` from the manifest. */
export async function writeTruthReadme(zooDir: string, zoo: TruthZoo): Promise<void> {
  const path = join(zooDir, 'README.md');
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start)
    throw new TypeError(`${path} has no ${README_START} … ${README_END} block to fill`);
  const block = `${README_START}\n${zoo.markdownTable()}\n\n${spreadSentence(zoo.candidates)}\n`;
  await writeFile(path, text.slice(0, start) + block + text.slice(end));
}

/** The `--build-truth` command: parses `argv`, builds, prints the table; returns the exit code. */
export async function runBuildTruthCli(argv: readonly string[]): Promise<number> {
  let args: BuildTruthArgs;
  try {
    args = parseBuildTruthArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${BUILD_TRUTH_USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(BUILD_TRUTH_USAGE);
    return 0;
  }
  if (args.readme) {
    let zoo: TruthZoo;
    try {
      zoo = await readTruthZoo(args.zooDir, undefined);
    } catch (error) {
      console.error((error as Error).message);
      return 2;
    }
    await writeTruthReadme(args.zooDir, zoo);
    console.log(`${join(args.zooDir, 'README.md')}: ground-truth table rewritten`);
    return 0;
  }
  const started = Date.now();
  const log = (line: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);
  let zoo: TruthZoo;
  try {
    zoo = await buildZooTruth({ ...args, log });
  } catch (error) {
    if (error instanceof TypeError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const check = spreadCheck(zoo.candidates);
  const seconds = (Date.now() - started) / 1000;
  if (args.json) {
    console.log(
      JSON.stringify(
        {
          zoo: args.zooDir,
          seconds,
          spread: check,
          candidates: zoo.candidates.map((c) => ({ id: c.id, groundTruth: c.groundTruth ?? null })),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  console.log(`\n${zoo.textTable()}\n`);
  console.log(
    `spread of ground truths ${(100 * check.spread).toFixed(2)} points vs seed noise (rms std) ${(100 * check.seedNoise).toFixed(2)} points: ` +
      `ratio ${check.ratio.toFixed(1)}; ${check.separatedPairs}/${check.pairs} candidate pairs separated by more than their summed std`,
  );
  console.log(`done in ${seconds.toFixed(0)} s`);
  return 0;
}
