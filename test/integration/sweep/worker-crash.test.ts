import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CandidateResult } from '../../../activities/training/types.js';
import { testS3Options } from '../../helpers/stack.js';
import { syntheticImages, writeSafetensorsDataset } from '../../unit/training/helpers.js';
import { GPU_WORKER, gpuWorkerBuilt, spawnGpuWorker } from './gpu-worker-process.js';
import { createSweepBench, type SweepBench } from './sweep-harness.js';

describe('a GPU worker killed mid-training', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('crash');
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('is replaced by a second worker that resumes from the last checkpoint without retraining earlier epochs', async () => {
    expect(gpuWorkerBuilt(), `${GPU_WORKER} is missing: run \`npm run build\` (npm test does)`).toBe(true);
    // Enough steps per epoch that the kill lands inside epoch 2.
    const datasetUri = await writeSafetensorsDataset(
      join(bench.dir, 'crash-data'),
      syntheticImages(1200, 3, 8, 8, 1, 3),
    );
    const model = await bench.model('crash-model', { seed: 21 });
    const spec = bench.spec({
      name: 'crash',
      dataset: { uri: datasetUri, normalisation: '[0,1]', validationFraction: 0.1, seed: 2 },
      candidates: [{ id: 'victim', model }],
      training: { epochs: 3, batchSize: 4, snapshotEvery: 25, heartbeatTimeoutSeconds: 5, maxAttempts: 3 },
    });
    const s3 = new S3Client(testS3Options());
    const orchestrator = await bench.orchestrator();
    const out = await orchestrator.runUntil(async () => {
      const first = spawnGpuWorker(bench);
      const started = await bench.start(spec);
      const prefix = `ncap/sweeps/${started.sweepId}/candidates/victim/`;
      // Kill as soon as epoch 1's checkpoint is complete: epoch 2 is then running.
      const deadline = Date.now() + 240_000;
      for (;;) {
        if (Date.now() > deadline) throw new Error('epoch 1 never checkpointed');
        const listed = await s3.send(
          new ListObjectsV2Command({
            Bucket: bench.bucket.bucket,
            Prefix: `${prefix}checkpoints/epoch-0001/`,
          }),
        );
        if ((listed.Contents ?? []).some((o) => o.Key?.endsWith('state.json'))) break;
        await sleep(100);
      }
      first.kill('SIGKILL');
      const killedAt = new Date();
      await new Promise((resolve) => first.once('exit', resolve));
      const second = await bench.gpu({ concurrency: 1 });
      const result = await second.runUntil(started.handle.result());
      return { result, killedAt, prefix };
    });
    expect(out.result.status).toBe('completed');
    expect(out.result.winner).toBe('victim');

    const result = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bench.bucket.bucket, Key: `${out.prefix}result.json` }))
      ).Body!.transformToString(),
    ) as CandidateResult;
    expect(result.resumedFromEpoch).toBe(1);
    expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);

    // Snapshots: the steps an uninterrupted run writes, each once; those of epoch 1 predate the kill
    // (written by the first worker, never rewritten).
    const { stepsPerEpoch, totalSteps, snapshotEvery } = result.training;
    const expected = new Set<number>([0]);
    for (let s = snapshotEvery; s <= totalSteps; s += snapshotEvery) expected.add(s);
    for (let e = 1; e <= 3; e++) expected.add(e * stepsPerEpoch);
    expect(result.snapshots.steps).toEqual([...expected].sort((a, b) => a - b));
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bench.bucket.bucket, Prefix: `${out.prefix}snapshots/` }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toHaveLength(expected.size);
    for (const key of keys) {
      const step = Number(key.split('/').at(-1)!.replace('.safetensors', ''));
      if (step > stepsPerEpoch) continue;
      const head = await s3.send(new HeadObjectCommand({ Bucket: bench.bucket.bucket, Key: key }));
      expect(head.LastModified!.getTime()).toBeLessThanOrEqual(out.killedAt.getTime());
    }

    // Temporal saw the first attempt time out on heartbeats and ran a second one.
    const history = await bench.client.workflow.getHandle(out.result.sweepId).fetchHistory();
    const attempts = (history.events ?? []).flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : [],
    );
    expect(Math.max(...attempts)).toBe(2);
    s3.destroy();
  });

  it('a GPU worker sent SIGTERM mid-epoch checkpoints that epoch, exits, and the candidate resumes elsewhere from it without spending an attempt', async () => {
    expect(gpuWorkerBuilt(), `${GPU_WORKER} is missing: run \`npm run build\` (npm test does)`).toBe(true);
    const datasetUri = await writeSafetensorsDataset(
      join(bench.dir, 'term-data'),
      syntheticImages(480, 3, 8, 8, 1, 4),
    );
    const model = await bench.model('term-model', { seed: 22 });
    const spec = bench.spec({
      name: 'sigterm',
      dataset: { uri: datasetUri, normalisation: '[0,1]', validationFraction: 0.1, seed: 2 },
      candidates: [{ id: 'drained', model }],
      // One attempt: the hand-over must not spend it (issue 22, finding 8), or the candidate fails.
      training: { epochs: 3, batchSize: 4, snapshotEvery: 25, heartbeatTimeoutSeconds: 30, maxAttempts: 1 },
    });
    const s3 = new S3Client(testS3Options());
    const orchestrator = await bench.orchestrator();
    const out = await orchestrator.runUntil(async () => {
      // Grace far longer than an epoch: the worker must leave as soon as its epoch is checkpointed.
      const first = spawnGpuWorker(bench, { NCAP_SHUTDOWN_GRACE_SECONDS: '600' });
      const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
      const started = await bench.start(spec);
      const prefix = `ncap/sweeps/${started.sweepId}/candidates/drained/`;
      const deadline = Date.now() + 240_000;
      for (;;) {
        if (Date.now() > deadline) throw new Error('epoch 1 never checkpointed');
        const listed = await s3.send(
          new ListObjectsV2Command({
            Bucket: bench.bucket.bucket,
            Prefix: `${prefix}checkpoints/epoch-0001/`,
          }),
        );
        if ((listed.Contents ?? []).some((o) => o.Key?.endsWith('state.json'))) break;
        await sleep(100);
      }
      first.kill('SIGTERM');
      const code = await exited;
      const afterExit = await s3.send(
        new ListObjectsV2Command({ Bucket: bench.bucket.bucket, Prefix: `${prefix}checkpoints/` }),
      );
      const second = await bench.gpu({ concurrency: 1 });
      const result = await second.runUntil(started.handle.result());
      return { result, code, output: first.output(), prefix, afterExit };
    });
    expect(out.code, out.output).toBe(0);
    // The epoch running at SIGTERM (2) was finished and checkpointed before the worker exited; not 3.
    const committed = (out.afterExit.Contents ?? [])
      .map((o) => o.Key!)
      .filter((k) => k.endsWith('state.json'));
    expect(committed.map((k) => /epoch-(\d+)/.exec(k)![1])).toEqual(['0001', '0002']);
    expect(out.result.status).toBe('completed');
    expect(out.result.winner).toBe('drained');
    const result = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bench.bucket.bucket, Key: `${out.prefix}result.json` }))
      ).Body!.transformToString(),
    ) as CandidateResult;
    expect(result.resumedFromEpoch).toBe(2);
    expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);

    // The hand-over ended the first training activity as interrupted, in its first and only attempt; the
    // workflow scheduled a second one, whose first attempt resumed: no attempt was spent on the hand-over.
    const history = await bench.client.workflow.getHandle(out.result.sweepId).fetchHistory();
    const events = history.events ?? [];
    const training = events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainCandidate')
      .map((e) => String(e.eventId));
    expect(training).toHaveLength(2);
    const attemptsOf = (scheduled: string) =>
      events.flatMap((e) =>
        String(e.activityTaskStartedEventAttributes?.scheduledEventId) === scheduled
          ? [e.activityTaskStartedEventAttributes!.attempt]
          : [],
      );
    expect(training.map(attemptsOf)).toEqual([[1], [1]]);
    const interrupted = events.find(
      (e) => String(e.activityTaskFailedEventAttributes?.scheduledEventId) === training[0],
    )?.activityTaskFailedEventAttributes?.failure;
    expect(
      interrupted?.cause?.applicationFailureInfo?.type ?? interrupted?.applicationFailureInfo?.type,
    ).toBe('TrainingInterruptedError');
    s3.destroy();
  });
});
