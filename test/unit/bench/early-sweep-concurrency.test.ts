/**
 * A benchmark rerun with another `--parallel` on a store whose early sweeps were made with one setting.
 * Early-sweep ids leave out concurrency, but the product compares the whole stored spec (prepareSweep's
 * check, reproduced here on the same functions) and refused the rerun as "a different spec".
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateRecordedSpec } from '../../../activities/spec/sweep-spec.js';
import { FileStore } from '../../../activities/store/file-store.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import { canonicalJson, readStoredSpec, SPEC_RECORD_VERSION } from '../../../activities/sweep/stored-spec.js';
import { earlySweepSpec, type EarlyTask } from '../../../bench/selection/early-sweeps.js';
import { withStoredConcurrency } from '../../../bench/selection/run-early.js';
import type { SweepSpec } from '../../../activities/spec/sweep-spec.js';

const task: EarlyTask = {
  name: 'real-zoo',
  trainUri: 'file:///tmp/real/train.safetensors',
  validationUri: 'file:///tmp/real/validation.safetensors',
  trainSamples: 600,
  normalisation: '[0,1]',
  mode: 'frozen',
  batchSize: 64,
  learningRate: 0.002,
  probeWidths: [256, 128, 64],
  candidates: ['a', 'b', 'c'].map((id) => ({ id, model: `file:///tmp/real/${id}/model.json` })),
};

let root: string;
let store: FileStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ncap-early-concurrency-'));
  store = new FileStore(root, { fsync: false });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Stores `spec` as prepareSweep does. */
async function storeSpec(spec: SweepSpec): Promise<void> {
  const stored = {
    version: SPEC_RECORD_VERSION,
    sweepId: spec.id,
    storeUri: 'file://x',
    spec,
    createdAt: '',
  };
  await store.put(sweepKeys(spec.id!).spec, JSON.stringify(stored));
}

/** prepareSweep's test: the stored spec and the started one must be equal, canonically. */
async function productAccepts(spec: SweepSpec): Promise<boolean> {
  const existing = await readStoredSpec(store, spec.id!);
  return canonicalJson(existing!.spec) === canonicalJson(validateRecordedSpec(spec));
}

describe('withStoredConcurrency', () => {
  it('a sweep stored with --parallel 1 is continued by a --parallel 4 run, with a line saying so', async () => {
    await storeSpec(earlySweepSpec(task, 'trainable', 1));
    const asked = earlySweepSpec(task, 'trainable', 4);
    expect(await productAccepts(asked)).toBe(false); // the refusal this fixes
    const lines: string[] = [];
    const spec = await withStoredConcurrency(store, asked, (line) => lines.push(line));
    expect(spec.concurrency.maxParallel).toBe(1);
    expect(await productAccepts(spec)).toBe(true);
    expect(lines).toEqual([
      expect.stringMatching(/stored with concurrency.maxParallel 1: it runs with that, not 4/),
    ]);
  });

  it('leaves the spec alone when nothing is stored, or the stored one has the same concurrency', async () => {
    const asked = earlySweepSpec(task, 'trainable', 4);
    const lines: string[] = [];
    expect(await withStoredConcurrency(store, asked, (line) => lines.push(line))).toBe(asked);
    await storeSpec(asked);
    expect(await withStoredConcurrency(store, asked, (line) => lines.push(line))).toBe(asked);
    expect(lines).toEqual([]);
  });

  it('a stored spec that differs in more than concurrency is still refused by the product', async () => {
    const stored = earlySweepSpec(task, 'trainable', 1);
    await storeSpec({ ...stored, training: { ...stored.training, learningRate: 0.01 } });
    const asked = earlySweepSpec(task, 'trainable', 4);
    const spec = await withStoredConcurrency(store, asked, () => undefined);
    expect(spec).toBe(asked);
    expect(await productAccepts(spec)).toBe(false);
  });
});
