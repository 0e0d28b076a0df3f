/**
 * What the CLI says about a sweep by its id alone (issue 22, findings 4 and 5): the store comes from the
 * sweep (its memo), so `report`, `resume` and `status` need no `--store`; `status` of a closed sweep is
 * its final state; a start attached to a running sweep names that sweep's store; and the failure that
 * ends a sweep reaches the CLI with its cause and fix (a missing bucket: one attempt, not five).
 * Real Temporal dev server and MinIO; workers on this file's own task queues.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreProvider, type StoreProvider } from '../../activities/sweep/store-cache.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { createGpuWorker, createOrchestratorWorker } from '../../workers/create-workers.js';
import { parseSweepMemo } from '../../workflows/sweep-memo.js';
import { ncap } from '../helpers/run-ncap.js';
import { stack, testS3Options, uniqueSuffix, uniqueTaskQueue } from '../helpers/stack.js';
import { createNoopTrainer } from '../support/noop-trainer.js';

describe('ncap finds a sweep’s store and state from the sweep itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncap-cli-state-'));
  const storeA = pathToFileURL(join(dir, 'store-a')).href;
  const storeB = pathToFileURL(join(dir, 'store-b')).href;
  const queues = { orchestrator: uniqueTaskQueue('state'), gpu: uniqueTaskQueue('state-gpu') };
  const saved = { o: process.env.NCAP_TASK_QUEUE_ORCHESTRATOR, g: process.env.NCAP_TASK_QUEUE_GPU };
  let native: NativeConnection;
  let connection: Connection;
  let client: Client;
  let stores: StoreProvider;
  const address = () => ['--address', stack().temporal.address];
  const spec = (name: string, extra: string[] = []): string => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(
      path,
      [
        `name: ${name}`,
        'dataset: { uri: file:///x.safetensors }',
        'candidates:',
        '  - { id: alpha, model: file:///zoo/alpha/model.json }',
        '  - { id: beta, model: file:///zoo/beta/model.json }',
        ...extra,
      ].join('\n'),
    );
    return path;
  };
  /** Runs `fn` while an orchestrator and a GPU worker poll this file's queues. */
  const withWorkers = async <T>(fn: () => Promise<T>): Promise<T> => {
    const orchestrator: Worker = await createOrchestratorWorker({
      connection: native,
      namespace: 'default',
      stores,
      defaultStoreUri: storeB,
      taskQueue: queues.orchestrator,
    });
    const gpu = await createGpuWorker({
      connection: native,
      namespace: 'default',
      stores,
      tf: async () => ({}) as Tf,
      runTraining: createNoopTrainer(),
      taskQueue: queues.gpu,
    });
    return orchestrator.runUntil(gpu.runUntil(fn));
  };

  beforeAll(async () => {
    process.env.NCAP_TASK_QUEUE_ORCHESTRATOR = queues.orchestrator;
    process.env.NCAP_TASK_QUEUE_GPU = queues.gpu;
    native = await NativeConnection.connect({ address: stack().temporal.address });
    connection = await Connection.connect({ address: stack().temporal.address });
    client = new Client({ connection });
    stores = createStoreProvider({ s3: testS3Options() });
  });
  afterAll(async () => {
    if (saved.o === undefined) delete process.env.NCAP_TASK_QUEUE_ORCHESTRATOR;
    else process.env.NCAP_TASK_QUEUE_ORCHESTRATOR = saved.o;
    if (saved.g === undefined) delete process.env.NCAP_TASK_QUEUE_GPU;
    else process.env.NCAP_TASK_QUEUE_GPU = saved.g;
    await stores?.closeAll();
    await native?.close();
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('report, resume and status of a finished sweep need no --store; the memo holds store, name and winner', async () => {
    const id = `state-done-${uniqueSuffix()}`;
    // One candidate per workflow run: the memo must survive continue-as-new.
    const path = spec('done', ['concurrency: { childWorkflowThreshold: 1, candidatesPerRun: 1 }']);
    const started = await withWorkers(() =>
      ncap('sweep', 'start', path, '--id', id, '--wait', '--json', '--store', storeA, ...address()),
    );
    expect(started.code, started.stderr).toBe(0);
    const winner = (JSON.parse(started.stdout) as { winner: string }).winner;
    expect(['alpha', 'beta']).toContain(winner);

    const memo = parseSweepMemo((await client.workflow.getHandle(id).describe()).memo);
    const { history } = await client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId: id },
      maximumPageSize: 1,
    });
    expect(
      history?.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId,
    ).toBeTruthy();
    expect(memo).toMatchObject({ storeUri: storeA, name: 'done', outcome: 'completed', winner });

    // The CLI's default store (NCAP_STORE_URI or ./.ncap/store) holds nothing of this sweep.
    const report = await ncap('report', id, '--format', 'md', ...address());
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(winner);
    expect(report.stderr).toContain(`${storeA}/sweeps/${id}/report.html`);

    const status = await ncap('sweep', 'status', id, ...address());
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`Sweep ${id}: COMPLETED`));
    expect(status.stdout).toContain(`Winner: ${winner}`);
    expect(status.stdout).toContain(`Store: ${storeA}`);
    // The score table of a running sweep, read from the stored report.
    expect(status.stdout).toMatch(/^ {2}CANDIDATE +STATE +SCORE \(rule [\w-]+, ± 1 s\.e\.\)$/m);
    expect(status.stdout).toMatch(new RegExp(`^ {2}${winner} +winner +\\S`, 'm'));
    const json = JSON.parse((await ncap('sweep', 'status', id, '--json', ...address())).stdout) as {
      scores: { candidates: { candidateId: string; state: string; score: number | null }[] };
    };
    expect(json.scores.candidates.map((c) => c.candidateId).sort()).toEqual(['alpha', 'beta']);
    expect(json.scores.candidates.find((c) => c.candidateId === winner)).toMatchObject({ state: 'winner' });

    const resumed = await withWorkers(() => ncap('sweep', 'resume', id, '--wait', '--json', ...address()));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((JSON.parse(resumed.stdout) as { reused: string[] }).reused.sort()).toEqual(['alpha', 'beta']);
  });

  it('a second start of a running id names the running sweep’s store; status of a terminated sweep says so', async () => {
    const id = `state-run-${uniqueSuffix()}`;
    // No worker polls: the sweep stays running until terminated.
    const first = await ncap('sweep', 'start', spec('first'), '--id', id, '--store', storeA, ...address());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Started: sweep ${id} (store ${storeA})`);
    const second = await ncap('sweep', 'start', spec('second'), '--id', id, '--store', storeB, ...address());
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`Already running: sweep ${id} (store ${storeA})`);

    await client.workflow.getHandle(id).terminate('test: operator stopped it');
    const status = await ncap('sweep', 'status', id, ...address());
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`Sweep ${id}: TERMINATED`));
    expect(status.stdout).not.toMatch(/running|pending/);
    expect(status.stdout).toContain(`ncap sweep resume ${id}`);
    const json = await ncap('sweep', 'status', id, '--json', ...address());
    expect(JSON.parse(json.stdout)).toMatchObject({ sweepId: id, status: 'terminated', storeUri: storeA });
  });

  it('a missing bucket fails the sweep at once, and the CLI and status name the bucket and the fix', async () => {
    const id = `state-nobucket-${uniqueSuffix()}`;
    const bucket = `ncap-missing-${uniqueSuffix()}`;
    const path = spec('nobucket');
    const out = await withWorkers(async () => {
      const started = await ncap(
        'sweep',
        'start',
        path,
        '--id',
        id,
        '--wait',
        '--store',
        `s3://${bucket}/p`,
        ...address(),
      );
      return { started, status: await ncap('sweep', 'status', id, ...address()) };
    });
    const fix = new RegExp(`NoSuchBucket: bucket "${bucket}" does not exist; create it or fix storeUri`);
    expect(out.started.code).toBe(1);
    // The in-process workers log to the same stderr: the CLI's own message is its one line.
    const line = out.started.stderr.split('\n').find((l) => l.startsWith(`sweep ${id} failed: `));
    expect(line).toMatch(fix);
    expect(line).toMatch(/StoreUnusableError/);
    expect(line).not.toMatch(/Activity task failed/);
    expect(out.status.stdout).toMatch(new RegExp(`Sweep ${id}: FAILED`));
    expect(out.status.stdout).toMatch(fix);
    // Not retried: one attempt of prepareSweep.
    const history = await client.workflow.getHandle(id).fetchHistory();
    const attempts = (history.events ?? []).flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : [],
    );
    expect(attempts).toEqual([1]);
  });
});
