import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidSeriesError } from '../../../activities/capacitance/errors.js';
import { logme } from '../../../activities/selection/logme.js';
import { logmeOffThread, type ThreadLike } from '../../../activities/selection/logme-off-thread.js';
import { mulberry32 } from '../../../activities/training/rng.js';

/** Frozen-like features: class c lifts every C-th unit. */
function makeRequest(samples: number, dims: number, classes: number, seed: number) {
  const random = mulberry32(seed);
  const labels = Int32Array.from({ length: samples }, (_, r) => r % classes);
  const features = new Float32Array(samples * dims);
  for (let r = 0; r < samples; r++)
    for (let c = 0; c < dims; c++)
      features[r * dims + c] = Math.max(0, random() - 0.45 + (c % classes === labels[r] ? 0.4 : 0));
  return { features, samples, dims, labels };
}

/** Ticks of a 5 ms interval timer while `work` runs: the event loop's responsiveness. */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

describe('logmeOffThread', () => {
  // The worker thread runs compiled JavaScript: compile the entry and what it imports, as `npm run build` does.
  let outDir = '';
  let entry: URL;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'ncap-logme-thread-'));
    execFileSync(
      process.execPath,
      [
        'node_modules/typescript/bin/tsc',
        ...['--ignoreConfig', '--outDir', outDir, '--rootDir', '.', '--module', 'nodenext'],
        ...['--target', 'es2022', '--skipLibCheck', '--types', 'node'],
        'activities/selection/logme-thread.ts',
      ],
      { stdio: 'pipe' },
    );
    writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
    entry = pathToFileURL(join(outDir, 'activities/selection/logme-thread.js'));
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('returns the score logme computes on this thread', async () => {
    const request = makeRequest(150, 40, 4, 1);
    const expected = logme(request.features, 150, 40, request.labels);
    expect(await logmeOffThread(request, { entry })).toBe(expected);
  });

  it('keeps the event loop turning while LogME runs at D=2048 (where the same call on this thread blocks it)', async () => {
    const onThread = makeRequest(600, 2048, 10, 2);
    const blocked = await ticksDuring(async () => logme(onThread.features, 600, 2048, onThread.labels));
    expect(blocked).toBe(0);
    const request = makeRequest(600, 2048, 10, 2);
    // More than the one turn the on-thread fallback yields before it blocks.
    const responsive = await ticksDuring(() => logmeOffThread(request, { entry }));
    expect(responsive).toBeGreaterThan(1);
  });

  it('rejects bad input with the error logme gives, and stops when aborted', async () => {
    const bad = { ...makeRequest(10, 3, 2, 3), labels: Int32Array.from({ length: 10 }, () => -1) };
    await expect(logmeOffThread(bad, { entry })).rejects.toThrow(InvalidSeriesError);
    await expect(logmeOffThread(makeRequest(10, 3, 2, 4), { entry })).resolves.toBeTypeOf('number');
    const controller = new AbortController();
    const running = logmeOffThread(makeRequest(600, 700, 5, 5), { entry, signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(running).rejects.toThrow('cancelled');
  });

  it('runs LogME here when the thread never comes online, and lets the stuck thread go unawaited', async () => {
    const request = makeRequest(300, 40, 4, 6);
    const expected = logme(request.features.slice(), 300, 40, request.labels.slice());
    const calls: string[] = [];
    const stuck = Object.assign(new EventEmitter(), {
      terminate: () => {
        calls.push('terminate');
        return new Promise<number>(() => {});
      },
      unref: () => void calls.push('unref'),
    }) as unknown as ThreadLike;
    const value = await logmeOffThread(request, { entry, startupTimeoutMs: 50, spawn: () => stuck });
    expect(value).toBe(expected);
    expect(calls.sort()).toEqual(['terminate', 'unref']);
  });
});
