/**
 * The real-zoo builders' shared command line: what it hands the zoo's builder (paths, subset, store), when
 * it counts a run as a build of the whole committed zoo (the real2 README tables depend on it), and the usage
 * errors and help it answers without building. The builder is an injected recorder; nothing is built.
 */
import { join, relative, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ZooBuildOptions } from '../../../zoos/real/build.js';
import type { FrozenZooSummaryInput } from '../../../zoos/real/summary.js';
import {
  runZooBuild,
  zooBuildCommand,
  type ZooBuildCommandSpec,
  type ZooBuilt,
} from '../../../zoos/zoo-build-entry.js';
import { projectRoot } from '../../../scripts/dev/tools.js';
import { tempDir } from '../training/helpers.js';

const SPEC: ZooBuildCommandSpec = {
  name: 'npm run zoo:test:build',
  description: 'A test zoo.',
  defaultCacheDir: '.ncap/zoos/test-zoo',
  manifestPath: 'zoos/test-zoo/manifest.json',
  subset: { name: 'networks', description: 'comma-separated network ids (default all)' },
};

const MANIFEST: FrozenZooSummaryInput = {
  candidates: [{ id: 'a', network: 'a', featureLayer: 'x/y', featurePooling: 'none', featureDim: 3 }],
};

interface Run {
  code: number;
  built: (ZooBuildOptions & { only?: readonly string[] })[];
  after: Omit<ZooBuilt<FrozenZooSummaryInput>, 'log'>[];
  out: string;
  err: string;
}

async function run(argv: string[]): Promise<Run> {
  const result: Run = { code: -1, built: [], after: [], out: '', err: '' };
  // console.log and console.info both write to stdout.
  const toOut = (...a: unknown[]) => {
    result.out += `${a.join(' ')}\n`;
  };
  const out = vi.spyOn(console, 'log').mockImplementation(toOut);
  const info = vi.spyOn(console, 'info').mockImplementation(toOut);
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    result.err += `${a.join(' ')}\n`;
  });
  try {
    result.code = await runZooBuild(
      {
        command: SPEC,
        title: 'test zoo',
        build: (options) => {
          result.built.push(options);
          return Promise.resolve(MANIFEST);
        },
        afterBuild: ({ log: _log, ...built }) => {
          result.after.push(built);
          return Promise.resolve();
        },
      },
      argv,
    );
  } finally {
    out.mockRestore();
    info.mockRestore();
    err.mockRestore();
  }
  return result;
}

let dir: { path: string; cleanup: () => Promise<void> };
const savedBackend = process.env.NCAP_TF_BACKEND;
beforeAll(async () => {
  process.env.NCAP_TF_BACKEND = 'cpu';
  dir = await tempDir('zoo-build-entry');
});
afterAll(async () => {
  if (savedBackend === undefined) delete process.env.NCAP_TF_BACKEND;
  else process.env.NCAP_TF_BACKEND = savedBackend;
  await dir.cleanup();
});
afterEach(() => vi.restoreAllMocks());

describe('runZooBuild', () => {
  // First in the file: TF.js starts once per process, and only its first start announces the backend.
  it('prints the manifest alone on stdout with --json (the backend line too goes to stderr)', async () => {
    const r = await run(['--store', `file://${join(dir.path, 'store')}`, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(MANIFEST);
    expect(r.err).toMatch(/test zoo → .*TF.js backend cpu/);
  });

  it('hands the builder the paths, the store and the subset as ids, and says it is not the whole zoo', async () => {
    const cacheDir = join(dir.path, 'cache');
    const r = await run([
      '--cache-dir',
      cacheDir,
      '--store',
      `file://${join(dir.path, 'store')}`,
      '--manifest',
      join(dir.path, 'm.json'),
      '--networks',
      ' a, b,,c ',
      '--data-dir',
      '/nowhere',
    ]);
    expect(r.code).toBe(0);
    expect(r.built).toHaveLength(1);
    const options = r.built[0]!;
    expect(options.only).toEqual(['a', 'b', 'c']);
    expect(options.cacheDir).toBe(cacheDir);
    expect(options.cacheDirLabel).toBe(relative(projectRoot(), cacheDir));
    expect(options.manifestPath).toBe(join(dir.path, 'm.json'));
    expect(options.dataDir).toBe('/nowhere');
    expect(r.after).toEqual([{ manifest: MANIFEST, root: projectRoot(), wholeCommittedZoo: false }]);
    expect(r.out).toMatch(/test zoo → .*cache; features in file:\/\/.*store/);
    expect(r.out).toMatch(/^built in \d+ s$/m);
  });

  it('counts only a run with neither a subset nor --manifest as a build of the whole committed zoo', async () => {
    const store = ['--store', `file://${join(dir.path, 'store')}`];
    const whole = await run(store);
    expect(whole.built[0]!.only).toBeUndefined();
    expect(whole.built[0]!.manifestPath).toBe(resolve(projectRoot(), SPEC.manifestPath));
    expect(whole.built[0]!.cacheDir).toBe(resolve(projectRoot(), SPEC.defaultCacheDir));
    expect(whole.after[0]!.wholeCommittedZoo).toBe(true);
    const ownManifest = await run([...store, '--manifest', join(dir.path, 'm.json')]);
    expect(ownManifest.after[0]!.wholeCommittedZoo).toBe(false);
    const subset = await run([...store, '--networks', 'a']);
    expect(subset.after[0]!.wholeCommittedZoo).toBe(false);
  });

  it('refuses a store that is not file:// or s3:// with exit code 2 and the usage, building nothing', async () => {
    const r = await run(['--store', 'http://x']);
    expect(r.code).toBe(2);
    expect(r.built).toEqual([]);
    expect(r.err).toBe(
      `--store must be a file:// or s3:// URI, got 'http://x'\n${zooBuildCommand(SPEC).helpInformation().trimEnd()}\n`,
    );
  });

  it('answers --help with the command of the spec, and an unknown option with exit code 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.built).toEqual([]);
    expect(help.out).toBe(`${zooBuildCommand(SPEC).helpInformation().trimEnd()}\n`);
    expect(help.out).toMatch(/^Usage: npm run zoo:test:build -- \[options\]/);
    expect(help.out).toContain('--networks <ids>   comma-separated network ids (default all)');
    expect(help.out).toContain('(default zoos/test-zoo/manifest.json)');
    const bad = await run(['--candidates', 'a']);
    expect(bad.code).toBe(2);
    expect(bad.built).toEqual([]);
  });
});
