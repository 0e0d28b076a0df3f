/**
 * Permanent failures end to end: each bad candidate fails alone, with its class name as the failure type
 * and a reason naming the fix, non-retryable, after exactly one attempt; the good candidate still wins.
 */
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticImages, writeSafetensorsDataset } from '../../unit/training/helpers.js';
import { createSweepBench, withWorkers, type SweepBench } from '../sweep/sweep-harness.js';
import { trainingAttempts } from '../../../scripts/sweeps/training-attempts.js';

describe('bad input, end to end: a clear non-retryable failure of that candidate only', () => {
  let bench: SweepBench;
  let http: Server;
  let httpRoot: string;
  beforeAll(async () => {
    bench = await createSweepBench('badin');
    // An HTTP model zoo that has no such model (404) and forbids another (403).
    http = createServer((req, res) => {
      res.statusCode = req.url?.includes('forbidden') ? 403 : 404;
      res.end('no');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const address = http.address();
    httpRoot = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    http?.close();
    await bench?.close();
  });

  it('a truncated model.json and HTTP 404/403 models fail alone, one attempt each', async () => {
    const good = await bench.model('good', { seed: 5 });
    // A model.json cut in half, as an interrupted upload leaves it.
    const truncated = await bench.model('truncated', { seed: 6 });
    const text = await readFile(fileURLToPath(truncated), 'utf8');
    await writeFile(fileURLToPath(truncated), text.slice(0, Math.floor(text.length / 2)));

    const spec = bench.spec({
      name: 'bad-inputs',
      candidates: [
        { id: 'good', model: good },
        { id: 'truncated', model: truncated },
        { id: 'http-404', model: `${httpRoot}/zoo/missing/model.json` },
        { id: 'http-403', model: `${httpRoot}/zoo/forbidden/model.json` },
      ],
      training: { epochs: 1, batchSize: 16, snapshotEvery: 2, maxAttempts: 3 },
    });
    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result());
    expect(out.status).toBe('completed');
    expect(out.winner).toBe('good');
    const failures = Object.fromEntries(out.failed.map((f) => [f.candidateId, f.failure]));
    expect(Object.keys(failures).sort()).toEqual(['http-403', 'http-404', 'truncated']);
    expect(failures.truncated).toMatchObject({ type: 'IncompatibleModelError' });
    expect(failures.truncated!.message).toMatch(/model\.json.*is not JSON/);
    expect(failures['http-404']).toMatchObject({ type: 'IncompatibleModelError' });
    expect(failures['http-404']!.message).toMatch(/not found/);
    expect(failures['http-403']).toMatchObject({ type: 'IncompatibleModelError' });
    expect(failures['http-403']!.message).toMatch(/HTTP 403/);

    const attempts = trainingAttempts(await bench.client.workflow.getHandle(out.sweepId).fetchHistory());
    for (const id of ['truncated', 'http-404', 'http-403'])
      expect(attempts.get(id), id).toEqual({ attempt: 1, nonRetryable: true });
    expect(attempts.get('good')).toEqual({ attempt: 1, nonRetryable: null });
  });

  // A learning rate within the spec's cap (≤ 10) only kills the ReLUs of these toy nets (the loss stays
  // finite), so the divergence comes from inputs scaled to overflow float32 at the first step.
  it('a run whose loss turns non-finite fails that candidate once, naming the fix', async () => {
    const model = await bench.model('overflow', { seed: 7 });
    const spec = bench.spec({
      name: 'non-finite',
      candidates: [{ id: 'overflows', model }],
      dataset: { uri: bench.datasetUri, normalisation: { scale: 1e38 }, validationFraction: 0.25, seed: 1 },
      training: { epochs: 1, batchSize: 16, snapshotEvery: 2, maxAttempts: 3, learningRate: 10 },
    });
    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result());
    expect(out.winner).toBeNull();
    expect(out.failed).toHaveLength(1);
    expect(out.failed[0]!.failure.type).toBe('NonFiniteLossError');
    expect(out.failed[0]!.failure.message).toMatch(
      /lower training\.learningRate or check the dataset normalisation/,
    );
    const attempts = trainingAttempts(await bench.client.workflow.getHandle(out.sweepId).fetchHistory());
    expect(attempts.get('overflows')).toEqual({ attempt: 1, nonRetryable: true });
  });

  it('labels beyond dataset.numClasses and a checkpoint of another setup fail once, naming the field', async () => {
    // Labels 0..3 but numClasses 3.
    const datasetUri = await writeSafetensorsDataset(
      join(bench.dir, 'four'),
      syntheticImages(64, 4, 8, 8, 1, 3),
    );
    const model = await bench.model('labels', { seed: 8 });
    const labels = bench.spec({
      name: 'bad-labels',
      candidates: [{ id: 'labels', model }],
      dataset: { uri: datasetUri, normalisation: '[0,1]', numClasses: 3 },
      training: { epochs: 1, batchSize: 16, maxAttempts: 3 },
    });

    // A sweep whose candidate trains and checkpoints, then a second sweep of the same id and candidate
    // with another model: its stored checkpoint belongs to a different setup.
    const a = await bench.model('ckpt-a', { seed: 9 });
    const first = bench.spec({
      name: 'ckpt',
      candidates: [{ id: 'c', model: a }],
      training: { epochs: 1, batchSize: 16, snapshotEvery: 4, maxAttempts: 3 },
    });
    const out = await withWorkers(bench, async () => {
      const labelsOut = await (await bench.start(labels)).handle.result();
      const firstOut = await (await bench.start(first, 'ckpt-foreign')).handle.result();
      // Keep the checkpoint, drop the result and the recorded spec, so the next run must resume.
      const store = bench.stores.get(bench.bucket.uri);
      const keys = [];
      for await (const info of store.list('sweeps/ckpt-foreign/')) keys.push(info.key);
      const checkpoint = keys.filter((k) => k.includes('/checkpoints/'));
      expect(checkpoint.length).toBeGreaterThan(0);
      const saved = await Promise.all(checkpoint.map(async (k) => [k, await store.get(k)] as const));
      await store.deletePrefix('sweeps/ckpt-foreign/');
      for (const [k, bytes] of saved) await store.put(k, bytes);
      const second = bench.spec({
        name: 'ckpt',
        candidates: [{ id: 'c', model: a }],
        training: { epochs: 2, batchSize: 8, snapshotEvery: 4, maxAttempts: 3 },
      });
      const secondOut = await (await bench.start(second, 'ckpt-foreign')).handle.result();
      return { labelsOut, firstOut, secondOut };
    });
    expect(out.labelsOut.failed[0]!.failure.type).toBe('DatasetError');
    expect(out.labelsOut.failed[0]!.failure.message).toMatch(/dataset\.numClasses/);
    expect(
      trainingAttempts(await bench.client.workflow.getHandle(out.labelsOut.sweepId).fetchHistory()).get(
        'labels',
      ),
    ).toEqual({ attempt: 1, nonRetryable: true });

    expect(out.firstOut.winner).toBe('c');
    expect(out.secondOut.failed[0]!.failure.type).toBe('CheckpointMismatchError');
    const secondRun = await bench.client.workflow.getHandle('ckpt-foreign').fetchHistory();
    expect(trainingAttempts(secondRun).get('c')).toEqual({ attempt: 1, nonRetryable: true });
  });
});
