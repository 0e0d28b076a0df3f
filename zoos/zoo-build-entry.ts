/**
 * The command line both real-zoo builders share (`npm run zoo:real:build`, `npm run zoo:real2:build`): the
 * common options, the store URI check, TF.js start-up, progress lines, timing and the closing summary. Each
 * entry point names its own command, description, subset option and builder.
 */
import { Command } from 'commander';
import { join, relative, resolve } from 'node:path';
import { openStore } from '../activities/store/open-store.js';
import { initTf } from '../activities/tf/runtime.js';
import type { Tf } from '../activities/tf/tf-namespace.js';
import { defaultStoreUri } from '../workers/worker-config.js';
import { projectRoot } from '../scripts/dev/tools.js';
import { entryOptionsOrExit } from '../scripts/entry-args.js';
import { DEBIAN_FASHION_MNIST_DIR } from './fashion/fashion-mnist.js';
import type { ZooBuildOptions } from './real/build.js';
import { spreadSummary, zooTable, type FrozenZooSummaryInput } from './real/summary.js';

/** The option that builds only part of a zoo, e.g. `--networks <ids>`. */
export interface ZooSubsetOption {
  /** Commander's name of the option, which is also its flag (`networks` → `--networks <ids>`). */
  name: 'candidates' | 'networks';
  /** Its help line. */
  description: string;
}

/** One real-zoo builder's command line. */
export interface ZooBuildCommandSpec {
  /** The command as the help shows it, e.g. `npm run zoo:real:build`. */
  name: string;
  description: string;
  /** The cache folder when `--cache-dir` is not given, relative to the repository root. */
  defaultCacheDir: string;
  /** The committed manifest written when `--manifest` is not given, relative to the repository root. */
  manifestPath: string;
  subset: ZooSubsetOption;
}

/** What the build step is told after it ran, to do its zoo's own follow-up work. */
export interface ZooBuilt<M> {
  manifest: M;
  /** Repository root. */
  root: string;
  /** Whether the whole zoo was built into the committed manifest (neither a subset nor `--manifest`). */
  wholeCommittedZoo: boolean;
  log: (line: string) => void;
}

export interface ZooBuildEntry<M extends FrozenZooSummaryInput> {
  command: ZooBuildCommandSpec;
  /** The first progress line's name of the zoo, e.g. `real zoo`. */
  title: string;
  /** Builds (or completes) the zoo. */
  build: (options: ZooBuildOptions & { only?: readonly string[] }) => Promise<M>;
  /** Runs after a successful build, before the summary is printed. */
  afterBuild?: (built: ZooBuilt<M>) => Promise<void>;
}

type ZooBuildValues = {
  cacheDir?: string;
  store?: string;
  dataDir: string;
  manifest?: string;
  json: boolean;
} & Partial<Record<ZooSubsetOption['name'], string>>;

/** The command line of a real-zoo builder. */
export function zooBuildCommand(spec: ZooBuildCommandSpec): Command {
  return new Command(spec.name)
    .usage('-- [options]')
    .description(spec.description)
    .option('--cache-dir <dir>', `model folders and target data (default ${spec.defaultCacheDir})`)
    .option('--store <uri>', 'artifact store for the feature cache (default NCAP_STORE_URI or .ncap/store)')
    .option(
      '--data-dir <dir>',
      'Fashion-MNIST IDX files (apt-get install dataset-fashion-mnist)',
      DEBIAN_FASHION_MNIST_DIR,
    )
    .option('--manifest <file>', `manifest to write (default ${spec.manifestPath})`)
    .option(`--${spec.subset.name} <ids>`, spec.subset.description)
    .option('--json', 'print the manifest as JSON at the end', false);
}

/** The help text a usage error is followed by. */
const zooBuildUsage = (spec: ZooBuildCommandSpec): string =>
  zooBuildCommand(spec).helpInformation().trimEnd();

/** `a, b,,c` → `['a', 'b', 'c']`. */
const idList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Runs a real-zoo builder on `argv`; resolves to the exit code (2 for a usage error). */
export async function runZooBuild<M extends FrozenZooSummaryInput>(
  entry: ZooBuildEntry<M>,
  argv: readonly string[],
): Promise<number> {
  const command = zooBuildCommand(entry.command);
  const values = entryOptionsOrExit<ZooBuildValues>(command, argv);
  if (typeof values === 'number') return values;
  const root = projectRoot();
  const cacheDir = resolve(values.cacheDir ?? join(root, entry.command.defaultCacheDir));
  const storeUri = values.store ?? process.env.NCAP_STORE_URI ?? defaultStoreUri();
  if (!/^(file|s3):\/\//.test(storeUri)) {
    console.error(
      `--store must be a file:// or s3:// URI, got '${storeUri}'\n${zooBuildUsage(entry.command)}`,
    );
    return 2;
  }
  // The progress line below names the backend; with --json stdout holds the manifest alone.
  const runtime = await initTf({ logger: { info: () => undefined, warn: (line) => console.error(line) } });
  const say = (line: string) =>
    (values.json ? console.error : console.log)(`${new Date().toISOString().slice(11, 19)} ${line}`);
  say(`${entry.title} → ${cacheDir}; features in ${storeUri}; TF.js backend ${runtime.backend}`);
  const started = performance.now();
  const subset = values[entry.command.subset.name];
  const manifest = await entry.build({
    tf: runtime.tf as Tf,
    backend: runtime.backend,
    cacheDir,
    cacheDirLabel: relative(root, cacheDir) || '.',
    dataDir: values.dataDir,
    store: openStore(storeUri),
    manifestPath: resolve(values.manifest ?? join(root, entry.command.manifestPath)),
    ...(subset ? { only: idList(subset) } : {}),
    log: say,
  });
  const wholeCommittedZoo = !subset && values.manifest === undefined;
  await entry.afterBuild?.({ manifest, root, wholeCommittedZoo, log: say });
  printSummary(manifest, values.json, started);
  return 0;
}

/** The manifest as JSON, or the candidates' table, the ground truths' spread and the build time. */
function printSummary(manifest: FrozenZooSummaryInput, json: boolean, started: number): void {
  if (json) {
    console.log(JSON.stringify(manifest, null, 2));
    return;
  }
  console.log(`\n${zooTable(manifest)}\n`);
  const spread = spreadSummary(manifest);
  if (spread) console.log(spread);
  console.log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
