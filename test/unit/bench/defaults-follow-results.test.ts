/**
 * The product's defaults are what the committed benchmark results support: the selection rule named by
 * bench/selection/RESULTS.md's verdict, and the budget (strategy, rungs, keepTies) named by its
 * time-to-decision verdict. Regenerating RESULTS.md to a different verdict fails this test until the
 * defaults follow it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUDGET_STRATEGY,
  DEFAULT_HALVING_RUNGS,
  DEFAULT_KEEP_TIES,
  DEFAULT_SELECTION_RULE,
} from '../../../activities/spec/sweep-spec.js';
import { epochLabel } from '../../../bench/ttd/strategies.js';

const results = readFileSync(new URL('../../../bench/selection/RESULTS.md', import.meta.url), 'utf8');

describe('defaults follow bench/selection/RESULTS.md', () => {
  it('the selection rule is the selection verdict’s winner', () => {
    const winner = /^- \*\*Winner on [^:]+: `([^`]+)`/m.exec(results);
    expect(winner, 'RESULTS.md has no "Winner on …" verdict line').not.toBeNull();
    expect(DEFAULT_SELECTION_RULE).toBe(winner![1]);
  });

  it('the budget is the one the time-to-decision table supports', () => {
    const line = results.split('\n').find((l) => l.startsWith('- Default strategy the table supports'));
    expect(line, 'RESULTS.md has no time-to-decision default line').toBeDefined();
    const strategy = /the table supports `budget\.strategy: (\w+)` as the default/.exec(line!);
    expect(strategy).not.toBeNull();
    expect(DEFAULT_BUDGET_STRATEGY).toBe(strategy![1]);
    if (DEFAULT_BUDGET_STRATEGY !== 'halving') return;
    expect(line).toContain(`rungs ${DEFAULT_HALVING_RUNGS.map(epochLabel).join(', ')} ep`);
    expect(line).toContain(`${DEFAULT_KEEP_TIES ? 'with' : 'without'} \`budget.keepTies\``);
  });
});
