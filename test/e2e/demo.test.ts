import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_HALVING_RUNGS, DEFAULT_SELECTION_RULE } from '../../activities/spec/sweep-spec.js';
import { runDemo, type DemoOptions } from '../../scripts/demo/demo.js';
import { stack, uniqueTaskQueue } from '../helpers/stack.js';

// The README's main job at reduced size: 3 candidates of the bundled zoo on the default budget, on real data.
describe('npm run demo (reduced: 3 candidates, 300 samples, the default budget)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncap-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = (): DemoOptions => ({
    storeUri: pathToFileURL(join(dir, 'store')).href,
    candidates: 3,
    maxSamples: 300,
    temporalAddress: stack().temporal.address,
    taskQueues: { orchestrator: uniqueTaskQueue('demo'), gpu: uniqueTaskQueue('demo-gpu') },
    progress: false,
    log: () => undefined,
  });

  it('sweeps the zoo to a winner and writes the report; a second run reuses every finished candidate', async () => {
    const first = await runDemo(options());
    expect(first.startedStack).toBe(false);
    expect(first.result.status).toBe('completed');
    expect(first.result.failed).toEqual([]);
    expect(first.result.ranking).toHaveLength(3);
    expect(first.result.winner).toBe(first.result.ranking[0]!.candidateId);
    expect(first.result.reused).toEqual([]);
    expect(existsSync(first.reportHtml)).toBe(true);
    const html = readFileSync(first.reportHtml, 'utf8');
    expect(html).toContain(first.result.winner!);
    expect(first.report.candidates).toHaveLength(3);
    // The demo's winner is the evidence-based defaults' pick: the default rule, spent by halving.
    expect(first.report.selection.appliedRule).toBe(DEFAULT_SELECTION_RULE);
    const bracket = first.result.bracket!;
    expect(bracket.rungs).toEqual(DEFAULT_HALVING_RUNGS);
    expect(bracket.decision?.winner).toBe(first.result.winner);
    expect(first.report.bracket?.decision?.winner).toBe(first.result.winner);
    expect(first.report.compute!.trainSamples).toBeLessThan(first.report.compute!.fullWindowTrainSamples!);
    // Ground truth from the zoo's manifest makes the report evaluate the selection.
    expect(first.report.evaluation?.metrics.length).toBeGreaterThan(0);

    const second = await runDemo(options());
    expect(second.sweepId).toBe(first.sweepId);
    expect(second.result.reused.sort()).toEqual(first.result.ranking.map((r) => r.candidateId).sort());
    expect(second.result.winner).toBe(first.result.winner);
  });
});
