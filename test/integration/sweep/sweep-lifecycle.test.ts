import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunTraining } from '../../../activities/sweep/training-activities.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import { createNoopTrainer } from '../../support/noop-trainer.js';
import { createSweepSchedule, describeSweepSchedule } from '../../../scripts/schedules/schedule-client.js';
import { resumeSweep } from '../../../scripts/sweeps/sweep-client.js';
import { progressQuery } from '../../../workflows/sweep-api.js';
import { testS3Options, uniqueSuffix } from '../../helpers/stack.js';
import { createSweepBench, withWorkers, type SweepBench } from './sweep-harness.js';

const WORKFLOWS_PATH = fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url));
const HISTORY_FIXTURE = fileURLToPath(
  new URL('../../fixtures/histories/sweep-3-candidates.json', import.meta.url),
);

describe('sweep lifecycle: resume, schedules, replay', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('life');
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('a terminated sweep resumed with the same id reuses finished candidates and does not retrain them', async () => {
    const models = await Promise.all(
      ['a', 'b', 'c'].map(async (id, i) => ({
        id,
        model: await bench.model(`life-${id}`, { seed: 10 + i }),
      })),
    );
    const spec = bench.spec({ name: 'resume', candidates: models, concurrency: { maxParallel: 1 } });
    const calls: string[] = [];
    const counting: RunTraining = (input, deps) => {
      calls.push(input.candidateId);
      return runCandidateTraining(input, deps);
    };

    // First attempt: terminated (as if the sweep failed) once candidate 'a' has finished.
    const started = await withWorkers(
      bench,
      async () => {
        const s = await bench.start(spec);
        for (;;) {
          const p = await s.handle.query(progressQuery);
          if (p.counts.succeeded >= 1) break;
          await sleep(200);
        }
        await s.handle.terminate('failed on purpose by the test');
        return s;
      },
      { runTraining: counting, concurrency: 1 },
    );
    expect((await started.handle.describe()).status.name).toBe('TERMINATED');
    expect(calls[0]).toBe('a');
    const s3 = new S3Client(testS3Options());
    const resultKey = `ncap/sweeps/${started.sweepId}/candidates/a/result.json`;
    const before = await s3.send(new HeadObjectCommand({ Bucket: bench.bucket.bucket, Key: resultKey }));

    calls.length = 0;
    const out = await withWorkers(
      bench,
      async () => {
        const resumed = await resumeSweep(bench.client, bench.stores, {
          sweepId: started.sweepId,
          storeUri: bench.bucket.uri,
          taskQueues: bench.taskQueues,
        });
        expect(resumed.started).toBe(true);
        return resumed.handle.result();
      },
      { runTraining: counting, concurrency: 1 },
    );
    expect(out.status).toBe('completed');
    expect(out.reused).toContain('a');
    expect(calls).not.toContain('a');
    expect(out.ranking.map((r) => r.candidateId).sort()).toEqual(['a', 'b', 'c']);
    const after = await s3.send(new HeadObjectCommand({ Bucket: bench.bucket.bucket, Key: resultKey }));
    expect(after.ETag).toBe(before.ETag);
    expect(after.LastModified?.getTime()).toBe(before.LastModified?.getTime());
    s3.destroy();

    // Replay: the recorded history of the resumed sweep replays without nondeterminism; it is also
    // kept as a fixture so later changes to the workflow are checked against it.
    const history = await bench.client.workflow.getHandle(out.sweepId).fetchHistory();
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, out.sweepId);
    if (process.env.NCAP_RECORD_HISTORY === '1') {
      mkdirSync(join(HISTORY_FIXTURE, '..'), { recursive: true });
      writeFileSync(HISTORY_FIXTURE, historyToJSON(history));
    }
  });

  it('a committed sweep history replays against the current workflow code', async () => {
    expect(existsSync(HISTORY_FIXTURE)).toBe(true);
    // Proto JSON (as `temporal workflow show --output json` writes it); the worker parses it.
    const history: unknown = JSON.parse(readFileSync(HISTORY_FIXTURE, 'utf8'));
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, 'fixture');
  });

  it('a schedule with a short interval starts sweeps, each with its own id; pause stops further runs', async () => {
    const scheduleId = `sched-${uniqueSuffix()}`;
    const spec = bench.spec({
      name: 'scheduled',
      candidates: [
        { id: 'x', model: 'file:///zoo/x/model.json' },
        { id: 'y', model: 'file:///zoo/y/model.json' },
      ],
    });
    const trainer = createNoopTrainer();
    await withWorkers(
      bench,
      async () => {
        await createSweepSchedule(bench.client, {
          scheduleId,
          spec,
          storeUri: bench.bucket.uri,
          every: '2s',
          taskQueues: bench.taskQueues,
        });
        let summary = await describeSweepSchedule(bench.client, scheduleId);
        for (let i = 0; i < 60 && summary.actions < 2; i++) {
          await sleep(500);
          summary = await describeSweepSchedule(bench.client, scheduleId);
        }
        expect(summary.actions).toBeGreaterThanOrEqual(2);
        expect(summary.overlap).toBe('SKIP');
        const ids = summary.recentRuns.map((r) => r.workflowId);
        expect(new Set(ids).size).toBe(ids.length);
        const first = await bench.client.workflow.getHandle(ids[0]!).result();
        expect(first.sweepId).toMatch(new RegExp(`^${scheduleId}-`));
        expect(first.ranking).toHaveLength(2);

        await bench.client.schedule.getHandle(scheduleId).pause('test');
        const paused = await describeSweepSchedule(bench.client, scheduleId);
        await sleep(5000);
        const later = await describeSweepSchedule(bench.client, scheduleId);
        expect(later.paused).toBe(true);
        expect(later.actions).toBe(paused.actions);
        await bench.client.schedule.getHandle(scheduleId).delete();
      },
      { runTraining: trainer, concurrency: 2 },
    );
  });
});
