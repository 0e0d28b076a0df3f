import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGpuWorkerPool } from '../../../workers/gpu-worker-pool.js';
import { stack, uniqueTaskQueue } from '../../helpers/stack.js';
import { GPU_WORKER, gpuWorkerBuilt } from './gpu-worker-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ACTIVITY_QUEUE = 2 as temporal.api.enums.v1.TaskQueueType; // TASK_QUEUE_TYPE_ACTIVITY

/** True while the process exists and is not a zombie (an orphan's parent may never reap it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}

// Real GPU worker processes (the compiled entry point) on the test Temporal server, cpu backend.
describe('the GPU worker pool with real worker processes', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: stack().temporal.address });
  });
  afterAll(async () => {
    await connection?.close();
  });
  const env = (queue: string): NodeJS.ProcessEnv => ({
    ...process.env,
    TEMPORAL_ADDRESS: stack().temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    NCAP_TASK_QUEUE_GPU: queue,
    NCAP_TF_BACKEND: 'cpu',
    NCAP_LOG_LEVEL: 'WARN',
  });
  /** Process ids polling the queue for activity tasks, from the server's view of its pollers. */
  const pollingPids = async (queue: string): Promise<number[]> => {
    const described = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: queue },
      taskQueueType: ACTIVITY_QUEUE,
    });
    return (described.pollers ?? []).flatMap((p) => {
      const [pid, host] = (p.identity ?? '').split('@');
      return host === hostname() ? [Number(pid)] : [];
    });
  };

  it('runs N processes that poll the GPU queue, replaces a killed one, and stops them all', async () => {
    expect(gpuWorkerBuilt(), `${GPU_WORKER} is missing: run \`npm run build\` (npm test does)`).toBe(true);
    const queue = uniqueTaskQueue('pool');
    const lines: string[] = [];
    const pool = startGpuWorkerPool({
      processes: 2,
      env: env(queue),
      log: (line) => lines.push(line),
      workerLog: (line) => lines.push(line),
      restart: { initialDelayMs: 100 },
      stopTimeoutSeconds: 60,
    });
    const seen = new Set<number>();
    try {
      expect(await pool.ready).toEqual({ processes: 2, backend: 'cpu' });
      const first = pool.pids();
      first.forEach((pid) => seen.add(pid));
      expect(new Set(first).size).toBe(2);
      await until('both processes poll', async () => {
        const polling = await pollingPids(queue);
        return first.every((pid) => polling.includes(pid));
      });

      process.kill(first[0]!, 'SIGKILL');
      await until('the killed process is replaced', () => {
        const now = pool.pids();
        return now.length === 2 && !now.includes(first[0]!);
      });
      const replacement = pool.pids().find((pid) => !first.includes(pid))!;
      seen.add(replacement);
      await until('the replacement polls', async () => (await pollingPids(queue)).includes(replacement));
    } finally {
      await pool.stop();
    }
    expect([...seen].filter(alive), lines.join('\n')).toEqual([]);
    expect(lines.some((l) => /^\[worker 2\] ncap gpu worker: queue /.test(l))).toBe(true);
  });

  it('ncap worker gpu --processes 2: SIGTERM stops every process cleanly; a killed supervisor leaves no orphan', async () => {
    expect(gpuWorkerBuilt(), `${GPU_WORKER} is missing: run \`npm run build\` (npm test does)`).toBe(true);
    const supervise = (queue: string) => {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin', 'ncap.js'), 'worker', 'gpu', '--processes', '2'],
        {
          cwd: ROOT,
          env: env(queue),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const pids = () => [...output.matchAll(/worker \d: started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
      return { child, exited, pids, output: () => output };
    };

    const stopped = supervise(uniqueTaskQueue('pool-term'));
    await until('2 processes poll', () => /2 processes polling/.test(stopped.output()));
    const children = stopped.pids();
    expect(children).toHaveLength(2);
    stopped.child.kill('SIGTERM');
    expect(await stopped.exited, stopped.output()).toBe(0);
    expect(children.filter(alive), stopped.output()).toEqual([]);
    expect(stopped.output()).toMatch(/SIGTERM: stopping every worker process/);

    const killed = supervise(uniqueTaskQueue('pool-kill'));
    await until('2 processes poll', () => /2 processes polling/.test(killed.output()));
    const orphans = killed.pids();
    killed.child.kill('SIGKILL');
    await killed.exited;
    await until('the orphaned workers exit', () => orphans.every((pid) => !alive(pid)), 30_000);
  });
});
