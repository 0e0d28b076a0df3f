/**
 * The spec record reader: recorded specs of older shapes — here the workflow inputs of the committed
 * histories, recorded before budgets and keepTies existed and before a halving window followed its rungs —
 * come back in the current shape, as those sweeps ran; a current spec passes through unchanged.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { upgradeRecordedSpec } from '../../../activities/spec/recorded-spec.js';
import { validateRecordedSpec, validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { parseStoredSpec, SPEC_RECORD_VERSION } from '../../../activities/sweep/stored-spec.js';

/** The spec of the workflow input recorded in a committed history. */
function recordedInputSpec(history: string): Record<string, unknown> {
  const text = readFileSync(new URL(`../../fixtures/histories/${history}`, import.meta.url), 'utf8');
  const events = (JSON.parse(text) as { events: Record<string, any>[] }).events; // eslint-disable-line @typescript-eslint/no-explicit-any
  const payload = events[0]!.workflowExecutionStartedEventAttributes.input.payloads[0];
  return JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')).spec;
}

describe('recorded spec reader', () => {
  it('reads a spec recorded before budgets existed as a fixed window', () => {
    const old = recordedInputSpec('sweep-3-candidates.json');
    expect(old.budget).toBeUndefined();
    const spec = validateRecordedSpec(old);
    expect(spec.budget).toEqual({ strategy: 'fixed' });
    expect(spec.training.epochs).toBe((old.training as { epochs: number }).epochs);
    // The workflow reads it without validating: the same budget.
    expect(upgradeRecordedSpec(old).budget).toEqual(spec.budget);
  });

  it('reads a halving spec recorded before keepTies and the rung window: no ties kept, window = last rung', () => {
    const old = recordedInputSpec('sweep-halving.json');
    const budget = old.budget as { rungs: number[]; keepTies?: boolean };
    expect(budget.keepTies).toBeUndefined();
    expect((old.training as { epochs: number }).epochs).not.toBe(budget.rungs.at(-1));
    const spec = validateRecordedSpec(old);
    expect(spec.budget).toMatchObject({ strategy: 'halving', rungs: budget.rungs, keepTies: false });
    expect(spec.training.epochs).toBe(budget.rungs.at(-1));
    // The workflow's own reading (no validation inside the sandbox) agrees on what it reads.
    const upgraded = upgradeRecordedSpec(old) as unknown as typeof spec;
    expect(upgraded.budget).toEqual(spec.budget);
    expect(upgraded.training.epochs).toBe(spec.training.epochs);
  });

  it('passes a current spec through unchanged, and is idempotent', () => {
    for (const budget of [{ strategy: 'fixed' }, { strategy: 'halving', rungs: [0.5, 1], keepTies: true }]) {
      const spec = validateSweepSpec({
        dataset: { uri: 'file:///data/d.safetensors' },
        candidates: [{ id: 'a', model: 'file:///zoo/a/model.json' }],
        budget,
      });
      expect(upgradeRecordedSpec(spec)).toEqual(spec);
      expect(validateRecordedSpec(spec)).toEqual(spec);
    }
    const old = recordedInputSpec('sweep-halving.json');
    expect(upgradeRecordedSpec(upgradeRecordedSpec(old))).toEqual(upgradeRecordedSpec(old));
  });

  it('reads a version-1 spec.json record as the current version, its spec upgraded', () => {
    const spec = recordedInputSpec('sweep-halving.json');
    const stored = parseStoredSpec({
      version: 1,
      sweepId: 's1',
      storeUri: 'file:///tmp/store',
      spec,
      createdAt: '2026-01-01T00:00:00Z',
    });
    expect(stored).toEqual({
      version: SPEC_RECORD_VERSION,
      sweepId: 's1',
      storeUri: 'file:///tmp/store',
      spec: validateRecordedSpec(spec),
      createdAt: '2026-01-01T00:00:00Z',
    });
    expect(SPEC_RECORD_VERSION).toBe(2);
  });
});
