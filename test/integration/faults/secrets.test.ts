/**
 * Secrets planted in the environment (the S3 secret key, the codec key, a Temporal API key) never reach
 * the workflow history, the worker's log, the report, the result or its error messages; with the codec on,
 * the history holds only ciphertext, and the codec server gives the UI the plaintext back.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep } from '../../../scripts/sweeps/sweep-client.js';
import { listSweeps, type SweepListRow } from '../../../scripts/sweeps/sweep-list.js';
import { createCodecServer } from '../../../workers/codec-server.js';
import { createOrchestratorWorker } from '../../../workers/create-workers.js';
import { AesGcmPayloadCodec, dataConverterOption } from '../../../workers/payload-codec.js';
import { stack } from '../../helpers/stack.js';
import { GPU_WORKER, gpuWorkerBuilt, spawnGpuWorker } from '../sweep/gpu-worker-process.js';
import { createSweepBench, type SweepBench } from '../sweep/sweep-harness.js';

/** Every `{ metadata, data }` payload object inside a (JSON-shaped) history. */
function payloadsIn(value: unknown, out: Payload[] = []): Payload[] {
  if (Array.isArray(value)) for (const v of value) payloadsIn(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && o.data instanceof Uint8Array) out.push(o as Payload);
    else for (const v of Object.values(o)) payloadsIn(v, out);
  }
  return out;
}

describe('secrets stay secret; payloads are encrypted end to end', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('secrets');
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('a sweep with the codec on: ciphertext in history, no secret anywhere, plaintext via the codec server', async () => {
    expect(gpuWorkerBuilt(), `${GPU_WORKER} is missing: run \`npm run build\` (npm test does)`).toBe(true);
    const codecKey = randomBytes(32).toString('base64');
    const apiKey = `tmprl-planted-${randomBytes(12).toString('hex')}`;
    const secrets = { codecKey, apiKey, s3Secret: stack().s3.secretAccessKey };
    const codec = new AesGcmPayloadCodec([
      { id: 'old', key: randomBytes(32) },
      { id: 'live', key: Buffer.from(codecKey, 'base64') },
    ]);
    const spec = bench.spec({
      name: 'secrets',
      candidates: [
        { id: 'plaintext-marker-good', model: await bench.model('secret-good', { seed: 3 }) },
        { id: 'plaintext-marker-broken', model: 'file:///nowhere/model.json' },
      ],
      training: { epochs: 1, batchSize: 16, snapshotEvery: 4 },
    });
    const gpu = spawnGpuWorker(bench, {
      NCAP_CODEC_KEYS: `old:${randomBytes(32).toString('base64')},live:${codecKey}`,
      TEMPORAL_API_KEY: apiKey,
      TEMPORAL_TLS: 'false',
    });
    const exited = new Promise((resolve) => gpu.once('exit', resolve));
    const orchestrator = await createOrchestratorWorker({
      connection: bench.nativeConnection,
      namespace: 'default',
      taskQueue: bench.taskQueues.orchestrator,
      stores: bench.stores,
      defaultStoreUri: bench.bucket.uri,
      codec,
    });
    const client = new Client({ connection: bench.connection, ...dataConverterOption(codec) });
    let result;
    try {
      result = await orchestrator.runUntil(async () => {
        const started = await startSweep(client, {
          spec,
          defaultStoreUri: bench.bucket.uri,
          taskQueues: bench.taskQueues,
        });
        return started.handle.result();
      });
    } finally {
      gpu.kill('SIGTERM');
      await exited;
    }
    expect(result.winner).toBe('plaintext-marker-good');
    expect(result.failed.map((f) => f.candidateId)).toEqual(['plaintext-marker-broken']);

    const history = await bench.client.workflow.getHandle(result.sweepId).fetchHistory();
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(5);
    // Every payload is ciphertext under the newest key; none carries a candidate id in clear.
    for (const p of payloads) {
      expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(p.metadata!['encryption-key-id']!).toString()).toBe('live');
      expect(Buffer.from(p.data!).toString('latin1')).not.toContain('plaintext-marker');
    }
    const decoded = await codec.decode(payloads);
    const plainHistory = decoded
      .map((p) => JSON.stringify(defaultPayloadConverter.fromPayload(p)))
      .join('\n');
    expect(plainHistory).toContain('plaintext-marker-good');

    // `sweep list` shows the sweep to a client with the key, and lists it without one instead of failing on
    // a memo it cannot decrypt.
    const listed = (rows: SweepListRow[]) => rows.find((r) => r.sweepId === result.sweepId);
    expect(listed(await listSweeps(client, 100))).toMatchObject({ name: 'secrets', status: 'completed' });
    const keyless = new Client({ connection: bench.connection });
    expect(listed(await listSweeps(keyless, 100))).toMatchObject({ name: '', status: 'completed' });

    // The codec server, as the UI calls it, returns the same plaintext.
    const server = createCodecServer({ codec });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          payloads: payloads.slice(0, 1).map((p) => ({
            metadata: Object.fromEntries(
              Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
            ),
            data: Buffer.from(p.data!).toString('base64'),
          })),
        }),
      });
      const body = (await res.json()) as { payloads: { data: string }[] };
      expect(Buffer.from(body.payloads[0]!.data, 'base64').toString()).toContain('plaintext-marker');
    } finally {
      server.close();
    }

    // No secret in: the raw and the decoded history, the worker's log, the result, the report.
    const store = bench.stores.get(bench.bucket.uri);
    const places: Record<string, string> = {
      history: JSON.stringify(history, (_, v: unknown) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
      ),
      decodedHistory: plainHistory,
      workerLog: gpu.output(),
      result: JSON.stringify(result),
      reportJson: Buffer.from(await store.get(`sweeps/${result.sweepId}/report.json`)).toString('utf8'),
      reportHtml: Buffer.from(await store.get(`sweeps/${result.sweepId}/report.html`)).toString('utf8'),
    };
    expect(places.workerLog).toMatch(/ncap gpu worker: queue/);
    for (const [where, text] of Object.entries(places))
      for (const [name, secret] of Object.entries(secrets))
        expect(text, `${name} in ${where}`).not.toContain(secret);
  });
});
