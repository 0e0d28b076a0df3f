/** Command-line options of `npm run demo:build-zoo`. */
import { Command } from 'commander';
import { parseEntryArgs } from '../../scripts/entry-args.js';
import { DEBIAN_FASHION_MNIST_DIR } from './fashion-mnist.js';
import { PLAN_NAMES, type PlanName } from './zoo-plan.js';

/** Where each plan's zoo is written by default. */
export const DEFAULT_ZOO_DIRS: Record<PlanName, string> = {
  full: 'zoos/demo-zoo',
  reversed: 'zoos/reversed-zoo',
  quick: '.ncap/demo-zoo-quick',
};

export interface BuildZooArgs {
  /** Output folder. @default {@link DEFAULT_ZOO_DIRS} of the plan */
  out: string;
  /** Which zoo: `full` (the demo zoo), `reversed` (the second zoo) or `quick` (tiny, for tests). @default 'full' */
  plan: PlanName;
  /** Folder with the Fashion-MNIST IDX files. @default '/usr/share/datasets/fashion-mnist' (Debian's dataset-fashion-mnist) */
  dataDir: string;
  /** Rebuild every step, ignoring the cache. @default false */
  force: boolean;
  help: boolean;
}

/** The command line of `npm run demo:build-zoo`. */
export function buildZooCommand(): Command {
  return new Command('npm run demo:build-zoo')
    .usage('-- [--plan full|reversed|quick] [--out DIR] [--quick] [--data-dir DIR] [--force]')
    .description('Build a model zoo and its target data set from Fashion-MNIST (cached and resumable).')
    .option(
      '--plan <name>',
      `full: the demo zoo (default, ${DEFAULT_ZOO_DIRS.full}); reversed: the second zoo, the halves' roles swapped, equal feature widths (${DEFAULT_ZOO_DIRS.reversed}); quick: tiny (${DEFAULT_ZOO_DIRS.quick})`,
    )
    .option('--out <dir>', "output folder (default: the plan's folder above)")
    .option('--quick', 'the same as --plan quick')
    .option(
      '--data-dir <dir>',
      'Fashion-MNIST IDX files (from apt-get install dataset-fashion-mnist)',
      DEBIAN_FASHION_MNIST_DIR,
    )
    .option('--force', 'ignore cached models and fine-tuning runs');
}

/** Usage of `npm run demo:build-zoo`, printed with `--help` and after a usage error. */
export const BUILD_ZOO_USAGE = buildZooCommand().helpInformation().trimEnd();

/** Parses the arguments after the script name. @throws TypeError on an unknown option or a missing value. */
export function parseBuildZooArgs(argv: readonly string[]): BuildZooArgs {
  const { options: values, help } = parseEntryArgs<{
    out?: string;
    plan?: string;
    quick?: boolean;
    dataDir: string;
    force?: boolean;
  }>(buildZooCommand(), argv);
  const planName = values.plan ?? (values.quick ? 'quick' : 'full');
  if (!(PLAN_NAMES as readonly string[]).includes(planName))
    throw new TypeError(`--plan must be one of ${PLAN_NAMES.join(', ')}, got '${planName}'`);
  if (values.quick && planName !== 'quick')
    throw new TypeError(`--quick contradicts --plan ${planName}: give one of them`);
  const plan = planName as PlanName;
  return {
    out: values.out ?? DEFAULT_ZOO_DIRS[plan],
    plan,
    dataDir: values.dataDir,
    force: values.force ?? false,
    help: help !== undefined,
  };
}
