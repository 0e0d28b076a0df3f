/**
 * `npm run bench:selection -- --build-truth [--zoo demo|reversed|DIR] [--seeds 1001,1002,1003] [--store URI]`
 *
 * Measures the converged ground truth of every candidate of a Fashion-MNIST zoo (infra/demo-zoo,
 * infra/reversed-zoo) with {@link measureGroundTruth} and writes it into the zoo's manifest
 * (`candidates[].groundTruth`: recipe, one run per seed with test/validation accuracy, curve, samples
 * processed; mean ± std). The manifest is rewritten after every finished run, and runs whose model and
 * recipe are unchanged are kept, so an interrupted build continues where it stopped.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultStoreUri } from '../../../workers/worker-config.js';
import { projectRoot } from '../../dev/tools.js';
import { DEFAULT_ZOO_DIRS } from '../../demo/zoo/args.js';
import {
  meanAndStd,
  readManifest,
  writeManifest,
  type GroundTruth,
  type GroundTruthRecipe,
  type GroundTruthRun,
  type ManifestCandidate,
  type ZooManifest,
} from '../../demo/zoo/manifest.js';
import { spreadCheck, truthMarkdownTable, zooTable } from '../../demo/zoo/summary.js';
import { DEFAULT_TRUTH_RECIPE, measureGroundTruth, TRUTH_SEEDS } from './ground-truth.js';
import { withLocalSweeps } from '../../sweeps/local-sweeps.js';

/** Zoo names `--zoo` accepts besides a folder. */
export const TRUTH_ZOOS = { demo: DEFAULT_ZOO_DIRS.full, reversed: DEFAULT_ZOO_DIRS.reversed } as const;

export const BUILD_TRUTH_USAGE = `usage: npm run bench:selection -- --build-truth [--zoo demo|reversed|DIR] [--seeds S,S,…] [--candidates ID,ID,…] [--store URI] [--parallel N] [--json]
  Fine-tunes every candidate of the zoo until validation accuracy stops improving (patience ${DEFAULT_TRUTH_RECIPE.patience}, at most ${DEFAULT_TRUTH_RECIPE.maxEpochs} epochs),
  once per seed, through real ncap sweeps, and writes the ground truth into the zoo's manifest.json.
  --zoo NAME|DIR     demo (${TRUTH_ZOOS.demo}, default), reversed (${TRUTH_ZOOS.reversed}) or a zoo folder
  --seeds S,S,…      ground-truth seeds (default ${TRUTH_SEEDS.join(',')}; early runs must use others)
  --candidates IDS   only these candidates (default all)
  --store URI        artifact store of the sweeps (default NCAP_STORE_URI or file://./.ncap/store)
  --parallel N       trainings at once, each in its own worker process (default 1)
  --json             print the ground truths as JSON at the end
  --readme           only rewrite the table in the zoo's README.md from its manifest (no training)
Resumable: finished runs are kept in the manifest (and in the store), the rest resume from checkpoints.
Temporal: TEMPORAL_ADDRESS (and the other standard TEMPORAL_* variables), else the embedded dev server.`;

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
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--build-truth'),
    options: {
      zoo: { type: 'string', default: 'demo' },
      seeds: { type: 'string' },
      candidates: { type: 'string' },
      store: { type: 'string' },
      parallel: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      readme: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
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
    help: values.help,
  };
}

const hashOf = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/** What a candidate's runs depend on besides the seed: its model and the recipe. */
export const truthCacheKey = (candidate: ManifestCandidate, recipe: GroundTruthRecipe): string =>
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

