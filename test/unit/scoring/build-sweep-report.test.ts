import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BayesianRidge } from '../../../activities/capacitance/bayesian-ridge.js';
import { betaEffPerArc } from '../../../activities/capacitance/line-graph-oracle.js';
import type { DenseKernel } from '../../../activities/capacitance/network.js';
import { encodeSnapshot } from '../../../activities/capacitance/snapshot.js';
import { observedRunSetup } from '../../../activities/selection/observed-runs.js';
import { buildSweepReport } from '../../../activities/scoring/build-sweep-report.js';
import { sweepFeatureRows } from '../../../activities/scoring/sweep-feature-rows.js';
import {
  datasetKeyOf,
  InvalidObservedRunError,
  parseObservedRunFile,
  writeObservedRun,
  type ObservedRun,
} from '../../../activities/selection/observed-runs.js';
import { renderReportText } from '../../../activities/report/report-text.js';
import { validateSweepSpec, type SweepSpec } from '../../../activities/spec/sweep-spec.js';
import type { CandidateOutcome } from '../../../activities/sweep/types.js';
import { FileStore } from '../../../activities/store/file-store.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import type { CandidateResult } from '../../../activities/training/types.js';
import { createNoopTrainer } from '../../support/noop-trainer.js';

const dir = mkdtempSync(join(tmpdir(), 'ncap-score-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = new FileStore(pathToFileURL(dir).href, { fsync: false });

/** A 4-kernel probe whose weights grow with `scale` (β_eff ∝ scale² for the scored 3 kernels). */
function kernels(scale: number, step: number): DenseKernel[] {
  const shapes: [number, number][] = [
    [5, 4],
    [4, 3],
    [3, 3],
    [3, 2],
  ];
  return shapes.map(([inDim, outDim], l) => ({
    inDim,
    outDim,
    values: Float32Array.from(
      { length: inDim * outDim },
      (_, i) => scale * (1 + step / 100) * (0.5 + ((i * 7 + l) % 5) / 10),
    ),
  }));
}

/** Writes snapshots and result.json of one candidate the way training does. */
async function writeCandidate(
  sweepId: string,
  id: string,
  scale: number,
  valAccuracy: number,
): Promise<CandidateOutcome> {
  const keys = sweepKeys(sweepId).candidate(id);
  const noop = createNoopTrainer();
  await noop(
    {
      sweepId,
      candidateId: id,
      model: { uri: 'file:///m' },
      dataset: { uri: 'file:///d', normalisation: '[0,1]' },
      training: { epochs: 1 },
    },
    { store, tf: {} as never },
  );
  for (const step of [0, 10, 20]) {
    await store.put(
      keys.snapshot(step),
      encodeSnapshot({
        kernels: kernels(scale, step),
        metadata: { sweepId, candidateId: id, epoch: 0, step },
      }),
    );
  }
  const result = JSON.parse(Buffer.from(await store.get(keys.result)).toString()) as CandidateResult;
  result.epochs = [{ epoch: 1, trainLoss: 1 - valAccuracy, valLoss: 1, valAccuracy, step: 20, seconds: 1 }];
  await store.put(keys.result, JSON.stringify(result));
  return { candidateId: id, status: 'succeeded', resultKey: keys.result };
}

function spec(
  candidates: { id: string; truth?: number }[],
  selection: Record<string, unknown> = {},
): SweepSpec {
  return validateSweepSpec({
    dataset: { uri: 'file:///d' },
    candidates: candidates.map((c) => ({
      id: c.id,
      model: `file:///${c.id}`,
      ...(c.truth !== undefined ? { labels: { groundTruthAccuracy: c.truth } } : {}),
    })),
    // These tests are about ranking by β_eff, which is no longer the default rule, over one fixed window.
    selection: { rule: 'beta-eff', fallbackRule: 'beta-eff', ...selection },
    budget: { strategy: 'fixed' },
  });
}

/** Observed runs in the older file format, as a spec's `selection.observedRuns` file holds them. */
const legacyRuns = (entries: object[], forSpec: SweepSpec): ObservedRun[] =>
  parseObservedRunFile(entries, 'runs.json', {
    datasetKey: datasetKeyOf(forSpec.dataset),
    setup: observedRunSetup(forSpec),
  });

const betaOf = (scale: number): number => betaEffPerArc(kernels(scale, 20).slice(1)).betaEff;

describe('buildSweepReport (the reduce step)', () => {
  const zoo = [
    { id: 'small', scale: 0.5, acc: 0.9, truth: 0.91 },
    { id: 'mid', scale: 1, acc: 0.7, truth: 0.8 },
    { id: 'large', scale: 2, acc: 0.5, truth: 0.6 },
  ];

  it('ranks by the last snapshot’s β_eff (input projection left out), failed candidates last with their reason', async () => {
    const sweepId = 'rank';
    const outcomes = [...(await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc))))];
    outcomes.push({
      candidateId: 'broken',
      status: 'failed',
      failure: { type: 'IncompatibleModelError', message: 'no feature layer' },
    });
    const report = await buildSweepReport(
      store,
      sweepId,
      spec([...zoo, { id: 'broken' }], { direction: 'higher' }),
      outcomes,
    );
    expect(report.candidates.map((c) => c.candidateId)).toEqual(['large', 'mid', 'small', 'broken']);
    expect(report.candidates.map((c) => c.rank)).toEqual([1, 2, 3, null]);
    expect(report.winner).toBe('large');
    for (const c of zoo)
      expect(report.candidates.find((r) => r.candidateId === c.id)!.betaEff).toBeCloseTo(betaOf(c.scale), 9);
    expect(report.candidates[3]!.failure).toEqual({
      type: 'IncompatibleModelError',
      message: 'no feature layer',
    });
    expect(report.candidates[0]!.betaTrajectory.map((p) => p.step)).toEqual([0, 10, 20]);
    expect(report.selection).toMatchObject({ direction: 'higher', directionSource: 'spec' });
  });

  it('records what each candidate was fed: layout and size from its result, its own normalisation or the dataset’s', async () => {
    const sweepId = 'inputs';
    const outcomes = [
      await writeCandidate(sweepId, 'own', 1, 0.7),
      await writeCandidate(sweepId, 'plain', 2, 0.6),
      { candidateId: 'broken', status: 'failed' as const, failure: { type: 'X', message: 'y' } },
    ];
    const base = spec([{ id: 'own' }, { id: 'plain' }, { id: 'broken' }]);
    const withOwn = validateSweepSpec({
      ...base,
      dataset: { ...base.dataset, normalisation: '[-1,1]' },
      candidates: base.candidates.map((c) => (c.id === 'own' ? { ...c, normalisation: 'caffe' } : c)),
    });
    const report = await buildSweepReport(store, sweepId, withOwn, outcomes);
    const inputOf = (id: string) => report.candidates.find((c) => c.candidateId === id)!.input;
    // The noop trainer records a [1, 1, 1] input.
    expect(inputOf('own')).toEqual({ layout: 'NHWC', shape: [1, 1, 1], normalisation: 'caffe' });
    expect(inputOf('plain')).toEqual({ layout: 'NHWC', shape: [1, 1, 1], normalisation: '[-1,1]' });
    expect(inputOf('broken')).toEqual({ layout: null, shape: null, normalisation: '[-1,1]' });
    const text = renderReportText(report);
    expect(text).toMatch(/INPUT/);
    expect(text).toMatch(/own .*NHWC 1×1×1 · caffe/);
  });

  it('carries a frozen candidate’s logmeNote (why it has no LogME) into its record, and none where LogME was recorded', async () => {
    const sweepId = 'logme-note';
    const outcomes = [
      await writeCandidate(sweepId, 'noted', 1, 0.7),
      await writeCandidate(sweepId, 'scored', 2, 0.6),
    ];
    const note = 'LogME came out NaN on the 12×5 training features';
    for (const [outcome, signals] of [
      [outcomes[0]!, { logme: null, logmeNote: note }],
      [outcomes[1]!, { logme: -0.42 }],
    ] as const) {
      const result = JSON.parse(
        Buffer.from(await store.get(outcome.resultKey!)).toString(),
      ) as CandidateResult;
      await store.put(
        outcome.resultKey!,
        JSON.stringify({ ...result, mode: 'frozen', selectionSignals: signals }),
      );
    }
    const report = await buildSweepReport(
      store,
      sweepId,
      spec([{ id: 'noted' }, { id: 'scored' }]),
      outcomes,
    );
    const recordOf = (id: string) => report.candidates.find((c) => c.candidateId === id)!;
    expect(recordOf('noted').logmeNote).toBe(note);
    expect(recordOf('scored')).not.toHaveProperty('logmeNote');
  });

  it('direction lower reverses the ranking; the evaluation compares each predictor with the ground truth', async () => {
    const sweepId = 'lower';
    const outcomes = await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    const report = await buildSweepReport(store, sweepId, spec(zoo, { direction: 'lower' }), outcomes);
    expect(report.winner).toBe('small');
    const metrics = Object.fromEntries(report.evaluation!.metrics.map((m) => [m.predictor.split(' ')[0], m]));
    // Lower β_eff and higher early accuracy both order the candidates exactly as the truth does.
    expect(metrics['beta-eff']!.kendallTau).toBeCloseTo(1, 12);
    expect(metrics['early-accuracy']!.kendallTau).toBeCloseTo(1, 12);
    expect(metrics['beta-eff']!.top1Hit).toBe(true);
    // Bootstrap intervals over the candidates hold each estimate.
    expect(report.evaluation!.resamples).toBe(1000);
    for (const m of report.evaluation!.metrics) {
      const [low, high] = m.kendallTauInterval!;
      expect(low).toBeLessThanOrEqual(m.kendallTau + 1e-12);
      expect(high).toBeGreaterThanOrEqual(m.kendallTau - 1e-12);
      expect(m.regretInterval![0]).toBeLessThanOrEqual(m.regret + 1e-12);
    }
  });

  it('calibrates the direction on observed runs, and says when there are too few', async () => {
    const sweepId = 'calibrate';
    const outcomes = await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    const calibrate = spec(zoo, { direction: 'calibrate' });
    const anti = legacyRuns(
      [1, 2, 3, 4, 5, 6].map((b) => ({ betaEff: b, finalAccuracy: 1 - b / 10 })),
      calibrate,
    );
    const calibrated = await buildSweepReport(store, sweepId, calibrate, outcomes, { observedRuns: anti });
    expect(calibrated.selection).toMatchObject({ direction: 'lower', directionSource: 'calibrated' });
    expect(calibrated.winner).toBe('small');
    const few = await buildSweepReport(store, sweepId, calibrate, outcomes, {
      observedRuns: anti.slice(0, 2),
    });
    expect(few.selection).toMatchObject({
      direction: 'higher',
      directionSource: 'default (too few observed runs)',
    });
  });

  it('the predicted-accuracy rule ranks by a Bayesian ridge fitted on observed runs', async () => {
    const sweepId = 'predict';
    const outcomes = await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    const entries = Array.from({ length: 8 }, (_, i) => ({
      betaEff: 0.1 * (i + 1),
      betaSlope: 0.001 * i,
      betaRelativeChange: 0.01 * (8 - i),
      earlyValAccuracy: 0.5 + 0.05 * i,
      finalAccuracy: 0.55 + 0.05 * i - 0.01 * (i % 3),
    }));
    const predictSpec = spec(zoo, { rule: 'predicted-accuracy', direction: 'higher' });
    const report = await buildSweepReport(store, sweepId, predictSpec, outcomes, {
      observedRuns: legacyRuns(entries, predictSpec),
    });
    // The oracle: scikit-learn-style BayesianRidge on the columns standardised by the observed runs.
    const columns = (r: {
      betaEff: number | null;
      betaSlope: number | null;
      betaRelativeChange: number | null;
      earlyValAccuracy: number | null;
    }) => [r.betaEff!, r.betaSlope!, r.betaRelativeChange!, r.earlyValAccuracy!];
    const raw = entries.map((e) => columns(e));
    const mean = raw[0]!.map((_, j) => raw.reduce((t, r) => t + r[j]!, 0) / raw.length);
    const std = raw[0]!.map((_, j) =>
      Math.sqrt(raw.reduce((t, r) => t + (r[j]! - mean[j]!) ** 2, 0) / raw.length),
    );
    const z = (row: number[]) => row.map((v, j) => (v - mean[j]!) / std[j]!);
    const ridge = new BayesianRidge().fit(
      raw.map(z),
      entries.map((r) => r.finalAccuracy),
    );
    expect(report.selection).toMatchObject({
      rule: 'predicted-accuracy',
      appliedRule: 'predicted-accuracy',
      fallback: null,
    });
    expect(report.selection.observedRuns!.used).toBe(8);
    for (const c of report.candidates) {
      const expected = ridge.predict([z(columns(c))]);
      expect(c.predictedAccuracy!.mean).toBeCloseTo(expected.mean[0]!, 12);
      expect(c.predictedAccuracy!.std).toBeCloseTo(expected.std[0]!, 12);
    }
    const means = report.candidates.map((c) => c.predictedAccuracy!.mean);
    expect([...means].sort((a, b) => b - a)).toEqual(means);
  });

  it('a candidate whose snapshots cannot be scored is reported failed, and the others are still ranked', async () => {
    const sweepId = 'corrupt';
    const outcomes = await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    await store.put(sweepKeys(sweepId).candidate('mid').snapshot(30), new Uint8Array([1, 2, 3]));
    const report = await buildSweepReport(store, sweepId, spec(zoo, { direction: 'higher' }), outcomes);
    expect(report.candidates.map((c) => [c.candidateId, c.rank])).toEqual([
      ['large', 1],
      ['small', 2],
      ['mid', null],
    ]);
    expect(report.candidates[2]!.failure?.type).toBe('ScoringError');
    expect(report.candidates[2]!.failure?.message).toMatch(/cannot score/);
  });

  it('learns from the dataset’s stored observed runs: they flip the β direction and let a hybrid rank', async () => {
    const sweepId = 'history';
    const outcomes = await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    // A dataset of its own, so other tests' runs are not in its history.
    const historySpec = (selection: Record<string, unknown>) =>
      validateSweepSpec({
        ...spec(zoo, { fallbackRule: 'beta-eff', ...selection }),
        dataset: { uri: 'file:///d', name: 'history-set' },
      });
    const before = await buildSweepReport(store, sweepId, historySpec({ rule: 'hybrid' }), outcomes);
    // Nothing to learn from: the hybrid cannot fit, the fallback rule ranks, and the report says so.
    expect(before.selection).toMatchObject({ rule: 'hybrid', appliedRule: 'beta-eff', direction: 'higher' });
    expect(before.selection.fallback).toMatch(/could not score.*needs at least 5.*fell back to beta-eff/);
    expect(before.selection.observedRuns!.used).toBe(0);
    expect(before.winner).toBe('large');

    // Earlier runs on this dataset where a smaller β_eff and a higher early accuracy went with a better result.
    const base = historySpec({ rule: 'hybrid' });
    for (let i = 0; i < 6; i++) {
      await writeObservedRun(store, {
        ...legacyRuns([{ betaEff: 0.1 + 0.05 * i, finalAccuracy: 0.9 - 0.05 * i }], base)[0]!,
        sweepId: 'earlier',
        candidateId: `c${i}`,
        source: 'observe',
        features: {
          ...legacyRuns([{ betaEff: 0, finalAccuracy: 0 }], base)[0]!.features,
          betaEff: 0.1 + 0.05 * i,
          betaSlope: 0.001 * ((i * 7) % 5),
          betaRelativeChange: 0.01 * ((i * 3) % 4),
          earlyValAccuracy: 0.85 - 0.06 * i + 0.01 * (i % 2),
          tse: 0.2 + 0.1 * i,
          curveAsymptote: 0.9 - 0.05 * i,
        },
      });
    }
    const after = await buildSweepReport(store, sweepId, historySpec({ rule: 'hybrid' }), outcomes);
    expect(after.selection).toMatchObject({
      appliedRule: 'hybrid',
      fallback: null,
      direction: 'lower',
      directionSource: 'calibrated',
    });
    expect(after.selection.observedRuns!.used).toBe(6);
    expect(after.winner).toBe('small');
    expect(after.candidates.every((c) => c.predictedAccuracy !== null)).toBe(true);
    const beta = await buildSweepReport(store, sweepId, historySpec({ rule: 'beta-eff' }), outcomes);
    expect(beta.winner).toBe('small');
    expect(beta.selection.fitNote).toMatch(/Kendall τ\(β, final accuracy\) = -1\.000 over 6 runs/);

    // Runs of another early-training setup are counted, not learned from.
    const longer = validateSweepSpec({ ...historySpec({ rule: 'hybrid' }), training: { epochs: 7 } });
    const other = await buildSweepReport(store, sweepId, longer, outcomes);
    expect(other.selection.observedRuns).toMatchObject({ used: 0, otherSetup: 6 });
    expect(other.selection.appliedRule).toBe('beta-eff');
  });

  it('a malformed observed run is an error naming the entry and the field, and nothing is scored', async () => {
    const sweepId = 'malformed';
    const outcomes = await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    const bad = validateSweepSpec({ ...spec(zoo), dataset: { uri: 'file:///d', name: 'malformed-set' } });
    const key = `observed/${datasetKeyOf(bad.dataset)}/runs/s/c/epochs-0003.json`;
    const good = legacyRuns([{ betaEff: 1, finalAccuracy: 0.5 }], bad)[0]!;
    await store.put(key, JSON.stringify({ ...good, finalAccuracy: 87 }));
    const error = await buildSweepReport(store, sweepId, bad, outcomes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidObservedRunError);
    expect((error as Error).message).toContain(key);
    expect((error as Error).message).toMatch(
      /finalAccuracy: must be in \[0, 1\] \(a fraction, not a percentage\)/,
    );
    await store.put(key, JSON.stringify({ ...good, features: { ...good.features, tse: 'low' } }));
    await expect(buildSweepReport(store, sweepId, bad, outcomes)).rejects.toThrow(/features\.tse/);
    expect(() =>
      legacyRuns(
        [
          { betaEff: 1, finalAccuracy: 0.5 },
          { betaEff: 'x', finalAccuracy: 0.5 },
        ],
        bad,
      ),
    ).toThrow(/observed run runs\.json\[1\]: betaEff/);
    await store.deletePrefix(`observed/${datasetKeyOf(bad.dataset)}/`);
  });

  it('records observed runs for results that carry a full-training accuracy, per early window', async () => {
    const sweepId = 'full';
    const outcomes = await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    const fullSpec = validateSweepSpec({ ...spec(zoo), dataset: { uri: 'file:///d', name: 'full-set' } });
    const key = sweepKeys(sweepId).candidate('mid').result;
    const result = JSON.parse(Buffer.from(await store.get(key)).toString()) as Record<string, unknown>;
    await store.put(
      key,
      JSON.stringify({
        ...result,
        fullTraining: { bestEpoch: 1, best: { valAccuracy: 0.83 }, finalAccuracy: 0.81 },
      }),
    );
    const printed = await buildSweepReport(store, sweepId, fullSpec, outcomes);
    expect(printed.selection.observedRuns!.recorded).toBe(0);
    const reduced = await buildSweepReport(store, sweepId, fullSpec, outcomes, { recordObservedRuns: true });
    expect(reduced.selection.observedRuns!.recorded).toBe(1);
    const recorded = JSON.parse(
      Buffer.from(
        await store.get(`observed/${datasetKeyOf(fullSpec.dataset)}/runs/full/mid/epochs-0001.json`),
      ).toString(),
    ) as ObservedRun;
    // fullTraining.finalAccuracy (the test accuracy at the best epoch when the run had a test set) is the truth.
    expect(recorded).toMatchObject({ finalAccuracy: 0.81, source: 'full-training', setup: { epochs: 1 } });
    const stored: string[] = [];
    for await (const o of store.list(`observed/${datasetKeyOf(fullSpec.dataset)}/runs/`)) stored.push(o.key);
    expect(stored).toEqual([`observed/${datasetKeyOf(fullSpec.dataset)}/runs/full/mid/epochs-0001.json`]);
    const again = await buildSweepReport(
      store,
      sweepId,
      validateSweepSpec({ ...fullSpec, training: { epochs: 1 } }),
      outcomes,
    );
    expect(again.selection.observedRuns!.used).toBe(1);
  });

  it('sweepFeatureRows windows a stored sweep for the benchmark: features at the window, samples it cost', async () => {
    const sweepId = 'rows';
    await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    const rowsSpec = spec(zoo);
    await store.put(
      sweepKeys(sweepId).spec,
      JSON.stringify({
        version: 1,
        sweepId,
        storeUri: store.uri,
        spec: rowsSpec,
        createdAt: '2026-01-01T00:00:00Z',
      }),
    );
    const key = sweepKeys(sweepId).candidate('mid').result;
    const result = JSON.parse(Buffer.from(await store.get(key)).toString()) as CandidateResult;
    result.training = { ...result.training, stepsPerEpoch: 20, totalSteps: 20, batchSize: 8 };
    result.dataset = { ...result.dataset, trainSamples: 160 };
    const evaluations = [
      {
        step: 10,
        epoch: 0.5,
        trainLoss: 0.8,
        trainLossSum: 8,
        trainSamples: 80,
        valLoss: 1,
        valAccuracy: 0.42,
      },
      {
        step: 20,
        epoch: 1,
        trainLoss: 0.4,
        trainLossSum: 12,
        trainSamples: 160,
        valLoss: 1,
        valAccuracy: 0.7,
      },
    ];
    await store.put(key, JSON.stringify({ ...result, evaluations }));
    await store.deletePrefix(sweepKeys(sweepId).candidate('small').result);
    const half = await sweepFeatureRows(store, sweepId, { windowEpochs: 0.5 });
    expect(half.missing).toEqual(['small']);
    const mid = half.rows.find((r) => r.candidateId === 'mid')!;
    expect(mid).toMatchObject({ windowSteps: 10, earlySamples: 80 });
    expect(mid.features.earlyValAccuracy).toBe(0.42);
    expect(mid.features.betaEff).toBeCloseTo(betaEffPerArc(kernels(1, 10).slice(1)).betaEff, 9);
    expect(mid.features.tse).toBeCloseTo((0.8 * 10) / 20, 12);
    const whole = (await sweepFeatureRows(store, sweepId)).rows.find((r) => r.candidateId === 'mid')!;
    expect(whole).toMatchObject({ windowSteps: 20, earlySamples: 160 });
    expect(whole.features.earlyValAccuracy).toBe(0.7);
  });
});
