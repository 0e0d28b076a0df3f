import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { createNoopTrainer } from '../../support/noop-trainer.js';
import { createSweepBench, withWorkers, type SweepBench } from './sweep-harness.js';

const PAYLOAD_LIMIT = 256 * 1024;

function payloadSizes(events: temporal.api.history.v1.IHistoryEvent[]): number[] {
  const sizes: number[] = [];
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (value instanceof Uint8Array) return;
    const maybePayload = value as { data?: unknown; metadata?: unknown };
    if (
      maybePayload.data instanceof Uint8Array &&
      maybePayload.metadata &&
      typeof maybePayload.metadata === 'object'
    ) {
      sizes.push(maybePayload.data.byteLength);
      return;
    }
    for (const v of Object.values(value)) visit(v);
  };
  events.forEach(visit);
  return sizes;
}

describe('sweep at scale (no-op trainer: orchestration only)', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('scale');
  });
  afterAll(async () => {
    await bench?.close();
  });

  const zoo = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: `c${String(i).padStart(3, '0')}`,
      model: `file:///zoo/c${i}/model.json`,
    }));

  it('a 100-candidate sweep keeps every payload under 256 KB and runs each candidate in its own child workflow', async () => {
    const trainer = createNoopTrainer();
    const spec = bench.spec({
      name: 'payloads',
      candidates: zoo(100),
      concurrency: { maxParallel: 25, childWorkflowThreshold: 24, candidatesPerRun: 100 },
    });
    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result(), {
      runTraining: trainer,
      concurrency: 25,
    });
    expect(out.ranking).toHaveLength(100);
    expect(trainer.calls).toBe(100);

    const handle = bench.client.workflow.getHandle(out.sweepId);
    const history = await handle.fetchHistory();
    const sizes = payloadSizes(history.events ?? []);
    expect(sizes.length).toBeGreaterThan(100);
    expect(Math.max(...sizes)).toBeLessThan(PAYLOAD_LIMIT);
    const childStarts = (history.events ?? []).filter(
      (e) => e.startChildWorkflowExecutionInitiatedEventAttributes,
    );
    expect(childStarts).toHaveLength(100);
    expect(childStarts[0]?.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId).toBe(
      `${out.sweepId}/c000`,
    );
    const child = await bench.client.workflow.getHandle(`${out.sweepId}/c042`).fetchHistory();
    expect(Math.max(...payloadSizes(child.events ?? []))).toBeLessThan(PAYLOAD_LIMIT);
  });

  it('continues as new to bound history, carrying finished candidates across runs', async () => {
    const trainer = createNoopTrainer();
    const spec = bench.spec({
      name: 'can',
      candidates: zoo(30),
      concurrency: { maxParallel: 5, childWorkflowThreshold: 2, candidatesPerRun: 10 },
    });
    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result(), {
      runTraining: trainer,
      concurrency: 5,
    });
    expect(out.status).toBe('completed');
    expect(out.ranking).toHaveLength(30);
    expect(trainer.calls).toBe(30);
    // Three runs of the same workflow id: two continued-as-new, the last completed.
    const runs = [];
    for await (const wf of bench.client.workflow.list({ query: `WorkflowId = '${out.sweepId}'` }))
      runs.push(wf.status.name);
    expect(runs.filter((s) => s === 'CONTINUED_AS_NEW')).toHaveLength(2);
    expect(runs.filter((s) => s === 'COMPLETED')).toHaveLength(1);
  });
});
