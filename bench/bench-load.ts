/**
 * Load: orchestration on the real Temporal dev server with a no-op trainer in 4 GPU worker processes.
 * 1. One 500-candidate sweep: wall time, overhead per candidate, largest payload in any history, history
 *    events per run (the sweep continues as new; candidates run as child workflows).
 * 2. 20 concurrent sweeps of 20 candidates each: wall time, all completed, slowest sweep.
 * Usage: npm run bench:load [-- --json] [--candidates 500] [--workers 4] [--sweeps 20] [--per-sweep 20]
 */
import { Command } from 'commander';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { validateSweepSpec } from '../activities/spec/sweep-spec.js';
import { createStoreProvider } from '../activities/sweep/store-cache.js';
import { createOrchestratorWorker } from '../workers/create-workers.js';
import { startDevStack, stopDevStack } from '../scripts/dev/stack.js';
import { positiveInt } from '../scripts/entry-args.js';
import { startSweep } from '../scripts/sweeps/sweep-client.js';

function parseArgs(argv: readonly string[]) {
  return new Command('npm run bench:load')
    .usage('-- [--json] [--candidates 500] [--workers 4] [--sweeps 20] [--per-sweep 20]')
    .description(
      'Orchestration under load on the real Temporal dev server with a no-op trainer: one large sweep, then concurrent sweeps',
    )
    .option('--candidates <n>', 'candidates of the large sweep', positiveInt, 500)
    .option('--workers <n>', 'no-op GPU worker processes', positiveInt, 4)
    .option('--sweeps <n>', 'concurrent sweeps', positiveInt, 20)
    .option('--per-sweep <n>', 'candidates of each concurrent sweep', positiveInt, 20)
    .option('--json', 'print the report as JSON', false)
    .parse([...argv], { from: 'user' })
    .opts<{ candidates: number; workers: number; sweeps: number; perSweep: number; json: boolean }>();
}

const WORKER = fileURLToPath(new URL('./noop-gpu-worker.js', import.meta.url));

interface Payloadish {
  data?: Uint8Array | null;
  metadata?: Record<string, Uint8Array | null | undefined> | null;
}

/** Bytes of the largest payload anywhere in a history. */
function largestPayload(value: unknown): number {
  let max = 0;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const p = v as Payloadish;
      if (p.data instanceof Uint8Array && p.metadata) {
        const meta = Object.values(p.metadata).reduce((s, m) => s + (m?.byteLength ?? 0), 0);
        max = Math.max(max, p.data.byteLength + meta);
      } else Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return max;
}

