import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { confidenceLines, nearTieText } from '../../../activities/report/confidence-text.js';
import { decisionConfidence } from '../../../activities/scoring/decision-confidence-report.js';
import { accuracyStandardError } from '../../../activities/scoring/score-rung.js';
import { rungConfidence } from '../../../activities/selection/decision-confidence.js';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { FileStore } from '../../../activities/store/file-store.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import { writeOutcomes } from '../../../activities/training/outcome-bitmap.js';
import { mulberry32 } from '../../../activities/training/rng.js';
import type { CandidateResult } from '../../../activities/training/types.js';
import { bracketSummary, recordScore, startHalving, halvingConfigOf } from '../../../workflows/halving.js';

const dir = mkdtempSync(join(tmpdir(), 'ncap-confidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = new FileStore(pathToFileURL(dir).href, { fsync: false });

const VAL = 400;
const TRAIN = 1000;
const BATCH = 32;
const STEPS_PER_EPOCH = Math.ceil(TRAIN / BATCH); // 32
const RUNGS = [0.25, 0.5, 1];
/** The step a rung's window ends at, written out (round(epochs × steps per epoch)). */
const stepOf = (epochs: number): number => Math.round(epochs * STEPS_PER_EPOCH);

/** Per-rung accuracy targets of each candidate (`null`: not trained there). */
const PLAN: Record<string, (number | null)[]> = {
  a: [0.6, 0.7, 0.75],
  b: [0.59, 0.7, 0.745],
  c: [0.58, 0.66, null],
  d: [0.3, null, null],
  e: [0.25, null, null],
};

function spec(rule = 'early-accuracy') {
  return validateSweepSpec({
    dataset: { uri: 'file:///d' },
    candidates: Object.keys(PLAN).map((id) => ({ id, model: `file:///${id}` })),
    selection: { rule, fallbackRule: 'early-accuracy' },
    budget: { strategy: 'halving', rungs: RUNGS, keepFraction: 0.7 },
  });
}

/** A correlated outcome column with about `p` hits, as training would store it. */
function column(p: number, seed: number): Uint8Array {
  const shared = mulberry32(99);
  const own = mulberry32(seed);
  return Uint8Array.from({ length: VAL }, () => {
    const u = shared();
    return (own() < 0.8 ? u : own()) < p ? 1 : 0;
  });
}

const hitsOf = new Map<string, Uint8Array>();
async function writeSweep(sweepId: string, withBitmaps = true) {
  const results = [];
  for (const [k, [id, plan]] of Object.entries(PLAN).entries()) {
    const keys = sweepKeys(sweepId).candidate(id);
    const evaluations = [];
    for (const [r, p] of plan.entries()) {
      if (p === null) continue;
      const hits = column(p, 10 * k + r);
      hitsOf.set(`${id}@${r}`, hits);
      const step = stepOf(RUNGS[r]!);
      if (withBitmaps) await writeOutcomes(store, keys.outcomes(step), hits);
      const trainSamples = step * BATCH;
      evaluations.push({
        step,
        epoch: step / STEPS_PER_EPOCH,
        trainLoss: 1,
        trainLossSum: 1,
        trainSamples,
        valLoss: 1,
        valAccuracy: hits.reduce((s, h) => s + h, 0) / VAL,
      });
    }
    const last = evaluations.at(-1)!;
    const previous = evaluations.at(-2);
    const result = {
      candidateId: id,
      dataset: { numClasses: 10, trainSamples: TRAIN, valSamples: VAL, testSamples: 0 },
      training: {
        stepsPerEpoch: STEPS_PER_EPOCH,
        batchSize: BATCH,
        epochs: RUNGS[evaluations.length - 1],
        totalSteps: last.step,
      },
      evaluations,
      compute: { trainSamples: last.trainSamples, evalSamples: 0 },
      resumedFromStep: previous?.step ?? 0,
      // 0.01 s per sample trained in the last run.
      timing: { trainSeconds: 0.01 * (last.trainSamples - (previous?.trainSamples ?? 0)) },
    } as unknown as CandidateResult;
    results.push({ candidateId: id, result });
  }
  return results;
}

/** The bracket the workflow would run on these accuracies (scores with their binomial σ). */
function bracket() {
  const s = spec();
  let state = startHalving(halvingConfigOf(s.budget as never), Object.keys(PLAN));
  for (let r = 0; r < RUNGS.length && !state.decision; r++)
    for (const id of state.contenders) {
      const hits = hitsOf.get(`${id}@${r}`)!;
      const p = hits.reduce((x, h) => x + h, 0) / VAL;
      state = recordScore(state, {
        candidateId: id,
        rung: r,
        score: p,
        uncertainty: accuracyStandardError(p, VAL),
      });
    }
  return bracketSummary(state);
}

describe('decisionConfidence (report.decision)', () => {
  it('states P(best) at the deciding rung, the cut ones at their cut, and what settling a near-tie costs', async () => {
    const results = await writeSweep('s1');
    const b = bracket();
    expect(b.decision?.rung).toBe(2);
    const { confidence, reason } = await decisionConfidence({
      store,
      sweepId: 's1',
      spec: spec(),
      appliedRule: 'early-accuracy',
      results,
      bracket: b,
    });
    expect(reason).toBeUndefined();
    const margin = { z: 2, minGap: 0 };
    const oracle = rungConfidence({
      contenders: ['a', 'b'].map((id) => ({ candidateId: id, hits: hitsOf.get(`${id}@2`)! })),
      margin,
    });
    expect(confidence!.rung).toBe(2);
    expect(confidence!.winner).toBe(oracle.leader);
    expect(confidence!.tieSet).toEqual(oracle.tieSet);
    const contenders = confidence!.candidates.filter((c) => c.status === 'contender');
    expect(contenders.map(({ rung: _r, epochs: _e, status: _s, ...c }) => c)).toEqual(oracle.candidates);
    // c was cut at rung 1 (among a, b, c), d and e at rung 0 (among all five): each at its cut, latest first.
    const at = (r: number, ids: string[]) =>
      rungConfidence({
        contenders: ids.map((id) => ({ candidateId: id, hits: hitsOf.get(`${id}@${r}`)! })),
        margin,
      });
    const cutC = at(1, ['a', 'b', 'c']).candidates.filter((c) => c.candidateId === 'c');
    const cutDE = at(0, Object.keys(PLAN)).candidates.filter((c) => ['d', 'e'].includes(c.candidateId));
    const cut = confidence!.candidates.filter((c) => c.status === 'cut');
    expect(cut.map((c) => [c.candidateId, c.rung, c.pBest, c.tied])).toEqual([
      ...cutC.map((c) => [c.candidateId, 1, c.pBest, c.tied]),
      ...cutDE.map((c) => [c.candidateId, 0, c.pBest, c.tied]),
    ]);
    // Near-tie: one more rung (2 epochs after the last, 1) for each tied one: 32 more steps of 32 samples.
    expect(confidence!.tieSet.length).toBeGreaterThan(1);
    const tie = confidence!.nearTie!;
    expect(tie.epochs).toBe(2);
    expect(tie.samples).toBe(confidence!.tieSet.length * TRAIN);
    expect(tie.seconds).toBeCloseTo(0.01 * tie.samples, 9);
    expect(tie.command).toBe('ncap sweep extend s1');
    const text = confidenceLines(confidence!).join('\n');
    expect(text).toContain(
      `near-tie: ${confidence!.tieSet.join(', ')} cannot be told apart on 400 validation images`,
    );
    expect(text).toContain('ncap sweep extend s1');
    expect(nearTieText(confidence!)).toContain(
      'Settling it trains them to 2 epochs: 2k training samples, about 20.0 s of training.',
    );
  });

  it('is null, with the reason, for a rule that scores no validation accuracy or runs without bitmaps', async () => {
    const results = await writeSweep('s2', false);
    const b = bracket();
    const none = await decisionConfidence({
      store,
      sweepId: 's2',
      spec: spec(),
      appliedRule: 'early-accuracy',
      results,
      bracket: b,
    });
    expect(none.confidence).toBeNull();
    expect(none.reason).toMatch(/no validation outcomes/);
    const other = await decisionConfidence({
      store,
      sweepId: 's1',
      spec: spec('beta-eff'),
      appliedRule: 'beta-eff',
      results,
      bracket: b,
    });
    expect(other).toEqual({ confidence: null, reason: 'rule beta-eff does not score a validation accuracy' });
  });

  it('a fixed budget decides on its one window: every candidate’s last evaluation', async () => {
    const results = await writeSweep('s1');
    const fixed = validateSweepSpec({ ...spec(), budget: { strategy: 'fixed' } });
    const { confidence } = await decisionConfidence({
      store,
      sweepId: 's1',
      spec: fixed,
      appliedRule: 'early-accuracy',
      results,
    });
    const lastOf = (id: string) => hitsOf.get(`${id}@${PLAN[id]!.filter((p) => p !== null).length - 1}`)!;
    const oracle = rungConfidence({
      contenders: Object.keys(PLAN).map((id) => ({ candidateId: id, hits: lastOf(id) })),
      margin: { z: 2, minGap: 0 },
    });
    expect(confidence!.candidates.map((c) => [c.candidateId, c.pBest, c.status])).toEqual(
      oracle.candidates.map((c) => [c.candidateId, c.pBest, 'contender']),
    );
  });
});
