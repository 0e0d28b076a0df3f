import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { createNoopTrainer } from '../support/noop-trainer.js';
import { ncap } from '../helpers/run-ncap.js';
import { startSweep } from '../../scripts/sweeps/sweep-client.js';
import { validateSweepSpec } from '../../activities/spec/sweep-spec.js';
import { createGpuWorker, createOrchestratorWorker } from '../../workers/create-workers.js';
import { stack, uniqueTaskQueue } from '../helpers/stack.js';

describe('ncap CLI against the dev stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncap-cli-'));
  const storeUri = pathToFileURL(join(dir, 'store')).href;
  let native: NativeConnection;
  let connection: Connection;
  beforeAll(async () => {
    native = await NativeConnection.connect({ address: stack().temporal.address });
    connection = await Connection.connect({ address: stack().temporal.address });
  });
  afterAll(async () => {
    await native?.close();
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const address = () => ['--address', stack().temporal.address];

  it('--help works on every command', async () => {
    for (const args of [
      [],
      ['sweep'],
      ['sweep', 'start'],
      ['sweep', 'validate'],
      ['run'],
      ['schedule', 'create'],
      ['report'],
      ['observe'],
      ['beta'],
      ['dev', 'up'],
      ['worker'],
    ]) {
      const { code, stdout } = await ncap(...args, '--help');
      expect(code).toBe(0);
      expect(stdout).toMatch(/Usage: ncap/);
    }
  });

  it('rejects an invalid spec with exit code 2, naming the field and the fix, and starts nothing', async () => {
    const spec = join(dir, 'bad.yaml');
    writeFileSync(
      spec,
      'name: bad\ndataset: { uri: file:///x.safetensors }\ncandidates: [{ id: "a/b", model: file:///m.json }]\ntraining: { epochs: 0, typo: 1 }\n',
    );
    const { code, stderr } = await ncap('sweep', 'start', spec, ...address());
    expect(code).toBe(2);
    expect(stderr).toMatch(/candidates\[0\]\.id/);
    expect(stderr).toMatch(/training\.epochs/);
    expect(stderr).toMatch(/unknown field\(s\) 'typo'/);
  });

  it('starts a sweep, waits for it, and prints status, result and report as JSON', async () => {
    const spec = join(dir, 'ok.yaml');
    writeFileSync(
      spec,
      [
        'name: cli',
        'dataset: { uri: file:///x.safetensors }',
        'candidates:',
        '  - { id: alpha, model: file:///zoo/alpha/model.json }',
        '  - { id: beta, model: file:///zoo/beta/model.json }',
        '  - { id: gamma, model: file:///zoo/gamma/model.json }',
      ].join('\n'),
    );
    const stores = createStoreProvider();
    const orchestrator = await createOrchestratorWorker({
      connection: native,
      namespace: 'default',
      stores,
      defaultStoreUri: storeUri,
    });
    const gpu = await createGpuWorker({
      connection: native,
      namespace: 'default',
      stores,
      tf: async () => ({}) as Tf,
      runTraining: createNoopTrainer(),
      concurrency: 3,
    });
    const [started, status] = await orchestrator.runUntil(
      gpu.runUntil(async () => {
        const s = await ncap(
          'sweep',
          'start',
          spec,
          '--id',
          'cli-sweep',
          '--wait',
          '--json',
          '--store',
          storeUri,
          ...address(),
        );
        // A completed sweep still answers its progress query while a worker runs.
        return [s, await ncap('sweep', 'status', 'cli-sweep', '--json', ...address())] as const;
      }),
    );
    expect(started.code).toBe(0);
    const result = JSON.parse(started.stdout) as { winner: string; ranking: { candidateId: string }[] };
    expect(result.ranking).toHaveLength(3);
    expect(['alpha', 'beta', 'gamma']).toContain(result.winner);

    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      sweepId: 'cli-sweep',
      status: 'completed',
      counts: { succeeded: 3 },
    });

    const md = await ncap('report', 'cli-sweep', '--format', 'md', '--store', storeUri);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(result.winner);
    expect(md.stdout.match(/^\|/gm)?.length).toBeGreaterThanOrEqual(5);

    const missing = await ncap('report', 'no-such-sweep', '--store', storeUri);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no report for sweep no-such-sweep/);
    await stores.closeAll();
  });

  it('starting a sweep whose id is running returns the running one', async () => {
    const client = new Client({ connection });
    const taskQueues = { orchestrator: uniqueTaskQueue('idem'), gpu: uniqueTaskQueue('idem-gpu') };
    const spec = validateSweepSpec({
      name: 'idem',
      dataset: { uri: 'file:///x' },
      candidates: [{ id: 'a', model: 'file:///a' }],
    });
    const first = await startSweep(client, {
      spec,
      sweepId: 'idem-1',
      defaultStoreUri: storeUri,
      taskQueues,
    });
    const second = await startSweep(client, {
      spec,
      sweepId: 'idem-1',
      defaultStoreUri: storeUri,
      taskQueues,
    });
    expect(first.started).toBe(true);
    expect(second.started).toBe(false);
    expect((await second.handle.describe()).runId).toBe((await first.handle.describe()).runId);
    await first.handle.terminate('test done');
  });

  it('NCAP_TASK_QUEUE_* move the sweeps the CLI and schedules start, not only the workers', async () => {
    const queues = { orchestrator: uniqueTaskQueue('envq'), gpu: uniqueTaskQueue('envq-gpu') };
    const saved = { o: process.env.NCAP_TASK_QUEUE_ORCHESTRATOR, g: process.env.NCAP_TASK_QUEUE_GPU };
    process.env.NCAP_TASK_QUEUE_ORCHESTRATOR = queues.orchestrator;
    process.env.NCAP_TASK_QUEUE_GPU = queues.gpu;
    const spec = join(dir, 'queues.yaml');
    writeFileSync(
      spec,
      'name: queues\ndataset: { uri: file:///x.safetensors }\ncandidates: [{ id: q1, model: file:///zoo/q1/model.json }]\n',
    );
    const stores = createStoreProvider();
    try {
      // Workers only on the configured queues: a sweep sent to the default queues would never run.
      const orchestrator = await createOrchestratorWorker({
        connection: native,
        namespace: 'default',
        stores,
        defaultStoreUri: storeUri,
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
      const started = await orchestrator.runUntil(
        gpu.runUntil(
          ncap(
            'sweep',
            'start',
            spec,
            '--id',
            'queues-1',
            '--wait',
            '--json',
            '--store',
            storeUri,
            ...address(),
          ),
        ),
      );
      expect(started.code).toBe(0);
      expect((JSON.parse(started.stdout) as { winner: string }).winner).toBe('q1');

      const created = await ncap(
        'schedule',
        'create',
        'queues-schedule',
        spec,
        '--every',
        '1h',
        '--paused',
        ...address(),
      );
      expect(created.code).toBe(0);
      const client = new Client({ connection });
      const handle = client.schedule.getHandle('queues-schedule');
      const action = (await handle.describe()).action as {
        taskQueue: string;
        args: { taskQueues: unknown }[];
      };
      expect(action.taskQueue).toBe(queues.orchestrator);
      expect(action.args[0]!.taskQueues).toEqual(queues);
      await handle.delete();
    } finally {
      if (saved.o === undefined) delete process.env.NCAP_TASK_QUEUE_ORCHESTRATOR;
      else process.env.NCAP_TASK_QUEUE_ORCHESTRATOR = saved.o;
      if (saved.g === undefined) delete process.env.NCAP_TASK_QUEUE_GPU;
      else process.env.NCAP_TASK_QUEUE_GPU = saved.g;
      await stores.closeAll();
    }
  });
});
