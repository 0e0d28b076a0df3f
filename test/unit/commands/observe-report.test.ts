import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SweepReport } from '../../../activities/scoring/report-types.js';
import { buildSweepReport } from '../../../activities/scoring/build-sweep-report.js';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { FileStore } from '../../../activities/store/file-store.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import type { CandidateOutcome } from '../../../activities/sweep/types.js';
import { main } from '../../../scripts/cli.js';
import { createNoopTrainer } from '../../support/noop-trainer.js';

const dir = mkdtempSync(join(tmpdir(), 'ncap-observe-'));
const storeUri = pathToFileURL(dir).href;
const store = new FileStore(storeUri, { fsync: false });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = ['alpha', 'beta', 'gamma'];
const spec = validateSweepSpec({
  dataset: { uri: 'file:///data', name: 'observe-set' },
  candidates: ids.map((id) => ({ id, model: `file:///${id}` })),
  selection: { rule: 'beta-eff', direction: 'calibrate', minObservedRuns: 3 },
  budget: { strategy: 'fixed' },
});

/** Runs `ncap …` in-process; returns the exit code, stdout and stderr. */
async function ncap(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi
    .spyOn(console, 'error')
    .mockImplementation((...parts: unknown[]) => void (stderr += `${parts.join(' ')}\n`));
  const errWrite = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['node', 'ncap', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    errWrite.mockRestore();
    process.exitCode = undefined;
  }
}

/** Every object in the store with its bytes, to show a command changed nothing. */
async function storeContents(): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  for await (const o of store.list(''))
    contents.set(o.key, Buffer.from(await store.get(o.key)).toString('base64'));
  return contents;
}

let betas: Map<string, number>;

beforeAll(async () => {
  const trainer = createNoopTrainer();
  const outcomes: CandidateOutcome[] = [];
  for (const id of ids) {
    await trainer(
      {
        sweepId: 's1',
        candidateId: id,
        model: { uri: `file:///${id}` },
        dataset: { uri: 'file:///data', normalisation: '[0,1]' },
        training: { epochs: 3 },
      },
      { store, tf: {} as never },
    );
    outcomes.push({ candidateId: id, status: 'succeeded', resultKey: sweepKeys('s1').candidate(id).result });
  }
  await store.put(
    sweepKeys('s1').spec,
    JSON.stringify({ version: 1, sweepId: 's1', storeUri, spec, createdAt: '2026-01-01T00:00:00Z' }),
  );
  const report = await buildSweepReport(store, 's1', spec, outcomes);
  await store.put(sweepKeys('s1').reportJson, JSON.stringify(report));
  betas = new Map(report.candidates.map((c) => [c.candidateId, c.betaEff!]));
});

describe('ncap report', () => {
  it('prints without writing to the store, with or without --rescore', async () => {
    const before = await storeContents();
    for (const args of [[], ['--rescore'], ['--format', 'html'], ['--rescore', '--json']]) {
      const printed = await ncap('report', 's1', '--store', storeUri, ...args);
      expect(printed.code).toBe(0);
      expect(printed.stdout.length).toBeGreaterThan(100);
    }
    expect(await storeContents()).toEqual(before);
    const saved = await ncap('report', 's1', '--store', storeUri, '--save');
    expect(saved.code).toBe(0);
    expect(await store.exists(sweepKeys('s1').reportHtml)).toBe(true);
  });
});

describe('ncap observe', () => {
  it('records observed runs that the next --rescore learns the β direction from', async () => {
    const rescored = async () =>
      JSON.parse(
        (await ncap('report', 's1', '--store', storeUri, '--rescore', '--json')).stdout,
      ) as SweepReport;
    const first = await rescored();
    expect(first.selection).toMatchObject({
      direction: 'higher',
      directionSource: 'default (too few observed runs)',
    });
    const byBeta = [...betas.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    expect(first.winner).toBe(byBeta.at(-1));
    // Observed: the lower β_eff, the better.
    for (const [i, id] of byBeta.entries()) {
      const done = await ncap('observe', 's1', id, `${90 - 10 * i}%`, '--store', storeUri, '--json');
      expect(done.code).toBe(0);
      const { key, run } = JSON.parse(done.stdout) as {
        key: string;
        run: { finalAccuracy: number; features: { betaEff: number } };
      };
      expect(key).toMatch(new RegExp(`^observed/observe-set-[0-9a-f]{12}/runs/s1/${id}/epochs-0003\\.json$`));
      expect(run.finalAccuracy).toBeCloseTo(0.9 - 0.1 * i, 12);
      expect(run.features.betaEff).toBeCloseTo(betas.get(id)!, 12);
    }
    const second = await rescored();
    expect(second.selection).toMatchObject({ direction: 'lower', directionSource: 'calibrated' });
    expect(second.selection.observedRuns!.used).toBe(3);
    expect(second.winner).toBe(byBeta[0]);
  });

  it('rejects a bad accuracy, an unknown candidate and an unknown sweep, storing nothing', async () => {
    const before = await storeContents();
    const percentLike = await ncap('observe', 's1', 'alpha', '87', '--store', storeUri);
    expect(percentLike.code).toBe(2);
    expect(percentLike.stderr).toMatch(/ACCURACY must be a fraction in \[0, 1\].*got '87'/);
    const unknown = await ncap('observe', 's1', 'delta', '0.5', '--store', storeUri);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/candidate 'delta' is not in sweep s1 \(candidates: alpha, beta, gamma\)/);
    const noSweep = await ncap('observe', 'nope', 'alpha', '0.5', '--store', storeUri);
    expect(noSweep.code).toBe(1);
    expect(noSweep.stderr).toMatch(/sweep nope has no spec\.json/);
    expect(await storeContents()).toEqual(before);
  });
});
