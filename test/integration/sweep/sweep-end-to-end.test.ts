import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { betaEffPerArc } from '../../../activities/capacitance/line-graph-oracle.js';
import { decodeFloat32Safetensors } from '../../../activities/formats/safetensors.js';
import type { DenseKernel } from '../../../activities/capacitance/network.js';
import type { SweepReport } from '../../../activities/scoring/report-types.js';
import { progressQuery } from '../../../workflows/sweep-api.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../../workflows/sweep-api.js';
import { testS3Options } from '../../helpers/stack.js';
import { createSweepBench, withWorkers, type SweepBench } from './sweep-harness.js';

/** Every snapshot of a candidate straight from the bucket (not through the artifact store). */
async function snapshotKernels(
  s3: S3Client,
  bucket: string,
  sweepId: string,
  candidateId: string,
): Promise<{ key: string; kernels: DenseKernel[] }[]> {
  const prefix = `ncap/sweeps/${sweepId}/candidates/${candidateId}/snapshots/`;
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
  return Promise.all(
    keys.map(async (key) => {
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const { tensors } = decodeFloat32Safetensors(await body.Body!.transformToByteArray());
      const kernels: DenseKernel[] = [];
      for (let l = 0; tensors.has(`ncp.${l}.kernel`); l++) {
        const t = tensors.get(`ncp.${l}.kernel`)!;
        kernels.push({ inDim: t.shape[0]!, outDim: t.shape[1]!, values: t.data });
      }
      return { key, kernels };
    }),
  );
}

describe('sweep end to end (real Temporal dev server, MinIO, TF.js training)', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('e2e');
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('trains 4 candidates and ranks them by the β_eff of their stored snapshots', async () => {
    const candidates = await Promise.all(
      [
        { id: 'narrow', hidden: 6, seed: 1 },
        { id: 'medium', hidden: 12, seed: 2 },
        { id: 'wide', hidden: 24, seed: 3 },
        { id: 'wider', hidden: 32, seed: 4 },
      ].map(async (c) => ({ id: c.id, model: await bench.model(c.id, { hidden: c.hidden, seed: c.seed }) })),
    );
    // Ranked by β_eff on purpose (the default rule is early accuracy): this checks the β_eff path end to end.
    const spec = bench.spec({ name: 'e2e', candidates, selection: { rule: 'beta-eff' } });
    const result = await withWorkers(bench, async () => {
      const started = await bench.start(spec, undefined, { searchAttributes: true });
      const out = await started.handle.result();
      const progress = await started.handle.query(progressQuery);
      return { out, progress, description: await started.handle.describe() };
    });
    const { out, progress, description } = result;
    // Typed search attributes (registered by the dev stack) let ops tooling find sweeps by outcome.
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.status)).toBe('completed');
    expect(description.typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.winner)).toBe(out.winner);
    expect(out.status).toBe('completed');
    expect(out.failed).toEqual([]);
    expect(out.ranking).toHaveLength(4);
    expect(progress.counts.succeeded).toBe(4);
    expect(progress.status).toBe('completed');

    // Independent check: β_eff of the last snapshot of each candidate, by the brute-force line graph over
    // the kernels read straight from the bucket (the input projection left out, as the spec says).
    const s3 = new S3Client(testS3Options());
    const independent = new Map<string, number>();
    for (const { id } of candidates) {
      const snapshots = await snapshotKernels(s3, bench.bucket.bucket, out.sweepId, id);
      expect(snapshots.length).toBeGreaterThanOrEqual(3);
      const last = snapshots.at(-1)!;
      independent.set(id, betaEffPerArc(last.kernels.slice(1)).betaEff);
    }
    const expectedOrder = [...independent.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    expect(out.ranking.map((r) => r.candidateId)).toEqual(expectedOrder);
    expect(out.winner).toBe(expectedOrder[0]);
    for (const r of out.ranking) expect(r.betaEff).toBeCloseTo(independent.get(r.candidateId)!, 6);
    // What the progress query showed is what the ranking used (same scoring settings).
    for (const c of progress.candidates) expect(c.betaEff).toBeCloseTo(independent.get(c.candidateId)!, 6);

    const report = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bench.bucket.bucket, Key: `ncap/${out.reportKey}` }))
      ).Body!.transformToString(),
    ) as SweepReport;
    expect(report.winner).toBe(out.winner);
    expect(report.candidates.map((c) => c.candidateId)).toEqual(expectedOrder);
    s3.destroy();
  });

  it('a broken model URI and a diverging candidate fail alone, with their reasons, without retries', async () => {
    const good = await bench.model('good', { seed: 5 });
    const nan = await bench.model('nan', { seed: 6, nanWeights: true });
    const spec = bench.spec({
      name: 'failures',
      candidates: [
        { id: 'good', model: good },
        { id: 'broken', model: `${good.replace('/good/', '/missing/')}` },
        { id: 'diverges', model: nan },
      ],
      training: { epochs: 1, batchSize: 16, snapshotEvery: 2, maxAttempts: 3 },
    });
    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result());
    expect(out.status).toBe('completed');
    expect(out.winner).toBe('good');
    const failures = Object.fromEntries(out.failed.map((f) => [f.candidateId, f]));
    expect(Object.keys(failures).sort()).toEqual(['broken', 'diverges']);
    expect(failures.broken!.failure.message).toMatch(/missing|not found|no such|ENOENT/i);
    expect(failures.diverges!.failure.type).toBe('NonFiniteLossError');

    // No retry burned: each failed candidate's activity started exactly once.
    const history = await bench.client.workflow.getHandle(out.sweepId).fetchHistory();
    const scheduled = new Map<string, string>();
    for (const e of history.events ?? []) {
      const a = e.activityTaskScheduledEventAttributes;
      if (a?.activityType?.name === 'trainCandidate') {
        const input = JSON.parse(Buffer.from(a.input!.payloads![0]!.data!).toString()) as {
          candidateId: string;
        };
        scheduled.set(String(e.eventId), input.candidateId);
      }
    }
    const attempts = new Map<string, number>();
    for (const e of history.events ?? []) {
      const started = e.activityTaskStartedEventAttributes;
      if (started) {
        const id = scheduled.get(String(started.scheduledEventId));
        if (id) attempts.set(id, started.attempt ?? 1);
      }
    }
    expect(attempts.get('broken')).toBe(1);
    expect(attempts.get('diverges')).toBe(1);
  });

  it('the gradient-coupled model scores a frozen probe from the recorded batch statistics', async () => {
    const candidates = await Promise.all(
      ['gc-a', 'gc-b'].map(async (id, i) => ({
        id,
        model: await bench.model(id, { hidden: 8 + 8 * i, seed: 50 + i }),
      })),
    );
    const spec = bench.spec({
      name: 'gradient-coupled',
      candidates,
      probe: { widths: [8, 6, 4], trainable: false, recordBatchStats: true },
      selection: { interactionModel: 'gradient-coupled', direction: 'higher' },
    });
    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result());
    expect(out.failed).toEqual([]);
    expect(out.ranking).toHaveLength(2);
    const store = bench.stores.get(bench.bucket.uri);
    const report = JSON.parse(Buffer.from(await store.get(out.reportKey!)).toString()) as SweepReport;
    for (const c of report.candidates) {
      expect(Number.isFinite(c.betaEff)).toBe(true);
      // The probe's weights never move, yet β_eff does: it follows the activity of the batch.
      expect(new Set(c.betaTrajectory.map((p) => p.betaEff)).size).toBeGreaterThan(1);
    }
  });
});
