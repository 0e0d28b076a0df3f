import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  countGpus,
  defaultGpuWorkerProcesses,
  GPU_WORKER_READY,
  GpuWorkerPoolError,
  gpuForSlot,
  plannedGpuWorkerProcesses,
  startGpuWorkerPool,
  type GpuWorkerPool,
  type GpuWorkerPoolOptions,
} from '../../../workers/gpu-worker-pool.js';
import { ConfigError, loadConfig, parseGpuProcesses } from '../../../workers/worker-config.js';

// A stand-in for the GPU worker entry point, so the supervision runs in milliseconds: FAKE_MODE serve
// reports ready with FAKE_BACKEND and runs until SIGTERM; crash writes a line and exits 3; stubborn
// ignores SIGTERM.
const dir = mkdtempSync(join(tmpdir(), 'ncap-pool-'));
const FAKE = join(dir, 'fake-worker.mjs');
writeFileSync(
  FAKE,
  `const mode = process.env.FAKE_MODE;
if (mode === 'crash' || (mode === 'crash-on-gpu-1' && process.env.CUDA_VISIBLE_DEVICES === '1')) {
  console.error('boom: cannot reach Temporal');
  process.exit(3);
}
console.log('cuda ' + (process.env.CUDA_VISIBLE_DEVICES ?? '-'));
process.on('SIGTERM', () => { if (mode !== 'stubborn') { console.log('draining'); process.exit(0); } });
process.once('disconnect', () => process.exit(0));
process.send({ type: '${GPU_WORKER_READY}', backend: process.env.FAKE_BACKEND ?? 'wasm', taskQueue: 'q' });
setInterval(() => {}, 1000);
`,
);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the GPU worker pool (supervision, with a stand-in worker)', { timeout: 20_000 }, () => {
  let pool: GpuWorkerPool | undefined;
  afterEach(async () => {
    // Whatever a failed test left running goes first, so a broken stop() cannot hang the file.
    for (const pid of pool?.pids() ?? []) process.kill(pid, 'SIGKILL');
    await pool?.stop();
    pool = undefined;
  });
  /** stop(), failing after `ms` instead of waiting for ever. */
  const stopWithin = (p: GpuWorkerPool, ms = 5000): Promise<void> =>
    Promise.race([
      p.stop(),
      sleep(ms).then(() => {
        throw new Error(`stop() did not return within ${ms} ms`);
      }),
    ]);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (options: GpuWorkerPoolOptions & { mode?: string; backend?: string }) => {
    const lines: string[] = [];
    const { mode = 'serve', backend, ...rest } = options;
    pool = startGpuWorkerPool({
      entry: FAKE,
      env: {
        ...process.env,
        FAKE_MODE: mode,
        ...(backend ? { FAKE_BACKEND: backend } : {}),
        NCAP_TF_BACKEND: '',
      },
      log: (line) => lines.push(line),
      workerLog: (line) => lines.push(line),
      cores: 3,
      gpus: 0,
      restart: { initialDelayMs: 20 },
      ...rest,
    });
    return { pool, lines };
  };

  it('auto on a machine without GPUs starts one process per core at once, each prefixed in the log', async () => {
    const { pool, lines } = start({ processes: 'auto' });
    expect(await pool.ready).toEqual({ processes: 3, backend: 'wasm' });
    expect(new Set(pool.pids()).size).toBe(3);
    await stopWithin(pool);
    for (const n of [1, 2, 3]) expect(lines).toContain(`[worker ${n}] draining`);
  });

  it('auto with GPUs lets the first process name the backend: one per GPU, each seeing its own', async () => {
    const { pool, lines } = start({ processes: 'auto', gpus: 2, backend: 'tfjs-node-gpu' });
    expect(await pool.ready).toEqual({ processes: 2, backend: 'tfjs-node-gpu' });
    expect(lines).toContain('[worker 1] cuda 0');
    expect(lines).toContain('[worker 2] cuda 1');
    await stopWithin(pool);
    const cpu = start({ processes: 'auto', gpus: 2, backend: 'tfjs-node' });
    expect(await cpu.pool.ready).toEqual({ processes: 3, backend: 'tfjs-node' });
  });

  it('starts a process that died again, under the same slot', async () => {
    const { pool, lines } = start({ processes: 2 });
    await pool.ready;
    const [first, second] = pool.pids();
    process.kill(first!, 'SIGKILL');
    for (let i = 0; i < 200 && !(pool.pids().length === 2 && !pool.pids().includes(first!)); i++)
      await sleep(25);
    expect(pool.pids()).toHaveLength(2);
    expect(pool.pids()).not.toContain(first);
    expect(pool.pids()).toContain(second);
    expect(lines.some((l) => /^worker 1: pid \d+ ended \(signal SIGKILL\); starting it again/.test(l))).toBe(
      true,
    );
    const all = pool.pids();
    await stopWithin(pool);
    expect(all.filter(alive)).toEqual([]);
  });

  it('reports a crash loop with the last output instead of restarting for ever, and stops the rest', async () => {
    // Slot 2 (GPU 1) crashes at every start; slot 1 runs.
    const { pool, lines } = start({
      processes: 2,
      gpus: 2,
      mode: 'crash-on-gpu-1',
      restart: { initialDelayMs: 10, maxConsecutiveCrashes: 3 },
    });
    const error = await pool.failed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuWorkerPoolError);
    expect((error as Error).message).toMatch(/worker 2 exited 3 times in a row.*last: exit code 3/s);
    expect((error as Error).message).toContain('boom: cannot reach Temporal');
    await expect(pool.ready).rejects.toBeInstanceOf(GpuWorkerPoolError);
    expect(lines.filter((l) => /^worker 2: started/.test(l))).toHaveLength(3);
    // The back-off doubles per consecutive crash.
    expect(
      lines.filter((l) => /^worker 2: .* starting it again in/.test(l)).map((l) => l.split(' in ')[1]),
    ).toEqual(['10 ms', '20 ms']);
    // The pool stops the healthy process itself.
    for (let i = 0; i < 200 && pool.pids().length > 0; i++) await sleep(25);
    expect(pool.pids()).toEqual([]);
    expect(lines).toContain('[worker 1] draining');
  });

  it('stop() kills a process still running after the stop timeout', async () => {
    const { pool, lines } = start({ processes: 1, mode: 'stubborn', stopTimeoutSeconds: 0.2 });
    await pool.ready;
    const [pid] = pool.pids();
    await stopWithin(pool);
    expect(alive(pid!)).toBe(false);
    expect(lines.some((l) => l.includes('still running 0.2 s after SIGTERM'))).toBe(true);
  });
});

