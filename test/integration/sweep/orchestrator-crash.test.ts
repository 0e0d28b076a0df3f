/**
 * Issue 22, finding 1: the orchestrator worker SIGKILLed while `scoreSweep` runs. Its activities heartbeat
 * and have a heartbeat timeout (the spec's `training.heartbeatTimeoutSeconds`, 5 s here), so the lost
 * attempt is retried on the restarted worker within that timeout plus the 2 s retry backoff, and the
 * sweep completes within this test's time limit (3 minutes, training included). Without a heartbeat
 * timeout the attempt is noticed only at its 30-minute start-to-close timeout and the test times out.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticImages, writeSafetensorsDataset } from '../../unit/training/helpers.js';
import {
  ORCHESTRATOR_WORKER,
  orchestratorWorkerBuilt,
  spawnOrchestratorWorker,
} from './gpu-worker-process.js';
import { createSweepBench, type SweepBench } from './sweep-harness.js';

const { PendingActivityState } = temporal.api.enums.v1;
const { TimeoutType } = temporal.api.enums.v1;

describe('the orchestrator worker killed during scoring', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('orch-crash');
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('is retried on the restarted worker after its heartbeat timeout and the sweep completes', async () => {
    expect(orchestratorWorkerBuilt(), `${ORCHESTRATOR_WORKER} is missing: run \`npm run build\``).toBe(true);
    // A snapshot every step: hundreds of snapshots to score, so scoring runs long enough to be killed in.
    const datasetUri = await writeSafetensorsDataset(
      join(bench.dir, 'orch-data'),
      syntheticImages(480, 3, 8, 8, 1, 5),
    );
    const spec = bench.spec({
      name: 'orch-crash',
      dataset: { uri: datasetUri, normalisation: '[0,1]', validationFraction: 0.1, seed: 2 },
      candidates: [
        { id: 'a', model: await bench.model('orch-a', { seed: 31 }) },
        { id: 'b', model: await bench.model('orch-b', { seed: 32 }) },
      ],
      training: { epochs: 1, batchSize: 4, snapshotEvery: 1, heartbeatTimeoutSeconds: 5 },
    });
    const first = spawnOrchestratorWorker(bench);
    const firstExit = new Promise((resolve) => first.once('exit', resolve));
    let second: ReturnType<typeof spawnOrchestratorWorker> | undefined;
    const gpu = await bench.gpu({ concurrency: 2 });
    try {
      const result = await gpu.runUntil(async () => {
        const started = await bench.start(spec);
        // Kill as soon as a worker has picked up scoreSweep.
        for (;;) {
          const pending = (await started.handle.describe()).raw.pendingActivities ?? [];
          const scoring = pending.find((a) => a.activityType?.name === 'scoreSweep');
          if (scoring?.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) break;
          if ((await started.handle.describe()).status.name !== 'RUNNING')
            throw new Error(`the sweep closed before scoring could be interrupted:\n${first.output()}`);
          await sleep(25);
        }
        first.kill('SIGKILL');
        await firstExit;
        second = spawnOrchestratorWorker(bench);
        return started.handle.result();
      });
      expect(result.status).toBe('completed');
      expect(result.ranking).toHaveLength(2);

      // The first scoreSweep attempt ended on its heartbeat timeout; the second one scored.
      const history = await bench.client.workflow.getHandle(result.sweepId).fetchHistory();
      const events = history.events ?? [];
      const scheduled = new Set(
        events
          .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'scoreSweep')
          .map((e) => String(e.eventId)),
      );
      const attempts = events.flatMap((e) =>
        e.activityTaskStartedEventAttributes &&
        scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId))
          ? [e.activityTaskStartedEventAttributes]
          : [],
      );
      expect(attempts.map((a) => a.attempt)).toEqual([2]);
      expect(attempts[0]!.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
        TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
      );
    } finally {
      first.kill('SIGKILL');
      const worker = second as ReturnType<typeof spawnOrchestratorWorker> | undefined;
      if (worker && worker.exitCode === null) {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.kill('SIGTERM');
        await exited;
      }
    }
  }, 180_000);
});
