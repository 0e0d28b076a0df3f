import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { entryOptionsOrExit, parseEntryArgs, positiveInt } from '../../../scripts/entry-args.js';

const command = (): Command =>
  new Command('npm run example')
    .description('An example entry point.')
    .option('--out <dir>', 'output folder')
    .option('--count <n>', 'how many', positiveInt, 3)
    .option('--dry-run', 'change nothing', false);

describe('parseEntryArgs', () => {
  it('returns the options by camel-case name, with their defaults, and the positional arguments', () => {
    expect(parseEntryArgs(command(), ['--out', 'x', '--dry-run'])).toEqual({
      options: { out: 'x', count: 3, dryRun: true },
      args: [],
    });
    expect(parseEntryArgs(command(), ['--count=7']).options).toEqual({ count: 7, dryRun: false });
    const withArgs = command().argument('<file>');
    expect(parseEntryArgs(withArgs, ['a.html']).args).toEqual(['a.html']);
  });

  it('returns --help as text instead of exiting', () => {
    for (const flag of ['--help', '-h']) {
      const { help } = parseEntryArgs(command(), [flag]);
      expect(help).toMatch(/^Usage: npm run example/);
      expect(help).toContain('--count <n>');
    }
  });

  it('throws a TypeError naming the bad option, without exiting', () => {
    expect(() => parseEntryArgs(command(), ['--outt', 'x'])).toThrow(
      new TypeError("unknown option '--outt'\n(Did you mean --out?)"),
    );
    expect(() => parseEntryArgs(command(), ['--out'])).toThrow(/option '--out <dir>' argument missing/);
    expect(() => parseEntryArgs(command(), ['extra'])).toThrow(/too many arguments/);
    expect(() => parseEntryArgs(command(), ['--count', '0'])).toThrow(
      /--count <n>' argument '0' is invalid. expected a positive integer, got '0'/,
    );
  });
});

describe('entryOptionsOrExit', () => {
  it('returns the options, or 0 after the help, or 2 after a usage error and the help', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(entryOptionsOrExit(command(), ['--out', 'x'])).toMatchObject({ out: 'x' });
      expect(entryOptionsOrExit(command(), ['--help'])).toBe(0);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('--out <dir>'));
      expect(entryOptionsOrExit(command(), ['--outt', 'x'])).toBe(2);
      expect(error).toHaveBeenCalledWith(expect.stringMatching(/^unknown option '--outt'[\s\S]*--out <dir>/));
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});

describe('positiveInt', () => {
  it('takes positive integers and refuses the rest', () => {
    expect(positiveInt('12')).toBe(12);
    for (const bad of ['0', '-1', '1.5', 'x', '']) expect(() => positiveInt(bad)).toThrow(/positive integer/);
  });
});
