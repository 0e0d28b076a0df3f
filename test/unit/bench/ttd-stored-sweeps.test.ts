/**
 * Which stored early sweep the time-to-decision replay reads, and why it matters: the real zoo's store held
 * two complete early sweeps of the same zoo, setting and seed — one from before `probe.standardiseFeatures`
 * was written out (lower id, older) and the current one, which the product's halving sweep trains like.
 * Picking by lowest id replayed the stale runs: a margin decision at ¼ epoch for the wrong candidate,
 * where the product went 12 → 4 and picked mnv2-top. Synthetic evaluations with the real zoo's numbers.
 */
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CandidateEvidence } from '../../../activities/selection/index.js';
import { FileStore } from '../../../activities/store/file-store.js';
import type { EvaluationPoint } from '../../../activities/training/types.js';
import {
  EARLY_SEED,
  earlySweepIdPrefix,
  earlySweepSpec,
  type EarlyTask,
} from '../../../bench/selection/early-sweeps.js';
import { pickStoredSweep, storedEarlySweeps } from '../../../bench/selection/run-early.js';
import type { BenchZoo } from '../../../bench/selection/zoos.js';
import { curvePoints, pointAt, type RecordedCurve } from '../../../bench/ttd/curves.js';
import { defaultHalvingBudget, ncapHalving, recordedRungScorer } from '../../../bench/ttd/ncap-halving.js';
import { halvingConfigOf } from '../../../workflows/halving.js';

// The real zoo: 600 training images, batch 64 → 10 steps an epoch; 300 validation images.
const BATCH = 64;
const TRAIN = 600;
const SPE = Math.ceil(TRAIN / BATCH);
const VAL = 300;
/** Evaluation steps of a 2-epoch run, 4 an epoch: round(k · 10 / 4). */
const STEPS = [3, 5, 8, 10, 13, 15, 18, 20];

// First evaluation (¼ epoch) of each run; the current sweep's are the product's rung-0 scores.
const CURRENT_QUARTER: Record<string, number> = {
  'mnv2-block6-expand': 106 / 300,
  'mnv2-block13-expand': 139 / 300,
  'mnv2-top': 147 / 300,
  'mnv2-nsfw-dense': 86 / 300,
  'mnv2-140-block5': 113 / 300,
  'mnv2-140-block12': 116 / 300,
  'mnv2-140-top': 145 / 300,
  'inception-mixed2': 141 / 300,
  'inception-mixed5': 153 / 300,
  'inception-mixed7': 162 / 300,
  'inception-top': 116 / 300,
  'inception-nsfw-dense': 58 / 300,
};
// The product's rung-1 (½ epoch) scores of the four it kept.
const CURRENT_HALF: Record<string, number> = {
  'inception-mixed7': 192 / 300,
  'inception-mixed5': 192 / 300,
  'mnv2-top': 193 / 300,
  'mnv2-140-top': 185 / 300,
};
// The stale sweep (raw features): mnv2-140-top far ahead at ¼ epoch.
const STALE_QUARTER: Record<string, number> = {
  ...Object.fromEntries(Object.keys(CURRENT_QUARTER).map((id) => [id, 0.1])),
  'mnv2-top': 82 / 300,
  'mnv2-140-top': 118 / 300,
  'mnv2-140-block12': 65 / 300,
};

const IDS = Object.keys(CURRENT_QUARTER);
const task: EarlyTask = {
  name: 'real-zoo',
  trainUri: 'file:///tmp/real/train.safetensors',
  validationUri: 'file:///tmp/real/validation.safetensors',
  trainSamples: TRAIN,
  normalisation: '[0,1]',
  mode: 'frozen',
  batchSize: BATCH,
  learningRate: 0.002,
  probeWidths: [256, 128, 64],
  candidates: IDS.map((id) => ({ id, model: `file:///tmp/real/${id}/model.json` })),
};
const zoo = { name: 'real', task } as BenchZoo;
const currentId = earlySweepSpec(task, 'trainable').id!;
const prefix = earlySweepIdPrefix(task.name, 'trainable', EARLY_SEED);
/** Sorts before any other id: what the old lowest-id tie-break picked. */
const staleId = `${prefix}0000000000`;

const samplesAt = (step: number): number => Math.floor(step / SPE) * TRAIN + (step % SPE) * BATCH;
function evaluations(quarter: number, half: number): EvaluationPoint[] {
  return STEPS.map((step, i) => ({
    step,
    epoch: step / SPE,
    trainLoss: 1,
    trainLossSum: step,
    trainSamples: samplesAt(step),
    valLoss: null,
    valAccuracy: i === 0 ? quarter : half,
  }));
}

let root: string;
let store: FileStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ncap-ttd-stored-'));
  store = new FileStore(root, { fsync: false });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes a sweep's result.json files (the current or the stale accuracies), dated `when`. */
