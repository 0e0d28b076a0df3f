/**
 * `ncap sweep extend` on the real servers: a halving sweep that ends on a tie by construction (two
 * candidates with the same validation curve) starts again under the same id, trains only the tied pair one
 * rung further from their checkpoints, decides again, and keeps the previous report beside the new one.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepReport } from '../../../activities/scoring/report-types.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import { extendSweep } from '../../../scripts/sweeps/extend-sweep.js';
import { createStepTrainer } from '../../support/step-trainer.js';
import { createSweepBench, withWorkers, type SweepBench } from './sweep-harness.js';

const WORKFLOWS_PATH = fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url));

describe('sweep extend', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('extend');
  });
  afterAll(async () => {
    await bench?.close();
  });

  const readReport = async (key: string): Promise<SweepReport> =>
    JSON.parse(
      Buffer.from(await bench.stores.get(bench.bucket.uri).get(key)).toString('utf8'),
    ) as SweepReport;
  const extend = (sweepId: string) =>
    extendSweep(bench.client, bench.stores, {
      sweepId,
      storeUri: bench.bucket.uri,
      taskQueues: bench.taskQueues,
    });

  it('trains only the tied candidates one rung further, decides again, and keeps both reports', async () => {
    // 4 steps per epoch, rungs ½ and 1 → steps 2 and 4; 400 validation samples give the margin a σ.
    // twin-a and twin-b have the same curve (a tie by construction); low is far below.
    const trainer = createStepTrainer({
      stepsPerEpoch: 4,
      valSamples: 400,
      accuracy: (id, step) => (id === 'low' ? 0.3 : 0.7 + step / 100),
    });
    const spec = bench.spec({
      name: 'extend-tie',
      candidates: ['twin-a', 'twin-b', 'low'].map((id) => ({ id, model: `file:///zoo/${id}/model.json` })),
      // A third of three is one: the twins' tie is cut by rank after the first rung.
      budget: { strategy: 'halving', rungs: [0.5, 1], keepFraction: 1 / 3 },
    });
    const first = await withWorkers(bench, async () => (await bench.start(spec)).handle.result(), {
      runTraining: trainer,
    });
    expect(first.bracket?.decision).toMatchObject({ winner: 'twin-a', rung: 0, reason: 'sole-survivor' });
    const keys = sweepKeys(first.sweepId);
    const store = bench.stores.get(bench.bucket.uri);
    const hadHtml = await store.exists(keys.reportHtml);

    trainer.calls.length = 0;
    const { extended, second, history } = await withWorkers(
      bench,
      async () => {
        const extended = await extend(first.sweepId);
        const second = await extended.started!.handle.result();
        const history = await bench.client.workflow.getHandle(first.sweepId).fetchHistory();
        return { extended, second, history };
      },
      { runTraining: trainer },
    );
    expect(extended.plan).toMatchObject({
      kind: 'extend',
      extension: { candidateIds: ['twin-a', 'twin-b'], rung: 1 },
    });
    expect(extended.started?.started).toBe(true);
    // Only the twins trained, from the first rung's checkpoint (step 2) to the second rung's (step 4).
    expect(trainer.calls.map((c) => `${c.candidateId} ${c.from}→${c.to}`).sort()).toEqual([
      'twin-a 2→4',
      'twin-b 2→4',
    ]);
    expect(second.status).toBe('completed');
    expect(second.bracket?.decision).toMatchObject({
      winner: 'twin-a',
      rung: 1,
      epochs: 1,
      reason: 'last-rung',
    });
    expect(second.bracket?.rungSizes).toEqual([3, 2]);
    expect(second.bracket?.entries.find((e) => e.candidateId === 'low')).toMatchObject({
      status: 'cut',
      rung: 0,
    });

    // The previous report is kept beside the new one.
    expect(extended.archived).toEqual({
      json: keys.previousReport(1).json,
      html: hadHtml ? keys.previousReport(1).html : null,
    });
    const previous = await readReport(keys.previousReport(1).json);
    const current = await readReport(keys.reportJson);
    expect(previous.bracket?.decision).toMatchObject({ rung: 0, reason: 'sole-survivor' });
    expect(current.bracket?.decision).toMatchObject({ rung: 1, reason: 'last-rung' });
    if (hadHtml) expect(await store.exists(keys.previousReport(1).html)).toBe(true);

    // The extended run's history replays against the workflow code.
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, first.sweepId);

    // The twins are still tied, now at the last rung: nothing more to train, nothing started or archived.
    const again = await extend(first.sweepId);
    expect(again.plan.kind).toBe('last-rung');
    expect(again.started).toBeUndefined();
    expect(await store.exists(keys.previousReport(2).json)).toBe(false);
  });

  it('a clear decision has nothing to extend: no run is started', async () => {
    const trainer = createStepTrainer({
      stepsPerEpoch: 4,
      valSamples: 400,
      accuracy: (id) => (id === 'c1' ? 0.9 : 0.5),
    });
    const spec = bench.spec({
      name: 'extend-clear',
      candidates: ['c0', 'c1'].map((id) => ({ id, model: `file:///zoo/${id}/model.json` })),
      budget: { strategy: 'halving', rungs: [0.5, 1], keepFraction: 0.5 },
    });
    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result(), {
      runTraining: trainer,
    });
    expect(out.bracket?.decision).toMatchObject({ winner: 'c1', rung: 0, reason: 'margin' });
    const runId = (await bench.client.workflow.getHandle(out.sweepId).describe()).runId;
    const plan = await extend(out.sweepId);
    expect(plan.plan.kind).toBe('no-tie');
    expect(plan.started).toBeUndefined();
    expect((await bench.client.workflow.getHandle(out.sweepId).describe()).runId).toBe(runId);
  });
});
