import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  betaEffFromLineGraph,
  buildLineGraph,
  encodeSnapshot,
  type DenseKernel,
} from '../../../activities/capacitance/index.js';
import { DEFAULT_BETA_SETTINGS } from '../../../activities/spec/training-schema.js';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { type BetaRow, registerBetaCommand } from '../../../scripts/commands/beta.js';
import { main } from '../../../scripts/cli.js';
import { closeRelative, fixturePath, randomNetwork, repoRoot, seededRandom } from './helpers.js';

let dir: string;
let good: string;
let good2: string;
let corrupt: string;
let shallow: string;
let kernels: DenseKernel[];
let kernels2: DenseKernel[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncap-beta-'));
  kernels = randomNetwork([6, 5, 4, 3, 2], seededRandom(1));
  kernels2 = randomNetwork([8, 4, 4, 4, 2], seededRandom(2));
  good = join(dir, 'a.safetensors');
  good2 = join(dir, 'b.safetensors');
  corrupt = join(dir, 'corrupt.safetensors');
  shallow = join(dir, 'shallow.safetensors');
  writeFileSync(
    good,
    encodeSnapshot({ kernels, metadata: { sweepId: 's', candidateId: 'a', epoch: 1, step: 100 } }),
  );
  writeFileSync(
    good2,
    encodeSnapshot({ kernels: kernels2, metadata: { sweepId: 's', candidateId: 'b', epoch: 2, step: 200 } }),
  );
  writeFileSync(
    corrupt,
    encodeSnapshot({ kernels, metadata: { sweepId: 's', candidateId: 'a', epoch: 1, step: 100 } }).subarray(
      0,
      50,
    ),
  );
  writeFileSync(
    shallow,
    encodeSnapshot({
      kernels: kernels.slice(0, 2),
      metadata: { sweepId: 's', candidateId: 'a', epoch: 0, step: 0 },
    }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `ncap beta …` in-process on a fresh program; returns stdout, stderr and the exit code. */
async function runInProcess(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (err += t) });
  registerBetaCommand(program, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  try {
    await program.parseAsync(['beta', ...args], { from: 'user' });
    return { out, err, code: 0 };
  } catch (error) {
    if (error instanceof CommanderError) return { out, err, code: error.exitCode };
    throw error;
  }
}

function oracle(k: DenseKernel[], skipInputProjection = false): number {
  return betaEffFromLineGraph(buildLineGraph(k, { skipInputProjection })).betaEff;
}

describe('ncap beta (in-process)', () => {
  it('prints JSON rows that match the line-graph oracle', async () => {
    const { out, err, code } = await runInProcess([good, good2, '--json', '--no-skip-input-projection']);
    expect(code).toBe(0);
    expect(err).toBe('');
    const rows = JSON.parse(out) as BetaRow[];
    expect(rows.map((r) => r.file)).toEqual([good, good2]);
    expect(closeRelative(rows[0]!.betaEff, oracle(kernels), 1e-9)).toBe(true);
    expect(closeRelative(rows[1]!.betaEff, oracle(kernels2), 1e-9)).toBe(true);
    expect(rows[0]!.betaEff).toBeCloseTo(rows[0]!.numerator / rows[0]!.denominator, 14);
    expect(rows[0]!.layers.map((l) => [l.index, l.inDim, l.outDim])).toEqual([
      [0, 6, 5],
      [1, 5, 4],
      [2, 4, 3],
      [3, 3, 2],
    ]);
    expect(rows[0]!.metadata).toMatchObject({ epoch: '1', step: '100', candidateId: 'a' });
    expect(rows[0]!.model).toBe('abs-product');
  });

  it('skips the input projection by default, as a sweep spec does, and honours the flags and --model', async () => {
    const byDefault = JSON.parse((await runInProcess([good, '--json'])).out) as BetaRow[];
    const skipped = JSON.parse(
      (await runInProcess([good, '--json', '--skip-input-projection'])).out,
    ) as BetaRow[];
    expect(DEFAULT_BETA_SETTINGS.skipInputProjection).toBe(true);
    expect(
      validateSweepSpec({ dataset: { uri: 'file:///d' }, candidates: [{ id: 'a', model: 'file:///m' }] })
        .selection.skipInputProjection,
    ).toBe(DEFAULT_BETA_SETTINGS.skipInputProjection);
    expect(byDefault[0]!.skipInputProjection).toBe(true);
    expect(byDefault[0]!.betaEff).toBe(skipped[0]!.betaEff);
    expect(closeRelative(skipped[0]!.betaEff, oracle(kernels, true), 1e-9)).toBe(true);
    expect(skipped[0]!.layers[0]!.index).toBe(1);
    const all = JSON.parse(
      (await runInProcess([good, '--json', '--no-skip-input-projection'])).out,
    ) as BetaRow[];
    expect(closeRelative(all[0]!.betaEff, oracle(kernels, false), 1e-9)).toBe(true);
    expect(all[0]!.layers[0]!.index).toBe(0);
    const signed = JSON.parse(
      (await runInProcess([good, '--json', '--model', 'signed-product'])).out,
    ) as BetaRow[];
    expect(signed[0]!.model).toBe('signed-product');
    const bad = await runInProcess([good, '--model', 'nope']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/Allowed choices are abs-product, signed-product/);
  });

  it('prints a table with one row per file', async () => {
    const { out, code } = await runInProcess([good, good2]);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^file\s+epoch\s+step\s+beta_eff\s+numerator\s+denominator\s+x_eff\s+layers\s+weights$/,
    );
    expect(lines[1]!.startsWith(good)).toBe(true);
    expect(lines[1]).toContain(oracle(kernels, true).toPrecision(6));
    expect(lines[2]).toMatch(/\s2\s+200\s/);
  });

  it('names each bad file and its problem, still prints the good ones, and exits with 2', async () => {
    const missing = join(dir, 'missing.safetensors');
    const { out, err, code } = await runInProcess([good, corrupt, missing, shallow, dir, '--json']);
    expect(code).toBe(2);
    expect((JSON.parse(out) as BetaRow[]).map((r) => r.file)).toEqual([good]);
    const lines = err.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^ncap beta: ${corrupt}: .*(truncated|past the end)`));
    expect(lines[1]).toBe(`ncap beta: ${missing}: no such file`);
    expect(lines[2]).toMatch(new RegExp(`^ncap beta: ${shallow}: .*at least 3 consecutive weight layers`));
    expect(lines[3]).toBe(`ncap beta: ${dir}: is a directory, not a snapshot file`);
  });

  it('reads the Python-written snapshot', async () => {
    const { out, code } = await runInProcess([
      fixturePath('python-snapshot.safetensors'),
      '--json',
      '--no-skip-input-projection',
    ]);
    expect(code).toBe(0);
    const row = (JSON.parse(out) as BetaRow[])[0]!;
    expect(row.metadata.writer).toBe('python');
    expect(Number.isFinite(row.betaEff)).toBe(true);
  });

  it('is wired into the ncap program (main returns exit code 2 for invalid input)', async () => {
    let out = '';
    let err = '';
    const outSpy = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk) => ((out += String(chunk)), true));
    const errSpy = vi
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      expect(await main(['node', 'ncap', 'beta', good, '--json'])).toBe(0);
      expect((JSON.parse(out) as BetaRow[])[0]!.file).toBe(good);
      expect(await main(['node', 'ncap', 'beta', corrupt])).toBe(2);
      expect(err).toContain(corrupt);
    } finally {
      outSpy.mockRestore();
      errSpy.mockRestore();
    }
  });
});

const builtCli = join(repoRoot, 'dist', 'scripts', 'commands', 'beta.js');

describe.skipIf(!existsSync(builtCli))('node bin/ncap.js beta (after npm run build)', () => {
  const ncap = (args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'bin', 'ncap.js'), 'beta', ...args], {
      encoding: 'utf8',
      cwd: repoRoot,
    });

  it('prints JSON and exits 0 for valid files', () => {
    const run = ncap([good, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rows = JSON.parse(run.stdout) as BetaRow[];
    expect(closeRelative(rows[0]!.betaEff, oracle(kernels, true), 1e-9)).toBe(true);
  });

  it('exits 2 and names the bad file', () => {
    const run = ncap([good, corrupt]);
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(good);
    expect(run.stderr).toContain(`ncap beta: ${corrupt}:`);
  });
});
