/**
 * Objects corrupted in the store after they were written, detected by the SHA-256 recorded at write:
 * a corrupt checkpoint is skipped and the candidate retrains from the checkpoint before it; a corrupt
 * snapshot makes the scoring report that candidate failed, naming the file and the fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CandidateResult } from '../../../activities/training/types.js';
import { createSweepBench, withWorkers, type SweepBench } from '../sweep/sweep-harness.js';

/** The same bytes with a few of them flipped in the middle: still a well-formed file, other numbers. */
function flipMiddle(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < 4; i++) out[Math.floor(out.length * 0.75) + i]! ^= 0x40;
  return out;
}

describe('artifacts corrupted in the store', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('corrupt');
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('a corrupt checkpoint is retrained from the one before; a corrupt snapshot fails its candidate with the reason', async () => {
    const spec = bench.spec({
      name: 'corrupt',
      candidates: [
        { id: 'ckpt', model: await bench.model('corrupt-ckpt', { seed: 31 }) },
        { id: 'snap', model: await bench.model('corrupt-snap', { seed: 32 }) },
      ],
      training: { epochs: 2, batchSize: 16, snapshotEvery: 2 },
    });
    const store = bench.stores.get(bench.bucket.uri);
    const out = await withWorkers(bench, async () => {
      const first = await (await bench.start(spec)).handle.result();
      const sweep = `sweeps/${first.sweepId}/candidates`;
      // ckpt: unfinished again (no result.json), its last checkpoint's weights corrupted.
      await store.deletePrefix(`${sweep}/ckpt/result.json`);
      const weights = `${sweep}/ckpt/checkpoints/epoch-0002/weights.safetensors`;
      await store.put(weights, flipMiddle(await store.get(weights)));
      // snap: finished, one of its snapshots corrupted.
      const result = JSON.parse(
        Buffer.from(await store.get(`${sweep}/snap/result.json`)).toString('utf8'),
      ) as CandidateResult;
      expect(result.snapshots.sha256).toHaveLength(result.snapshots.steps.length);
      const snapshot = `${result.snapshots.prefix}${String(result.snapshots.steps[2]).padStart(10, '0')}.safetensors`;
      await store.put(snapshot, flipMiddle(await store.get(snapshot)));
      const second = await (await bench.start(spec, first.sweepId)).handle.result();
      return { first, second, snapshot, sweep };
    });
    expect(out.first.ranking).toHaveLength(2);
    expect(out.second.status).toBe('completed');
    expect(out.second.winner).toBe('ckpt');
    const retrained = JSON.parse(
      Buffer.from(await store.get(`${out.sweep}/ckpt/result.json`)).toString('utf8'),
    ) as CandidateResult;
    expect(retrained.resumedFromEpoch).toBe(1);
    expect(retrained.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(out.second.failed).toEqual([
      {
        candidateId: 'snap',
        status: 'failed',
        failure: {
          type: 'ScoringError',
          message: expect.stringMatching(/does not match the SHA-256 recorded when it was written/),
        },
      },
    ]);
    expect(out.second.failed[0]!.failure.message).toContain(out.snapshot);
  });
});
