import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BayesianRidge } from '../../../activities/capacitance/bayesian-ridge.js';
import { betaEffPerArc } from '../../../activities/capacitance/line-graph-oracle.js';
import type { DenseKernel } from '../../../activities/capacitance/network.js';
import { encodeSnapshot } from '../../../activities/capacitance/snapshot.js';
import { buildSweepReport, type ObservedRun } from '../../../activities/scoring/build-sweep-report.js';
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
    selection,
  });
}

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

  it('direction lower reverses the ranking; the evaluation compares each predictor with the ground truth', async () => {
    const sweepId = 'lower';
    const outcomes = await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    const report = await buildSweepReport(store, sweepId, spec(zoo, { direction: 'lower' }), outcomes);
    expect(report.winner).toBe('small');
    const metrics = Object.fromEntries(report.evaluation!.metrics.map((m) => [m.predictor.split(' ')[0], m]));
    // Lower β_eff and higher early accuracy both order the candidates exactly as the truth does.
    expect(metrics['β_eff']!.kendallTau).toBeCloseTo(1, 12);
    expect(metrics['early']!.kendallTau).toBeCloseTo(1, 12);
    expect(metrics['β_eff']!.top1Hit).toBe(true);
  });

  it('calibrates the direction on observed runs, and says when there are too few', async () => {
    const sweepId = 'calibrate';
    const outcomes = await Promise.all(zoo.map((c) => writeCandidate(sweepId, c.id, c.scale, c.acc)));
    const anti: ObservedRun[] = [1, 2, 3, 4, 5, 6].map((b) => ({ betaEff: b, finalAccuracy: 1 - b / 10 }));
    const calibrated = await buildSweepReport(
      store,
      sweepId,
      spec(zoo, { direction: 'calibrate' }),
      outcomes,
      {
        observedRuns: anti,
      },
    );
    expect(calibrated.selection).toMatchObject({ direction: 'lower', directionSource: 'calibrated' });
    expect(calibrated.winner).toBe('small');
    const few = await buildSweepReport(store, sweepId, spec(zoo, { direction: 'calibrate' }), outcomes, {
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
    const observed: ObservedRun[] = Array.from({ length: 8 }, (_, i) => ({
      betaEff: 0.1 * (i + 1),
      betaSlope: 0.001 * i,
      betaRelativeChange: 0.01 * (8 - i),
      earlyValAccuracy: 0.5 + 0.05 * i,
      finalAccuracy: 0.55 + 0.05 * i - 0.01 * (i % 3),
    }));
    const report = await buildSweepReport(
      store,
      sweepId,
      spec(zoo, { rule: 'predicted-accuracy', direction: 'higher' }),
      outcomes,
      { observedRuns: observed },
    );
    const ridge = new BayesianRidge().fit(
      observed.map((r) => [r.betaEff, r.betaSlope!, r.betaRelativeChange!, r.earlyValAccuracy!]),
      observed.map((r) => r.finalAccuracy),
    );
    for (const c of report.candidates) {
      const row = [c.betaEff!, c.betaSlope ?? 0, c.betaRelativeChange ?? 0, c.earlyValAccuracy ?? 0];
      const expected = ridge.predict([row]);
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
});
