/** Two clients start the same sweep id at the same moment: one sweep runs, each candidate trains once. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { createStoreProvider } from '../../../activities/sweep/store-cache.js';
import type { Tf } from '../../../activities/tf/tf-namespace.js';
import { startSweep } from '../../../scripts/sweeps/sweep-client.js';
import { createGpuWorker, createOrchestratorWorker } from '../../../workers/create-workers.js';
import { stack, uniqueSuffix, uniqueTaskQueue } from '../../helpers/stack.js';
import { createNoopTrainer } from '../../support/noop-trainer.js';

describe('concurrent starts of one sweep id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncap-concurrent-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('two clients at once: one workflow run, each candidate trained once', async () => {
    const address = stack().temporal.address;
    const [a, b] = await Promise.all([Connection.connect({ address }), Connection.connect({ address })]);
    const native = await NativeConnection.connect({ address });
    const stores = createStoreProvider();
    const storeUri = pathToFileURL(join(dir, 'store')).href;
    const taskQueues = { orchestrator: uniqueTaskQueue('twice'), gpu: uniqueTaskQueue('twice-gpu') };
    const trainer = createNoopTrainer({ delayMs: 200 });
    const ids = ['c1', 'c2', 'c3', 'c4'];
    const spec = validateSweepSpec({
      name: 'twice',
      dataset: { uri: 'file:///x.safetensors' },
      candidates: ids.map((id) => ({ id, model: `file:///zoo/${id}/model.json` })),
    });
    const sweepId = `twice-${uniqueSuffix()}`;
    try {
      const orchestrator = await createOrchestratorWorker({
        connection: native,
        namespace: 'default',
        stores,
        defaultStoreUri: storeUri,
        taskQueue: taskQueues.orchestrator,
      });
      const gpu = await createGpuWorker({
        connection: native,
        namespace: 'default',
        stores,
        tf: async () => ({}) as Tf,
        runTraining: trainer,
        concurrency: 4,
        taskQueue: taskQueues.gpu,
      });
      const { first, second, result } = await orchestrator.runUntil(
        gpu.runUntil(async () => {
          const [first, second] = await Promise.all(
            [a, b].map((connection) =>
              startSweep(new Client({ connection }), {
                spec,
                sweepId,
                defaultStoreUri: storeUri,
                taskQueues,
              }),
            ),
          );
          return { first: first!, second: second!, result: await first!.handle.result() };
        }),
      );
      const [runA, runB] = await Promise.all([first.handle.describe(), second.handle.describe()]);
      expect(runA.runId).toBe(runB.runId);
      const client = new Client({ connection: a });
      const runs = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${sweepId}'` })) runs.push(w.runId);
      expect(runs).toEqual([runA.runId]);
      expect(result.ranking).toHaveLength(ids.length);
      expect(trainer.calls).toBe(ids.length);
    } finally {
      await stores.closeAll();
      await native.close();
      await a.close();
      await b.close();
    }
  });
});
