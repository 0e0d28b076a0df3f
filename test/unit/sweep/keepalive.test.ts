/**
 * Issue 22, finding 1: orchestrator activities heartbeat throughout under the spec's heartbeat timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import {
  KEEPALIVE_MAX_INTERVAL_MS,
  keepaliveIntervalMs,
  withKeepalives,
} from '../../../activities/sweep/keepalive.js';
import { prepareProfile, scoreProfile } from '../../../workflows/activity-profiles.js';

describe('orchestrator heartbeats', () => {
  it('sets every orchestrator profile’s heartbeat timeout from training.heartbeatTimeoutSeconds', () => {
    const spec = validateSweepSpec({
      dataset: { uri: 'file:///d.safetensors', normalisation: '[0,1]' },
      candidates: [{ id: 'a', model: 'file:///m/model.json' }],
      training: { heartbeatTimeoutSeconds: 7 },
    });
    expect(prepareProfile(spec).heartbeatTimeout).toBe('7 seconds');
    expect(scoreProfile(spec).heartbeatTimeout).toBe('7 seconds');
  });

  it('heartbeats a third of the timeout apart, at most every 10 s', () => {
    expect(keepaliveIntervalMs(5_000)).toBeCloseTo(5_000 / 3);
    expect(keepaliveIntervalMs(600_000)).toBe(KEEPALIVE_MAX_INTERVAL_MS);
    expect(keepaliveIntervalMs(undefined)).toBe(KEEPALIVE_MAX_INTERVAL_MS);
    expect(keepaliveIntervalMs(300, 2_000)).toBe(2_000);
  });

  it('heartbeats while an activity awaits, and stops when it returns', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 90 });
    let beats = 0;
    env.on('heartbeat', () => void beats++);
    const activities = withKeepalives({
      async slow(ms: number): Promise<string> {
        await sleep(ms);
        return 'done';
      },
    });
    expect(await env.run(activities.slow, 400)).toBe('done');
    // One at the start, then every 30 ms for 400 ms (timers may run late on a busy machine).
    expect(beats).toBeGreaterThanOrEqual(5);
    const after = beats;
    await sleep(150);
    expect(beats).toBe(after);
  });
});