async function writeSweep(
  sweepId: string,
  kind: 'current' | 'stale',
  when: Date,
  ids: readonly string[] = IDS,
): Promise<void> {
  for (const id of ids) {
    const quarter = (kind === 'current' ? CURRENT_QUARTER : STALE_QUARTER)[id]!;
    const half = kind === 'current' ? (CURRENT_HALF[id] ?? quarter) : quarter;
    const key = `sweeps/${sweepId}/candidates/${id}/result.json`;
    await store.put(key, JSON.stringify({ backend: 'test', evaluations: evaluations(quarter, half) }));
    await utimes(join(root, key), when, when);
  }
}

/** The replay of the picked sweep's runs, as bench:ttd does (curve points, the spec's halving defaults). */
async function replay(sweepId: string) {
  const curves: RecordedCurve[] = [];
  for (const id of IDS) {
    const bytes = await store.get(`sweeps/${sweepId}/candidates/${id}/result.json`);
    const { evaluations: evs } = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      evaluations: EvaluationPoint[];
    };
    const points = curvePoints(evs, SPE, 2, 4);
    const evidence: CandidateEvidence = {
      candidateId: id,
      stepsPerEpoch: SPE,
      trainSamples: TRAIN,
      beta: [],
      validation: evs.map((e) => ({ step: e.step, accuracy: e.valAccuracy! })),
      trainLoss: evs.map((e) => ({ step: e.step, steps: 1, loss: e.trainLoss })),
      probeInputWidth: 8,
      logme: null,
    };
    curves.push({
      candidateId: id,
      stepsPerEpoch: SPE,
      points,
      valSamples: VAL,
      secondsPerSample: 0.01,
      evidence,
      truth: 0.5,
      fullSamples: 10 * TRAIN,
    });
  }
  const config = halvingConfigOf(defaultHalvingBudget(earlySweepSpec(task, 'trainable'), [0.25, 0.5, 1, 2]));
  const { run, decision } = await ncapHalving(curves, config, recordedRungScorer(curves));
  const samples = run.spent.reduce(
    (s, x) =>
      s +
      pointAt(
        curves.find((c) => c.candidateId === x.candidateId)!,
        x.epochs,
      ).trainSamples,
    0,
  );
  return { rungs: run.rungs.map((r) => r.candidates.length), decision, samples };
}

describe('the early sweep the replay reads', () => {
  it("replays the current spec's sweep, not a stale one with a lower id: the product's bracket on the real zoo", async () => {
    await writeSweep(staleId, 'stale', new Date('2026-12-07T08:53:00Z'));
    await writeSweep(currentId, 'current', new Date('2026-12-07T09:29:00Z'));
    const { sweeps } = await storedEarlySweeps(store.uri, [zoo], { settings: ['trainable'] });
    expect(sweeps.map((s) => s.sweepId)).toEqual([currentId]);
    const { rungs, decision, samples } = await replay(sweeps[0]!.sweepId);
    // The product: 12 at ¼ epoch, 4 at ½, mnv2-top the only one kept; 12 × 3 + 4 × 2 steps of 64.
    expect(rungs).toEqual([12, 4]);
    expect(decision).toMatchObject({ winner: 'mnv2-top', rung: 1, reason: 'sole-survivor' });
    expect(samples).toBe(12 * 3 * BATCH + 4 * 2 * BATCH);
    // What the stale runs replay to (the benchmark's old answer): a margin call at ¼ for mnv2-140-top.
    const stale = await replay(staleId);
    expect(stale.rungs).toEqual([12]);
    expect(stale.decision).toMatchObject({ winner: 'mnv2-140-top', rung: 0, reason: 'margin' });
  });

  it('without the current id (zoo paths differ, e.g. another worktree): the most complete, then the newest', async () => {
    const newer = `${prefix}ffffffffff`;
    await writeSweep(staleId, 'stale', new Date('2026-12-07T08:53:00Z'));
    await writeSweep(newer, 'current', new Date('2026-12-07T09:29:00Z'));
    const { sweeps } = await storedEarlySweeps(store.uri, [zoo], { settings: ['trainable'] });
    expect(sweeps[0]!.sweepId).toBe(newer);
    expect(sweeps[0]!.failed).toEqual([]);
  });

  it('pickStoredSweep: the current id first, however incomplete; then finished count, then recency', () => {
    const s = (sweepId: string, finished: number, newest: number) => ({
      sweepId,
      finished: new Set(IDS.slice(0, finished)),
      newest,
    });
    expect(pickStoredSweep([s('a', 12, 2), s('cur', 5, 1)], 'cur')?.sweepId).toBe('cur');
    expect(pickStoredSweep([s('a', 12, 1), s('b', 11, 9)], 'cur')?.sweepId).toBe('a');
    expect(pickStoredSweep([s('a', 12, 1), s('b', 12, 9)], 'cur')?.sweepId).toBe('b');
    expect(pickStoredSweep([], 'cur')).toBeUndefined();
  });
});
