/** Command-line options of `npm run demo:build-zoo`. */
import { parseArgs } from 'node:util';
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

export const BUILD_ZOO_USAGE = `usage: npm run demo:build-zoo -- [--plan full|reversed|quick] [--out DIR] [--quick] [--data-dir DIR] [--force]
  --plan NAME     full: the demo zoo (default, zoos/demo-zoo); reversed: the second zoo, the halves'
                  roles swapped, equal feature widths (zoos/reversed-zoo); quick: tiny (.ncap/demo-zoo-quick)
  --out DIR       output folder (default: the plan's folder above)
  --quick         the same as --plan quick
  --data-dir DIR  Fashion-MNIST IDX files (default ${DEBIAN_FASHION_MNIST_DIR}, from apt-get install dataset-fashion-mnist)
  --force         ignore cached models and fine-tuning runs`;

/** Parses the arguments after the script name. @throws TypeError on an unknown option or a missing value. */
export function parseBuildZooArgs(argv: readonly string[]): BuildZooArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      out: { type: 'string' },
      plan: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: DEBIAN_FASHION_MNIST_DIR },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const planName = values.plan ?? (values.quick ? 'quick' : 'full');
  if (!(PLAN_NAMES as readonly string[]).includes(planName))
    throw new TypeError(`--plan must be one of ${PLAN_NAMES.join(', ')}, got '${planName}'`);
  if (values.quick && planName !== 'quick')
    throw new TypeError(`--quick contradicts --plan ${planName}: give one of them`);
  const plan = planName as PlanName;
  return {
    out: values.out ?? DEFAULT_ZOO_DIRS[plan],
    plan,
    dataDir: values['data-dir'],
    force: values.force,
    help: values.help,
  };
}