describe('process counts', () => {
  it('auto is one per GPU on tfjs-node-gpu and one per core otherwise', () => {
    const machine = { cores: 2, gpus: 4 };
    expect(defaultGpuWorkerProcesses('tfjs-node-gpu', machine)).toBe(4);
    expect(defaultGpuWorkerProcesses('tfjs-node-gpu', { cores: 2, gpus: 0 })).toBe(1);
    for (const b of ['tfjs-node', 'wasm', 'cpu'] as const)
      expect(defaultGpuWorkerProcesses(b, machine)).toBe(2);
    // Known before any process starts unless a GPU machine might run either kind.
    expect(plannedGpuWorkerProcesses({}, { cores: 2, gpus: 0 })).toBe(2);
    expect(plannedGpuWorkerProcesses({}, { cores: 2, gpus: 4 })).toBeUndefined();
    expect(plannedGpuWorkerProcesses({ NCAP_TF_BACKEND: 'wasm' }, { cores: 2, gpus: 4 })).toBe(2);
    expect(plannedGpuWorkerProcesses({ NCAP_TF_BACKEND: 'tfjs-node-gpu' }, { cores: 2, gpus: 4 })).toBe(4);
  });

  it('counts the GPUs nvidia-smi -L lists, none without it', () => {
    const listed =
      'GPU 0: NVIDIA H200 (UUID: GPU-1)\nGPU 1: NVIDIA H200 (UUID: GPU-2)\n  MIG 1g.18gb Device 0: (UUID: MIG-3)\n';
    expect(countGpus(() => listed)).toBe(2);
    expect(countGpus(() => undefined)).toBe(0);
  });

  it('gives each slot one visible GPU, wrapping, within CUDA_VISIBLE_DEVICES when set', () => {
    expect([0, 1, 2].map((s) => gpuForSlot(s, 2, undefined))).toEqual(['0', '1', '0']);
    expect([0, 1].map((s) => gpuForSlot(s, 8, '3, 5'))).toEqual(['3', '5']);
    expect(gpuForSlot(0, 0, undefined)).toBeUndefined();
  });

  it('NCAP_GPU_PROCESSES and --processes take auto or a positive integer, else an error naming them', () => {
    expect(loadConfig({}).gpuProcesses).toBe('auto');
    expect(loadConfig({ NCAP_GPU_PROCESSES: '3' }).gpuProcesses).toBe(3);
    expect(() => loadConfig({ NCAP_GPU_PROCESSES: '0' })).toThrow(
      /NCAP_GPU_PROCESSES must be a positive integer or 'auto'/,
    );
    expect(() => parseGpuProcesses('--processes', 'two')).toThrow(ConfigError);
    expect(() => loadConfig({ NCAP_LOG_LEVEL: 'loud' })).toThrow(/NCAP_LOG_LEVEL must be one of TRACE/);
    expect(loadConfig({ NCAP_LOG_LEVEL: 'warn' }).logLevel).toBe('WARN');
  });
});
