/**
 * `budget.strategy: halving` on the real servers: rung sizes, survivors continued from their checkpoints
 * with no step trained twice, the margin stop, cancel and resume mid-bracket, replay of a committed
 * history (step trainer: exact step books, no TF.js time), and real TF.js training end to end.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepReport } from '../../../activities/scoring/report-types.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import type { CandidateResult } from '../../../activities/training/types.js';
import { resumeSweep } from '../../../scripts/sweeps/sweep-client.js';
import { cancelSweepSignal, progressQuery } from '../../../workflows/sweep-api.js';
import { createStepTrainer } from '../../support/step-trainer.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../../workflows/sweep-api.js';
import { createSweepBench, withWorkers, type SweepBench } from './sweep-harness.js';

const WORKFLOWS_PATH = fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url));
const HISTORY_FIXTURE = fileURLToPath(
  new URL('../../fixtures/histories/sweep-halving.json', import.meta.url),
);

const rank = (id: string): number => Number(id.slice(1));
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `c${i}`);
const zoo = (n: number) => ids(n).map((id) => ({ id, model: `file:///zoo/${id}/model.json` }));

async function readJson<T>(bench: SweepBench, key: string): Promise<T> {
  return JSON.parse(Buffer.from(await bench.stores.get(bench.bucket.uri).get(key)).toString('utf8')) as T;
}

/** Every candidate trained steps 1…n exactly once, in order. */
function expectEachStepOnce(trained: Map<string, number[]>): void {
  for (const [id, steps] of trained)
    expect(steps, id).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
}

