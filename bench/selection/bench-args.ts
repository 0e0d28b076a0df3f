/**
 * The options `bench:selection` and `bench:ttd` share (zoos, parallel trainings, store, output file, JSON):
 * one definition for commander and one check, so both commands take and refuse them alike.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { defaultStoreUri } from '../../workers/worker-config.js';
import { projectRoot } from '../../scripts/dev/tools.js';

/** The benchmark zoos by name. */
export const ZOO_NAMES = ['demo', 'reversed', 'real', 'real2'] as const;
export type ZooName = (typeof ZOO_NAMES)[number];

/** Adds the shared flags to a benchmark's command (commander). */
export function withSharedBenchOptions(
  command: Command,
  what: { zoos: string; parallel: string; store: string; out: string },
): Command {
  return command
    .option('--zoos <list>', what.zoos, ZOO_NAMES.join(','))
    .option('--parallel <n>', what.parallel, '1')
    .option('--store <uri>', what.store)
    .option('--out <file>', what.out)
    .option('--json', 'print the scores as JSON as well', false);
}

/** The shared flags as commander parses them. */
export interface SharedBenchValues {
  zoos: string;
  parallel: string;
  store?: string | undefined;
  out?: string | undefined;
  json: boolean;
}

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
export function sharedBenchArgs(values: SharedBenchValues & { help: boolean }): SharedBenchArgs {
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