/** Measures the zoo's missing ground-truth runs and writes them into its manifest; returns the manifest. */
export async function buildZooTruth(options: BuildTruthOptions): Promise<ZooManifest> {
  const { zooDir, seeds, log } = options;
  const recipe = options.recipe ?? DEFAULT_TRUTH_RECIPE;
  const manifest = await readManifest(zooDir);
  if (!manifest)
    throw new TypeError(
      `no zoo manifest at ${join(zooDir, 'manifest.json')}: build it with npm run demo:build-zoo`,
    );
  const chosen = options.candidates
    ? manifest.candidates.filter((c) => options.candidates!.includes(c.id))
    : manifest.candidates;
  const unknown = (options.candidates ?? []).filter((id) => !manifest.candidates.some((c) => c.id === id));
  if (unknown.length > 0)
    throw new TypeError(
      `--candidates: ${unknown.join(', ')} not in the zoo (it has ${manifest.candidates.map((c) => c.id).join(', ')})`,
    );

  // Runs of an unchanged model and recipe are kept; anything else is measured again.
  const runs = new Map<string, GroundTruthRun[]>();
  for (const c of manifest.candidates) {
    const key = truthCacheKey(c, recipe);
    runs.set(c.id, c.groundTruth?.cacheKey === key ? [...c.groundTruth.runs] : []);
  }
  const save = async (): Promise<void> => {
    for (const c of manifest.candidates) {
      const all = runs.get(c.id) ?? [];
      const order = [...new Set([...seeds, ...all.map((r) => r.seed)])];
      const truth = summariseTruth(all, order, recipe, truthCacheKey(c, recipe));
      if (truth) c.groundTruth = truth;
      else delete c.groundTruth;
    }
    await writeManifest(zooDir, manifest);
  };
  await save();

  const file = (path: string): string => pathToFileURL(join(zooDir, path)).href;
  const { target } = manifest.dataset;
  await withLocalSweeps({ storeUri: options.storeUri, processes: options.parallel, log }, (sweeps) => {
    log(
      `zoo ${zooDir}: ${chosen.length} candidates × seeds ${seeds.join(', ')}; TF.js backend ${sweeps.backend}`,
    );
    return measureGroundTruth({
      sweeps,
      task: {
        name: `${manifest.plan === 'full' ? 'demo' : manifest.plan}-zoo`,
        trainUri: file(target.train.path),
        validationUri: file(target.validation.path),
        testUri: file(target.test.path),
        normalisation: manifest.dataset.normalisation,
      },
      candidates: chosen.map((c) => ({
        id: c.id,
        model: file(c.modelPath),
        featureLayer: c.featureLayer,
      })),
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
  return manifest;
}

const README_START = '<!-- truth-table:start -->';
const README_END = '<!-- truth-table:end -->';

/** The spread-vs-noise sentence of the zoo READMEs. */
export function spreadSentence(candidates: readonly ManifestCandidate[]): string {
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
export async function writeTruthReadme(zooDir: string, manifest: ZooManifest): Promise<void> {
  const path = join(zooDir, 'README.md');
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start)
    throw new TypeError(`${path} has no ${README_START} … ${README_END} block to fill`);
  const block = `${README_START}\n${truthMarkdownTable(manifest.candidates)}\n\n${spreadSentence(manifest.candidates)}\n`;
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
    const manifest = await readManifest(args.zooDir);
    if (!manifest) {
      console.error(`no zoo manifest at ${args.zooDir}`);
      return 2;
    }
    await writeTruthReadme(args.zooDir, manifest);
    console.log(`${join(args.zooDir, 'README.md')}: ground-truth table rewritten`);
    return 0;
  }
  const started = Date.now();
  const log = (line: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);
  let manifest: ZooManifest;
  try {
    manifest = await buildZooTruth({ ...args, log });
  } catch (error) {
    if (error instanceof TypeError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const check = spreadCheck(manifest.candidates);
  const seconds = (Date.now() - started) / 1000;
  if (args.json) {
    console.log(
      JSON.stringify(
        {
          zoo: args.zooDir,
          seconds,
          spread: check,
          candidates: manifest.candidates.map((c) => ({ id: c.id, groundTruth: c.groundTruth ?? null })),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  console.log(`\n${zooTable(manifest.candidates)}\n`);
  console.log(
    `spread of ground truths ${(100 * check.spread).toFixed(2)} points vs seed noise (rms std) ${(100 * check.seedNoise).toFixed(2)} points: ` +
      `ratio ${check.ratio.toFixed(1)}; ${check.separatedPairs}/${check.pairs} candidate pairs separated by more than their summed std`,
  );
  console.log(`done in ${seconds.toFixed(0)} s`);
  return 0;
}