describe('halving sweeps', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('halving');
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('trains 8 → 4 → 2 contenders, each survivor continuing from its checkpoint; the bracket is in result and report', async () => {
    // 8 steps per epoch; rungs ¼, ½, 1 → steps 2, 4, 8. No validation samples → no uncertainty → no early stop.
    const trainer = createStepTrainer({
      stepsPerEpoch: 8,
      accuracy: (id, step) => 0.3 + 0.05 * rank(id) + step / 1000,
    });
    const spec = bench.spec({
      name: 'halving-8',
      candidates: zoo(8),
      budget: { strategy: 'halving', rungs: [0.25, 0.5, 1], keepFraction: 0.5 },
      // Child workflows and a continue-as-new inside the first rung (5 starts per run).
      concurrency: { maxParallel: 3, childWorkflowThreshold: 4, candidatesPerRun: 5 },
    });
    const { out, progress, runs } = await withWorkers(
      bench,
      async () => {
        const started = await bench.start(spec);
        const out = await started.handle.result();
        const handle = bench.client.workflow.getHandle(started.sweepId);
        return { out, progress: await handle.query(progressQuery), runs: (await handle.describe()).runId };
      },
      { runTraining: trainer, concurrency: 3 },
    );
    expect(runs).toBeTruthy();
    expect(out.status).toBe('completed');
    expect(out.winner).toBe('c7');
    expect(out.bracket?.rungSizes).toEqual([8, 4, 2]);
    expect(out.bracket?.decision).toMatchObject({ winner: 'c7', rung: 2, epochs: 1, reason: 'last-rung' });
    expect(progress.runs).toBeGreaterThan(1);
    expect(progress.halving).toMatchObject({ rung: 2, contenders: ['c7', 'c6'] });

    // Who trained where: everyone to step 2; the best four on from 2 to 4; the best two from 4 to 8.
    const byCandidate = new Map<string, string>();
    for (const c of trainer.calls)
      byCandidate.set(c.candidateId, `${byCandidate.get(c.candidateId) ?? ''}${c.from}→${c.to} `);
    expect(Object.fromEntries(byCandidate)).toEqual({
      ...Object.fromEntries(ids(4).map((id) => [id, '0→2 '])),
      c4: '0→2 2→4 ',
      c5: '0→2 2→4 ',
      c6: '0→2 2→4 4→8 ',
      c7: '0→2 2→4 4→8 ',
    });
    expectEachStepOnce(trainer.trained);

    const entry = (id: string) => out.bracket!.entries.find((e) => e.candidateId === id);
    expect(entry('c0')).toMatchObject({ status: 'cut', rung: 0, epochs: 0.25 });
    expect(entry('c0')!.score).toBeCloseTo(0.302);
    expect(entry('c5')).toMatchObject({ status: 'cut', rung: 1, epochs: 0.5 });
    expect(entry('c7')).toMatchObject({ status: 'winner', rung: 2, epochs: 1 });
    expect(out.bracket!.candidateEpochs).toBeCloseTo(8 * 0.25 + 4 * 0.25 + 2 * 0.5);
    expect(out.ranking.map((r) => r.candidateId)).toEqual(['c7', 'c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0']);

    const report = await readJson<SweepReport>(bench, sweepKeys(out.sweepId).reportJson);
    expect(report.budget).toBe('halving');
    expect(report.winner).toBe('c7');
    expect(report.bracket?.rungSizes).toEqual([8, 4, 2]);
    // Every rung's scores, for the report's rung chart: 8 + 4 + 2, each candidate at each rung it trained.
    const perRung = [0, 1, 2].map((r) => report.bracket!.scores!.filter((s) => s.rung === r).length);
    expect(perRung).toEqual([8, 4, 2]);
    expect(report.bracket!.scores!.find((s) => s.candidateId === 'c7' && s.rung === 2)?.epochs).toBe(
      report.bracket!.rungs[2],
    );
    // Samples: 10 per step; 4 × 2 + 2 × 4 + 2 × 8 steps, against 8 candidates × 8 steps for the full window.
    expect(report.compute).toEqual({ trainSamples: 320, fullWindowTrainSamples: 640 });
    const survivor = await readJson<CandidateResult>(bench, sweepKeys(out.sweepId).candidate('c7').result);
    expect(survivor.training).toMatchObject({ epochs: 1, totalSteps: 8 });

    // The history (of the last run) replays; NCAP_RECORD_HISTORY=1 records it as the committed fixture.
    const history = await bench.client.workflow.getHandle(out.sweepId).fetchHistory();
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, out.sweepId);
    if (process.env.NCAP_RECORD_HISTORY === '1') {
      mkdirSync(join(HISTORY_FIXTURE, '..'), { recursive: true });
      writeFileSync(HISTORY_FIXTURE, historyToJSON(history));
    }
  });

  it('a committed halving history replays against the current workflow code', async () => {
    expect(existsSync(HISTORY_FIXTURE)).toBe(true);
    const history: unknown = JSON.parse(readFileSync(HISTORY_FIXTURE, 'utf8'));
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, 'fixture');
  });

  it('stops after the first rung when the leader is ahead by more than the uncertainty margin', async () => {
    // 400 validation samples: σ ≈ 0.025 at 0.5, so 0.9 against 0.5 is decided at once.
    const trainer = createStepTrainer({
      stepsPerEpoch: 4,
      valSamples: 400,
      accuracy: (id) => (id === 'c2' ? 0.9 : 0.5 + rank(id) / 100),
    });
    const spec = bench.spec({
      name: 'halving-margin',
      candidates: zoo(4),
      budget: { strategy: 'halving', rungs: [0.5, 1, 2], keepFraction: 0.5, stop: { z: 2 } },
    });
    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result(), {
      runTraining: trainer,
    });
    expect(out.winner).toBe('c2');
    expect(out.bracket?.decision).toMatchObject({ rung: 0, reason: 'margin' });
    expect(out.bracket?.rungSizes).toEqual([4]);
    expect(trainer.calls.every((c) => c.to === 2)).toBe(true);
  });

  it('a sweep cancelled mid-bracket and resumed continues where it stopped, training no step twice', async () => {
    const trainer = createStepTrainer({
      stepsPerEpoch: 8,
      stepMs: 150,
      accuracy: (id) => 0.4 + rank(id) / 20,
    });
    const spec = bench.spec({
      name: 'halving-cancel',
      candidates: zoo(4),
      budget: { strategy: 'halving', rungs: [0.5, 4], keepFraction: 0.5 },
      concurrency: { maxParallel: 4 },
    });
    const cancelled = await withWorkers(
      bench,
      async () => {
        const started = await bench.start(spec);
        // Cancel a second into the second rung (4 → 32 steps at 150 ms each).
        for (let i = 0; ; i++) {
          const p = await started.handle.query(progressQuery);
          if (p.halving?.rung === 1) break;
          if (i > 300) throw new Error('rung 2 never started');
          await sleep(50);
        }
        await sleep(1000);
        await started.handle.signal(cancelSweepSignal);
        return started.handle.result();
      },
      { runTraining: trainer, concurrency: 4 },
    );
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.bracket?.decision).toBeNull();
    expect(cancelled.bracket?.rungSizes).toEqual([4, 2]);
    const stoppedAt = new Map(
      trainer.calls.map((c) => [c.candidateId, trainer.trained.get(c.candidateId)!.at(-1)]),
    );
    expect(stoppedAt.get('c3')).toBeGreaterThan(4);
    expect(stoppedAt.get('c3')).toBeLessThan(32);

    trainer.calls.length = 0;
    const out = await withWorkers(
      bench,
      async () => {
        const resumed = await resumeSweep(bench.client, bench.stores, {
          sweepId: cancelled.sweepId,
          storeUri: bench.bucket.uri,
          taskQueues: bench.taskQueues,
        });
        return resumed.handle.result();
      },
      { runTraining: trainer, concurrency: 4 },
    );
    expect(out.status).toBe('completed');
    expect(out.winner).toBe('c3');
    expect(out.bracket?.decision).toMatchObject({ winner: 'c3', reason: 'last-rung' });
    // The first rung is reused from result.json (no training call); the two survivors continue from
    // where the cancellation left them.
    expect(trainer.calls.map((c) => c.candidateId).sort()).toEqual(['c2', 'c3']);
    for (const c of trainer.calls) expect(c).toMatchObject({ from: stoppedAt.get(c.candidateId), to: 32 });
    expectEachStepOnce(trainer.trained);
    expect(trainer.trained.get('c3')).toHaveLength(32);
    expect(trainer.trained.get('c0')).toHaveLength(4);
  });

  it('runs on real TF.js training: the survivors resume from their fractional-epoch checkpoints', async () => {
    const models = await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (id, i) => ({
        id,
        model: await bench.model(`halving-${id}`, { seed: 50 + i }),
      })),
    );
    // 96 samples, 25 % validation → 72 train → 5 steps of 16 per epoch; rungs ½, 1 → steps 3 and 5.
    const spec = bench.spec({
      name: 'halving-real',
      candidates: models,
      budget: { strategy: 'halving', rungs: [0.5, 1], keepFraction: 0.5 },
    });
    const { out, description } = await withWorkers(bench, async () => {
      const started = await bench.start(spec, undefined, { searchAttributes: true });
      return { out: await started.handle.result(), description: await started.handle.describe() };
    });
    expect(out.status).toBe('completed');
    expect(out.bracket?.rungSizes).toEqual([4, 2]);
    const survivors = out.bracket!.entries.filter((e) => e.rung === 1).map((e) => e.candidateId);
    expect(survivors).toHaveLength(2);
    expect(survivors).toContain(out.winner);
    for (const e of out.bracket!.entries) {
      const result = await readJson<CandidateResult>(
        bench,
        sweepKeys(out.sweepId).candidate(e.candidateId).result,
      );
      if (e.rung === 1) expect(result.training).toMatchObject({ epochs: 1, totalSteps: 5 });
      else expect(result.training).toMatchObject({ epochs: 0.5, totalSteps: 3 });
      expect(result.resumedFromStep).toBe(e.rung === 1 ? 3 : 0);
      expect(result.evaluations!.map((p) => p.step)).toEqual(e.rung === 1 ? [3, 5] : [3]);
    }
    const report = await readJson<SweepReport>(bench, sweepKeys(out.sweepId).reportJson);
    expect(report.winner).toBe(out.winner);
    expect(report.compute?.trainSamples).toBe(2 * 48 + 2 * 72);
    // Each evaluation left its correctness bitmap; the confidence of the pick is in the report, the
    // result and the NcapWinnerProbability search attribute.
    const confidence = report.decision!.confidence!;
    expect(out.confidence).toEqual(confidence);
    expect(confidence.rung).toBe(1);
    expect(confidence.samples).toBe(24);
    expect(confidence.candidates.map((c) => [c.candidateId, c.status, c.rung])).toEqual(
      expect.arrayContaining(
        out.bracket!.entries.map((e) => [e.candidateId, e.rung === 1 ? 'contender' : 'cut', e.rung]),
      ),
    );
    // The stated figure (and the attribute's) is P(best on a fresh validation set), the population's beside it.
    expect(confidence.statement).toBe('fresh-sample');
    for (const c of confidence.candidates) expect(c.pBestPopulation).toBeGreaterThanOrEqual(0);
    const winnerP = confidence.candidates.find((c) => c.candidateId === out.winner)!.pBest;
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.winnerProbability)).toBe(winnerP);
  });
});
