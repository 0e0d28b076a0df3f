/**
 * The options `bench:selection` and `bench:ttd` share (zoos, parallel trainings, store, output file, JSON,
 * help): one definition for `parseArgs` and one check, so both commands take and refuse them alike.
 */
import { resolve } from 'node:path';
import { defaultStoreUri } from '../../workers/worker-config.js';
import { projectRoot } from '../../scripts/dev/tools.js';

/** The benchmark zoos by name. */
export const ZOO_NAMES = ['demo', 'reversed', 'real'] as const;
export type ZooName = (typeof ZOO_NAMES)[number];

/** `parseArgs` options of the shared flags. */
export const SHARED_BENCH_OPTIONS = {
  zoos: { type: 'string', default: ZOO_NAMES.join(',') },
  parallel: { type: 'string', default: '1' },
  store: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export interface SharedBenchArgs {
  zoos: ZooName[];
  parallel: number;
  storeUri: string;
  /** Absolute path of the RESULTS.md written. */
  out: string;
  json: boolean;
  help: boolean;
}

/** The shared flags, checked and resolved. @throws TypeError naming the option and the fix. */
export function sharedBenchArgs(values: {
  zoos: string;
  parallel: string;
  store?: string | undefined;
  out?: string | undefined;
  json: boolean;
  help: boolean;
}): SharedBenchArgs {
  const zoos = values.zoos
    .split(',')
    .map((z) => z.trim())
    .filter(Boolean);
  const unknown = zoos.filter((z) => !(ZOO_NAMES as readonly string[]).includes(z));
  if (unknown.length > 0 || zoos.length === 0)
    throw new TypeError(
      `--zoos: ${zoos.length === 0 ? 'no zoo given' : `unknown zoo ${unknown.join(', ')}`}; choose from ${ZOO_NAMES.join(', ')}`,
    );
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new TypeError(`--parallel must be a positive integer, got '${values.parallel}'`);
  return {
    zoos: zoos as ZooName[],
    parallel,
    storeUri: values.store ?? process.env.NCAP_STORE_URI ?? defaultStoreUri(),
    out: resolve(projectRoot(), values.out ?? 'bench/selection/RESULTS.md'),
    json: values.json,
    help: values.help,
  };
}
