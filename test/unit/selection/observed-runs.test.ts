/**
 * Observed runs (observed-runs.ts): the dataset key, validation that names the entry and the field, the
 * older file format, the setup filter, the store round trip, and a sweep's history (stored runs plus the
 * spec's file).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FEATURE_NAMES, type CandidateFeatures } from '../../../activities/selection/features.js';
import {
  comparableRuns,
  datasetKeyOf,
  InvalidObservedRunError,
  loadObservedHistory,
  observedRunSetup,
  parseObservedRun,
  parseObservedRunFile,
  readObservedRuns,
  writeObservedRun,
  type ObservedRun,
} from '../../../activities/selection/observed-runs.js';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { FileStore } from '../../../activities/store/file-store.js';

const dir = mkdtempSync(join(tmpdir(), 'ncap-observed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = new FileStore(pathToFileURL(join(dir, 'store')).href, { fsync: false });

const spec = validateSweepSpec({
  dataset: { uri: 'file:///data/cifar.safetensors', name: 'cifar-10' },
  candidates: [{ id: 'a', model: 'file:///zoo/a/model.json' }],
  budget: { strategy: 'fixed' },
  training: { epochs: 2 },
  selection: { learnFromHistory: true },
});
const setup = observedRunSetup(spec);
const features = (values: Partial<CandidateFeatures>): CandidateFeatures => ({
  ...(Object.fromEntries(FEATURE_NAMES.map((n) => [n, null])) as CandidateFeatures),
  ...values,
});
const run = (candidateId: string, over: Partial<ObservedRun> = {}): ObservedRun => ({
  version: 1,
  sweepId: 'sweep-1',
  candidateId,
  datasetKey: datasetKeyOf(spec.dataset),
  setup,
  features: features({ betaEff: 1.5, earlyValAccuracy: 0.6 }),
  finalAccuracy: 0.8,
  source: 'observe',
  recordedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('observed runs', () => {
  it('keys a dataset by its name, else its URI: stable, slugged, distinct for distinct identities', () => {
    const named = datasetKeyOf({ uri: 'file:///a.safetensors', name: 'cifar-10' });
    expect(named).toBe(datasetKeyOf({ uri: 's3://other/place', name: 'cifar-10' }));
    expect(named).toMatch(/^cifar-10-[0-9a-f]{12}$/);
    const byUri = datasetKeyOf({ uri: 's3://bucket/data/x y.safetensors' });
    expect(byUri).toMatch(/^bucket-data-x-y\.safetensors-[0-9a-f]{12}$/);
    // Same slug, different identity: the hash keeps them apart.
    expect(datasetKeyOf({ uri: 'file:///d/x-y' })).not.toBe(datasetKeyOf({ uri: 'file:///d/x y' }));
  });

  it('names the entry and the bad field of an invalid run', () => {
    expect(parseObservedRun(run('a'), 'e')).toEqual(run('a'));
    const cases: [unknown, RegExp][] = [
      [{ ...run('a'), finalAccuracy: 80 }, /^observed run e: finalAccuracy: must be in \[0, 1\]/],
      [{ ...run('a'), setup: { ...setup, epochs: 0 } }, /^observed run e: setup\.epochs: /],
      [{ ...run('a'), extra: 1 }, /^observed run e: unknown field\(s\) 'extra'/],
      [{ ...run('a'), features: { ...run('a').features, betaEff: 'x' } }, /features\.betaEff/],
    ];
    for (const [value, message] of cases) {
      expect(() => parseObservedRun(value, 'e')).toThrow(InvalidObservedRunError);
      expect(() => parseObservedRun(value, 'e')).toThrow(message);
    }
  });

  it('reads the older file format as runs of the sweep’s setup, and stored-format entries as they are', () => {
    const context = { datasetKey: 'd-1', setup };
    const runs = parseObservedRunFile(
      { runs: [{ betaEff: 2, finalAccuracy: 0.7, earlyValAccuracy: 0.5 }, run('b')] },
      'file:///runs.json',
      context,
    );
    expect(runs[0]).toEqual({
      version: 1,
      sweepId: 'file____runs.json',
      candidateId: 'entry-0',
      datasetKey: 'd-1',
      setup,
      features: features({ betaEff: 2, earlyValAccuracy: 0.5 }),
      finalAccuracy: 0.7,
      source: 'file',
      recordedAt: new Date(0).toISOString(),
    });
    expect(runs[1]).toEqual(run('b'));
    expect(() => parseObservedRunFile({ list: [] }, 'f', context)).toThrow(/JSON array of runs/);
    expect(() => parseObservedRunFile([{ betaEff: 1 }], 'f', context)).toThrow(
      /^observed run f\[0\]: finalAccuracy/,
    );
  });

  it('learns only from runs of the same setup, counting the others', () => {
    const other = run('c', { setup: { ...setup, epochs: setup.epochs + 1 } });
    const { labelled, otherSetup } = comparableRuns([run('a'), other, run('b')], setup);
    expect(otherSetup).toBe(1);
    expect(labelled).toEqual([
      { candidateId: 'sweep-1/a', features: run('a').features, finalAccuracy: 0.8 },
      { candidateId: 'sweep-1/b', features: run('b').features, finalAccuracy: 0.8 },
    ]);
  });

  it('keeps frozen runs on standardised features apart from raw ones (records without the field are raw)', () => {
    const frozenSpec = validateSweepSpec({
      dataset: { uri: 'file:///data/cifar.safetensors', name: 'cifar-10' },
      candidates: [{ id: 'a', model: 'file:///zoo/a/model.json' }],
      budget: { strategy: 'fixed' },
      mode: 'frozen',
      training: { epochs: 2 },
    });
    const standardised = observedRunSetup(frozenSpec);
    expect(standardised.standardisedFeatures).toBe(true);
    const { standardisedFeatures: _, ...raw } = standardised;
    const rawRun = parseObservedRun(run('raw', { setup: raw }), 'e');
    const now = run('std', { setup: standardised });
    const { labelled, otherSetup } = comparableRuns([rawRun, now], standardised);
    expect(otherSetup).toBe(1);
    expect(labelled.map((r) => r.candidateId)).toEqual(['sweep-1/std']);
    const optOut = observedRunSetup(
      validateSweepSpec({ ...frozenSpec, probe: { ...frozenSpec.probe, standardiseFeatures: false } }),
    );
    expect(comparableRuns([rawRun, now], optOut).labelled.map((r) => r.candidateId)).toEqual(['sweep-1/raw']);
  });

  it('stores runs per dataset and reads them back in key order, refusing a malformed one by its key', async () => {
    const key = datasetKeyOf(spec.dataset);
    await writeObservedRun(store, run('b'));
    await writeObservedRun(store, run('a'));
    expect(await readObservedRuns(store, key)).toEqual([run('a'), run('b')]);
    expect(await readObservedRuns(store, 'no-such-dataset')).toEqual([]);
    await expect(writeObservedRun(store, { ...run('x'), finalAccuracy: 2 })).rejects.toThrow(
      InvalidObservedRunError,
    );
  });

  it('a sweep’s history: its dataset’s stored runs plus its spec’s file, and a bad file named', async () => {
    const file = join(dir, 'runs.json');
    writeFileSync(file, JSON.stringify([{ betaEff: 3, finalAccuracy: 0.9 }]));
    const withFile = { ...spec, selection: { ...spec.selection, observedRuns: pathToFileURL(file).href } };
    const history = await loadObservedHistory(store, withFile);
    expect(history.map((r) => `${r.source}:${r.candidateId}`)).toEqual([
      'observe:a',
      'observe:b',
      'file:entry-0',
    ]);
    const noHistory = { ...withFile, selection: { ...withFile.selection, learnFromHistory: false } };
    expect((await loadObservedHistory(store, noHistory)).map((r) => r.source)).toEqual(['file']);
    writeFileSync(file, '{ not json');
    await expect(loadObservedHistory(store, noHistory)).rejects.toThrow(/is not valid JSON/);
    const missing = {
      ...noHistory,
      selection: { ...noHistory.selection, observedRuns: 'file:///no/such.json' },
    };
    await expect(loadObservedHistory(store, missing)).rejects.toThrow(
      /selection\.observedRuns: cannot be read/,
    );
  });
});
