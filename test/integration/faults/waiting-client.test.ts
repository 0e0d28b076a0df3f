/**
 * A client waiting on a sweep (`ncap sweep start --wait`, a real `bin/ncap.js` process) across the faults
 * a user meets (issue 22, findings 2 and 3): the Temporal dev server SIGKILLed for longer than the client's
 * own gRPC retries last and started again on its SQLite file — the client says once that it waits for the
 * server and ends with the sweep's result, exit 0; Ctrl-C — it says the sweep goes on and how to watch or
 * cancel it, exit 130, and the sweep is still running. A Temporal server of its own, so stopping it cannot
 * disturb the other test files. Needs `npm run build` (bin/ncap.js runs dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreProvider, type StoreProvider } from '../../../activities/sweep/store-cache.js';
import type { Tf } from '../../../activities/tf/tf-namespace.js';
import { isAlive, startDevStack, stopDevStack, type StartedDevStack } from '../../../scripts/dev/stack.js';
import { createGpuWorker, createOrchestratorWorker } from '../../../workers/create-workers.js';
import { uniqueSuffix, uniqueTaskQueue } from '../../helpers/stack.js';
import { createNoopTrainer } from '../../support/noop-trainer.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const builtCli = join(repoRoot, 'dist', 'scripts', 'cli.js');

interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnNcap(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'ncap.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A stack trace's frame line, as Node prints it. */
const STACK_FRAME = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

describe.skipIf(!existsSync(builtCli))('a waiting ncap client (bin/ncap.js, after npm run build)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ncap-waiting-client-'));
  const storeUri = pathToFileURL(join(dataDir, 'store')).href;
  const queues = { orchestrator: uniqueTaskQueue('wait'), gpu: uniqueTaskQueue('wait-gpu') };
  const env = { NCAP_TASK_QUEUE_ORCHESTRATOR: queues.orchestrator, NCAP_TASK_QUEUE_GPU: queues.gpu };
  let servers: StartedDevStack;
  let stores: StoreProvider;
  const specPath = join(dataDir, 'spec.yaml');
  beforeAll(async () => {
    servers = await startDevStack({ dataDir: join(dataDir, 'stack'), s3: false, startTimeoutMs: 120_000 });
    stores = createStoreProvider();
    writeFileSync(
      specPath,
      [
        'name: waiting',
        'dataset: { uri: file:///x.safetensors }',
        'candidates:',
        ...['a', 'b', 'c'].map((id) => `  - { id: ${id}, model: file:///zoo/${id}/model.json }`),
        'concurrency: { maxParallel: 1 }',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await stores?.closeAll();
    await stopDevStack({ dataDir: join(dataDir, 'stack') });
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);
  const address = () => ['--address', servers.info.temporal.address];

  it('rides through a Temporal server restart and ends with the sweep’s result, exit 0', async () => {
    const id = `wait-restart-${uniqueSuffix()}`;
    const native = await NativeConnection.connect({ address: servers.info.temporal.address });
    const orchestrator = await createOrchestratorWorker({
      connection: native,
      namespace: 'default',
      stores,
      defaultStoreUri: storeUri,
      taskQueue: queues.orchestrator,
    });
    // Each training takes a while, so the sweep is still running when the server goes down.
    const gpu = await createGpuWorker({
      connection: native,
      namespace: 'default',
      stores,
      tf: async () => ({}) as Tf,
      runTraining: createNoopTrainer({ delayMs: 4_000 }),
      taskQueue: queues.gpu,
    });
    const cli = spawnNcap(
      ['sweep', 'start', specPath, '--id', id, '--wait', '--json', '--store', storeUri, ...address()],
      env,
    );
    const exit = await orchestrator.runUntil(
      gpu.runUntil(async () => {
        await until('the first training result', () =>
          existsSync(join(dataDir, 'store', 'sweeps', id, 'candidates', 'a', 'result.json')),
        );
        const temporal = servers.pids.temporal;
        process.kill(temporal, 'SIGKILL');
        await until('the server to die', () => !isAlive(temporal));
        // Longer than the client's own gRPC retries (about 20 s), which gave up on main.
        await sleep(25_000);
        const back = await startDevStack({ dataDir: join(dataDir, 'stack'), s3: false });
        expect(back.info.temporal.address).toBe(servers.info.temporal.address);
        servers = back;
        return cli.exit;
      }),
    );
    await native.close();
    expect(exit, cli.stderr()).toEqual({ code: 0, signal: null });
    const result = JSON.parse(cli.stdout()) as { status: string; winner: string; ranking: unknown[] };
    expect(result.status).toBe('completed');
    expect(result.ranking).toHaveLength(3);
    expect(['a', 'b', 'c']).toContain(result.winner);
    expect(cli.stderr().match(/waiting for it to come back/g)).toHaveLength(1);
    expect(cli.stderr()).not.toMatch(STACK_FRAME);
  });

  it('Ctrl-C on sweep start --wait says the sweep goes on and how to watch or cancel it, exit 130', async () => {
    const id = `wait-sigint-${uniqueSuffix()}`;
    // No worker polls these queues: the sweep stays running.
    const cli = spawnNcap(
      ['sweep', 'start', specPath, '--id', id, '--wait', '--store', storeUri, ...address()],
      {
        NCAP_TASK_QUEUE_ORCHESTRATOR: uniqueTaskQueue('idle'),
        NCAP_TASK_QUEUE_GPU: uniqueTaskQueue('idle-gpu'),
      },
    );
    await until('the sweep to start', () => cli.stderr().includes(`Started sweep ${id}`));
    cli.child.kill('SIGINT');
    const exit = await cli.exit;
    expect(exit, cli.stderr()).toEqual({ code: 130, signal: null });
    expect(cli.stderr()).toContain(`sweep ${id} goes on`);
    expect(cli.stderr()).toContain(`ncap sweep watch ${id}`);
    expect(cli.stderr()).toContain(`ncap sweep cancel ${id}`);
    expect(cli.stderr()).not.toMatch(STACK_FRAME);
    const connection = await Connection.connect({ address: servers.info.temporal.address });
    try {
      const handle = new Client({ connection }).workflow.getHandle(id);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.terminate('test done');
    } finally {
      await connection.close();
    }
  });
});
