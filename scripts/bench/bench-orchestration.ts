/**
 * Orchestration overhead per candidate, measured on the real Temporal dev server with a no-op trainer:
 * (sweep wall time − time spent inside the trainer) / candidates, for activity mode and child-workflow
 * mode; and the history event count of a 200-candidate sweep (per run, across continue-as-new).
 * Usage: npm run bench:orchestration [-- --json] [--candidates 50] [--large 200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { validateSweepSpec } from '../../activities/spec/sweep-spec.js';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import type { RunTraining } from '../../activities/sweep/training-activities.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { createGpuWorker, createOrchestratorWorker } from '../../workers/create-workers.js';
import { startDevStack, stopDevStack } from '../dev/stack.js';
import { startSweep } from '../sweeps/sweep-client.js';
import { createNoopTrainer } from '../../test/support/noop-trainer.js';

interface Row {
  mode: string;
  candidates: number;
  maxParallel: number;
  wallSeconds: number;
  trainerSeconds: number;
  overheadPerCandidateMs: number;
  historyEvents: number[];
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const n = arg('candidates', 50);
  const large = arg('large', 200);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = mkdtempSync(join(tmpdir(), 'ncap-bench-orch-'));
  const storeDir = mkdtempSync(join(tmpdir(), 'ncap-bench-store-'));
  const state = await startDevStack({ dataDir, s3: false });
  const storeUri = pathToFileURL(storeDir).href;
  const native = await NativeConnection.connect({ address: state.info.temporal.address });
  const connection = await Connection.connect({ address: state.info.temporal.address });
  const client = new Client({ connection });
  const stores = createStoreProvider();
  const rows: Row[] = [];
  try {
    const run = async (
      label: string,
      candidates: number,
      maxParallel: number,
      childWorkflowThreshold: number,
    ): Promise<Row> => {
      const queues = { orchestrator: `bench-orch-${label}`, gpu: `bench-gpu-${label}` };
      const noop = createNoopTrainer();
      let trainerMs = 0;
      const timed: RunTraining = async (input, deps) => {
        const t0 = performance.now();
        try {
          return await noop(input, deps);
        } finally {
          trainerMs += performance.now() - t0;
        }
      };
      const orchestrator = await createOrchestratorWorker({
        connection: native,
        namespace: 'default',
        taskQueue: queues.orchestrator,
        stores,
        defaultStoreUri: storeUri,
      });
      const gpu = await createGpuWorker({
        connection: native,
        namespace: 'default',
        taskQueue: queues.gpu,
        stores,
        tf: async () => ({}) as Tf,
        runTraining: timed,
        concurrency: maxParallel,
      });
      const spec = validateSweepSpec({
        name: `bench-${label}`,
        dataset: { uri: 'file:///bench/data.safetensors' },
        candidates: Array.from({ length: candidates }, (_, i) => ({
          id: `c${i}`,
          model: `file:///bench/c${i}/model.json`,
        })),
        concurrency: { maxParallel, childWorkflowThreshold },
      });
      const t0 = performance.now();
      const result = await orchestrator.runUntil(
        gpu.runUntil(async () =>
          (await startSweep(client, { spec, defaultStoreUri: storeUri, taskQueues: queues })).handle.result(),
        ),
      );
      const wallMs = performance.now() - t0;
      const historyEvents: number[] = [];
      for await (const wf of client.workflow.list({ query: `WorkflowId = '${result.sweepId}'` }))
        historyEvents.push(wf.historyLength);
      return {
        mode: childWorkflowThreshold < candidates ? 'child workflows' : 'activities',
        candidates,
        maxParallel,
        wallSeconds: wallMs / 1000,
        trainerSeconds: trainerMs / 1000,
        // The trainer runs maxParallel at once: subtract its time per lane, not its sum.
        overheadPerCandidateMs: (wallMs - trainerMs / maxParallel) / candidates,
        historyEvents: historyEvents.reverse(),
      };
    };
    rows.push(await run('act', n, 10, 1000));
    rows.push(await run('child', n, 10, 1));
    rows.push(await run('large', large, 20, 24));
  } finally {
    await stores.closeAll();
    await native.close();
    await connection.close();
    await stopDevStack({ dataDir });
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(storeDir, { recursive: true, force: true });
  }
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  console.log(
    'mode             candidates  parallel  wall s  trainer s  overhead/candidate ms  history events per run',
  );
  for (const r of rows) {
    console.log(
      `${r.mode.padEnd(16)} ${String(r.candidates).padStart(10)} ${String(r.maxParallel).padStart(9)} ${r.wallSeconds.toFixed(1).padStart(7)} ${r.trainerSeconds.toFixed(2).padStart(10)} ${r.overheadPerCandidateMs.toFixed(0).padStart(22)}  ${r.historyEvents.join(' + ')}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
