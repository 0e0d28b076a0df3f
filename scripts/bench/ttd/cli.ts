/**
 * `npm run bench:ttd`: the time-to-decision benchmark's command line. Replays every strategy on the
 * selection benchmark's stored early runs and rewrites only the time-to-decision section of
 * bench/selection/RESULTS.md (and its plot); `npm run bench:selection` writes the same section through
 * `ttdSection` (section.ts) when it regenerates the file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultStoreUri } from '../../../workers/worker-config.js';
import { projectRoot } from '../../dev/tools.js';
import { loadZoo, ZOO_NAMES, type ZooName } from '../selection/cli.js';
import { storedEarlySweeps, type EarlySweep } from '../selection/run-early.js';
import type { BenchZoo } from '../selection/zoos.js';
import { replaceTtdSection } from './results-md.js';
import { ttdPlotPath, ttdSection } from './section.js';
import { acrossZoos } from './verdict.js';

export const TTD_USAGE = `usage: npm run bench:ttd [-- --zoos demo,reversed,real] [--store URI] [--out FILE] [--json]
  The time-to-decision benchmark: replays fixed windows, ncap halving, ASHA (Ray Tune's rule), a naive
  halving and full fine-tuning on the selection benchmark's recorded early runs (run them first with
  npm run bench:selection), scores compute against regret and τ on the zoos' converged ground truth, and
  rewrites the time-to-decision section of RESULTS.md (the rest of the file is left as it is) and its plot.
  --zoos LIST     zoos to replay (default demo,reversed,real; a zoo without a manifest or early runs is
                  skipped and named in the output)
  --store URI     artifact store of the early sweeps (default NCAP_STORE_URI or file://./.ncap/store)
  --out FILE      the RESULTS.md to update (default bench/selection/RESULTS.md)
  --json          print the scores as JSON as well`;

export interface TtdArgs {
  zoos: ZooName[];
  storeUri: string;
  out: string;
  json: boolean;
  help: boolean;
}

/** @throws TypeError naming the option and the fix. */
export function parseTtdArgs(argv: readonly string[]): TtdArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      zoos: { type: 'string', default: ZOO_NAMES.join(',') },
      store: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const zoos = values.zoos
    .split(',')
    .map((z) => z.trim())
    .filter(Boolean);
  const unknown = zoos.filter((z) => !(ZOO_NAMES as readonly string[]).includes(z));
  if (unknown.length > 0 || zoos.length === 0)
    throw new TypeError(
      `--zoos: ${zoos.length === 0 ? 'no zoo given' : `unknown zoo ${unknown.join(', ')}`}; choose from ${ZOO_NAMES.join(', ')}`,
    );
  return {
    zoos: zoos as ZooName[],
    storeUri: values.store ?? process.env.NCAP_STORE_URI ?? defaultStoreUri(),
    out: resolve(projectRoot(), values.out ?? 'bench/selection/RESULTS.md'),
    json: values.json,
    help: values.help,
  };
}

export async function runTtdCli(argv: readonly string[]): Promise<number> {
  let args: TtdArgs;
  try {
    args = parseTtdArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${TTD_USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(TTD_USAGE);
    return 0;
  }
  const log = (line: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);
  const zoos: BenchZoo[] = [];
  const sweeps: EarlySweep[] = [];
  for (const name of args.zoos) {
    try {
      const zoo = await loadZoo(name);
      const stored = await storedEarlySweeps(args.storeUri, [zoo]);
      zoos.push(zoo);
      sweeps.push(...stored.sweeps);
    } catch (error) {
      log(`zoo ${name} skipped: ${(error as Error).message}`);
    }
  }
  if (zoos.length === 0) {
    console.error(`no zoo has early runs in ${args.storeUri}: run npm run bench:selection first`);
    return 2;
  }
  let document: string;
  try {
    document = await readFile(args.out, 'utf8');
  } catch {
    console.error(`${args.out} does not exist: run npm run bench:selection first (it writes the file)`);
    return 2;
  }
  const { markdown, svg, result } = await ttdSection({
    zoos,
    sweeps,
    storeUri: args.storeUri,
    command: `npm run bench:ttd${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    resultsPath: args.out,
    log,
  });
  await writeFile(args.out, replaceTtdSection(document, markdown));
  await writeFile(ttdPlotPath(args.out), svg);
  if (args.json) console.log(JSON.stringify(result, null, 2));
  for (const r of acrossZoos(result))
    console.log(
      `${r.id.padEnd(28)} ${r.perZoo
        .map((s) =>
          s
            ? `${s.zoo} ${(100 * s.computeFraction).toFixed(2)}% regret ${(100 * s.metrics.regret.value).toFixed(2)}`
            : '—',
        )
        .join('  ')}${r.goal ? '  GOAL' : ''}`,
    );
  log(`updated the time-to-decision section of ${args.out}`);
  return 0;
}