async function main(): Promise<void> {
  const { json, candidates, workers, sweeps, perSweep } = parseArgs(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = mkdtempSync(join(tmpdir(), 'ncap-bench-load-'));
  const storeDir = mkdtempSync(join(tmpdir(), 'ncap-bench-load-store-'));
  const state = await startDevStack({ dataDir, s3: false });
  const address = state.info.temporal.address;
  const storeUri = pathToFileURL(storeDir).href;
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const stores = createStoreProvider();
  const queues = { orchestrator: 'bench-load-orch', gpu: 'bench-load-gpu' };
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < workers; i++) {
      children.push(
        fork(WORKER, [], {
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: address,
            NCAP_TASK_QUEUE_GPU: queues.gpu,
            NCAP_GPU_CONCURRENCY: '8',
          },
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        }),
      );
    }
    const orchestrator = await createOrchestratorWorker({
      connection: native,
      namespace: 'default',
      taskQueue: queues.orchestrator,
      stores,
      defaultStoreUri: storeUri,
      workerOptions: { maxConcurrentActivityTaskExecutions: 50, maxConcurrentWorkflowTaskExecutions: 50 },
    });
    const spec = (name: string, n: number) =>
      validateSweepSpec({
        name,
        id: name,
        dataset: { uri: 'file:///bench/data.safetensors' },
        candidates: Array.from({ length: n }, (_, i) => ({
          id: `c${i}`,
          model: `file:///bench/c${i}/model.json`,
        })),
        concurrency: { maxParallel: workers * 8 },
        // One fan-out of every candidate: the load is the candidates, not the rungs.
        budget: { strategy: 'fixed' },
      });
    const out = await orchestrator.runUntil(async () => {
      // 1. One large sweep.
      const t0 = performance.now();
      const large = await (
        await startSweep(client, {
          spec: spec('load-large', candidates),
          defaultStoreUri: storeUri,
          taskQueues: queues,
        })
      ).handle.result();
      const largeMs = performance.now() - t0;
      const runs: { runId: string; events: number }[] = [];
      for await (const wf of client.workflow.list({ query: `WorkflowId = 'load-large'` }))
        runs.push({ runId: wf.runId, events: wf.historyLength });
      let maxPayload = 0;
      for (const run of runs)
        maxPayload = Math.max(
          maxPayload,
          largestPayload(await client.workflow.getHandle('load-large', run.runId).fetchHistory()),
        );
      for await (const wf of client.workflow.list({ query: `WorkflowId STARTS_WITH 'load-large/'` }))
        maxPayload = Math.max(
          maxPayload,
          largestPayload(await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()),
        );

      // 2. Many sweeps at once.
      const t1 = performance.now();
      const finished = await Promise.all(
        Array.from({ length: sweeps }, async (_, i) => {
          const s0 = performance.now();
          const result = await (
            await startSweep(client, {
              spec: spec(`load-many-${i}`, perSweep),
              defaultStoreUri: storeUri,
              taskQueues: queues,
            })
          ).handle.result();
          return { result, ms: performance.now() - s0 };
        }),
      );
      const manyMs = performance.now() - t1;
      return { large, largeMs, runs: runs.reverse(), maxPayload, finished, manyMs };
    });
    const report = {
      large: {
        candidates,
        workerProcesses: workers,
        ranked: out.large.ranking.length,
        failed: out.large.failed.length,
        wallSeconds: out.largeMs / 1000,
        overheadPerCandidateMs: out.largeMs / candidates,
        candidatesPerSecond: candidates / (out.largeMs / 1000),
        largestPayloadBytes: out.maxPayload,
        historyEventsPerRun: out.runs.map((r) => r.events),
      },
      concurrent: {
        sweeps,
        candidatesPerSweep: perSweep,
        completed: out.finished.filter(
          (f) => f.result.status === 'completed' && f.result.ranking.length === perSweep,
        ).length,
        wallSeconds: out.manyMs / 1000,
        slowestSweepSeconds: Math.max(...out.finished.map((f) => f.ms)) / 1000,
        candidatesPerSecond: (sweeps * perSweep) / (out.manyMs / 1000),
      },
    };
    if (json) console.log(JSON.stringify(report, null, 2));
    else {
      const l = report.large;
      const c = report.concurrent;
      console.log(
        `One sweep of ${l.candidates} candidates on ${l.workerProcesses} no-op GPU worker processes`,
      );
      console.log(
        `  ranked ${l.ranked}, failed ${l.failed}; wall ${l.wallSeconds.toFixed(1)} s; ${l.overheadPerCandidateMs.toFixed(0)} ms of wall time per candidate (${l.candidatesPerSecond.toFixed(1)}/s)`,
      );
      console.log(
        `  largest payload in any history: ${l.largestPayloadBytes} bytes; history events per run: ${l.historyEventsPerRun.join(' + ')}`,
      );
      console.log(`${c.sweeps} concurrent sweeps of ${c.candidatesPerSweep} candidates`);
      console.log(
        `  completed ${c.completed}/${c.sweeps}; wall ${c.wallSeconds.toFixed(1)} s; slowest sweep ${c.slowestSweepSeconds.toFixed(1)} s; ${c.candidatesPerSecond.toFixed(1)} candidates/s`,
      );
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map(
        (c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
      ),
    );
    await stores.closeAll();
    await native.close();
    await connection.close();
    await stopDevStack({ dataDir });
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(storeDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
