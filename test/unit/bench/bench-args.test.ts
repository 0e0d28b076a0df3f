/** The benchmark commands' flags: both take the shared ones alike, and refuse bad ones naming the flag. */
import { describe, expect, it } from 'vitest';
import { ZOO_NAMES } from '../../../bench/selection/bench-args.js';
import { parseSelectionBenchArgs } from '../../../bench/selection/cli.js';
import { TTD_SETTING } from '../../../bench/ttd/benchmark.js';
import { parseTtdArgs } from '../../../bench/ttd/cli.js';

describe.each([
  ['bench:selection', parseSelectionBenchArgs],
  ['bench:ttd', parseTtdArgs],
] as const)('%s flags', (_name, parse) => {
  it('defaults to every zoo, one training at a time, bench/selection/RESULTS.md', () => {
    const args = parse([]);
    expect(args.zoos).toEqual([...ZOO_NAMES]);
    expect(args.parallel).toBe(1);
    expect(args.out).toMatch(/bench\/selection\/RESULTS\.md$/);
    expect(args).toMatchObject({ json: false, help: false });
  });

  it('takes zoos, parallel, store and out', () => {
    const args = parse([
      '--zoos',
      'real, demo',
      '--parallel',
      '2',
      '--store',
      'file:///tmp/s',
      '--out',
      '/tmp/R.md',
    ]);
    expect(args).toMatchObject({
      zoos: ['real', 'demo'],
      parallel: 2,
      storeUri: 'file:///tmp/s',
      out: '/tmp/R.md',
    });
  });

  it('refuses an unknown zoo, no zoo, a bad parallel and an unknown flag, naming it', () => {
    expect(() => parse(['--zoos', 'demo,imagenet'])).toThrow(
      /--zoos: unknown zoo imagenet; choose from demo, reversed, real/,
    );
    expect(() => parse(['--zoos', ','])).toThrow(/--zoos: no zoo given/);
    expect(() => parse(['--parallel', '0'])).toThrow(/--parallel must be a positive integer, got '0'/);
    expect(() => parse(['--fast'])).toThrow(/fast/);
  });
});

describe('command-specific flags', () => {
  it('bench:selection: --sweeps-only and --score-only exclude each other', () => {
    expect(parseSelectionBenchArgs(['--score-only'])).toMatchObject({ scoreOnly: true, sweepsOnly: false });
    expect(() => parseSelectionBenchArgs(['--score-only', '--sweeps-only'])).toThrow(/exclude each other/);
  });

  it('bench:ttd: --setting, --run-seeds and --run-product', () => {
    expect(parseTtdArgs([]).setting).toBe(TTD_SETTING);
    expect(parseTtdArgs(['--setting', 'frozen-probe']).setting).toBe('frozen-probe');
    expect(() => parseTtdArgs(['--setting', 'frozen'])).toThrow(
      /--setting: unknown probe setting 'frozen'; choose from trainable, frozen-probe/,
    );
    expect(parseTtdArgs(['--run-seeds'])).toMatchObject({ runSeeds: true, runProduct: false });
    expect(parseTtdArgs(['--run-product'])).toMatchObject({ runSeeds: false, runProduct: true });
  });
});
