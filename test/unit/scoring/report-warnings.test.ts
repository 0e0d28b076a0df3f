/**
 * Issue 22, finding 6: degenerate outcomes are warnings the user sees. Real trainings of a tiny zoo, scored
 * by the reduce step and rendered: at learningRate 10 every candidate ends at chance and the report, its
 * HTML, Markdown and text say that no candidate learned; at a sane rate they do not. A class count
 * inferred from labels beyond the data's classes is said once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../activities/report/report-html.js';
import { renderReportMarkdown } from '../../../activities/report/report-markdown.js';
import { renderReportText } from '../../../activities/report/report-text.js';
import { buildSweepReport } from '../../../activities/scoring/build-sweep-report.js';
import { atChance, NOTHING_LEARNED } from '../../../activities/scoring/report-warnings.js';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { toTrainingInput } from '../../../activities/spec/training-input.js';
import { sweepKeys } from '../../../activities/store/keys.js';
import type { CandidateOutcome } from '../../../activities/sweep/types.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import {
  saveModel,
  syntheticImages,
  tempDir,
  tempStore,
  tf,
  tinyConvModel,
  useCpuBackend,
  writeSafetensorsDataset,
} from '../training/helpers.js';

const CLASSES = 5;
let dir: Awaited<ReturnType<typeof tempDir>>;
let stores: Awaited<ReturnType<typeof tempStore>>;
const models: Record<string, string> = {};
let balanced: string;
let sparseLabels: string;

beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('warn');
  stores = await tempStore();
  for (const [id, seed] of [
    ['a', 3],
    ['b', 4],
  ] as const) {
    const model = tinyConvModel({ hidden: 12, seed, classes: CLASSES });
    models[id] = await saveModel(model, join(dir.path, 'zoo', id));
    model.dispose();
  }
  balanced = await writeSafetensorsDataset(join(dir.path, 'balanced'), syntheticImages(300, CLASSES));
  // Labels 0, 1, 2 and 7: with no numClasses the head grows to 8 classes, 4 of them without a sample.
  const sparse = syntheticImages(160, 4);
  sparse.y.forEach((label, i) => {
    if (label === 3) sparse.y[i] = 7;
  });
  sparseLabels = await writeSafetensorsDataset(join(dir.path, 'sparse'), sparse);
});
afterAll(async () => {
  await stores.cleanup();
  await dir.cleanup();
});

async function sweep(sweepId: string, datasetUri: string, learningRate: number, numClasses?: number) {
  const spec = validateSweepSpec({
    name: sweepId,
    dataset: {
      uri: datasetUri,
      normalisation: '[0,1]',
      validationFraction: 0.25,
      seed: 1,
      ...(numClasses ? { numClasses } : {}),
    },
    candidates: Object.entries(models).map(([id, model]) => ({ id, model })),
    training: { epochs: 3, batchSize: 16, learningRate, optimizer: learningRate > 1 ? 'sgd' : 'adam', snapshotEvery: 50 },
    probe: { widths: [8, 6, 4] },
    store: stores.store.uri,
    budget: { strategy: 'fixed' },
  });
  const outcomes: CandidateOutcome[] = [];
  for (const candidate of spec.candidates) {
    await runCandidateTraining(toTrainingInput(spec, sweepId, candidate.id), { tf, store: stores.store });
    outcomes.push({
      candidateId: candidate.id,
      status: 'succeeded',
      resultKey: sweepKeys(sweepId).candidate(candidate.id).result,
    });
  }
  return buildSweepReport(stores.store, sweepId, spec, outcomes, { observedRuns: [] });
}

describe('report warnings', () => {
  it('says no candidate learned when every one ends at chance (sgd at learningRate 10), in every rendering', async () => {
    const report = await sweep('lr-10', balanced, 10, CLASSES);
    const accuracies = report.candidates.map((c) => c.earlyValAccuracy!);
    // The premise, checked independently: each is within two binomial standard errors of 1/5.
    const n = report.dataset.valSamples!;
    for (const a of accuracies)
      expect(Math.abs(a - 1 / CLASSES)).toBeLessThanOrEqual(2 * Math.sqrt((0.2 * 0.8) / n) * Math.SQRT2);
    const warning = report.warnings?.find((w) => w.startsWith(NOTHING_LEARNED));
    expect(warning, JSON.stringify(accuracies)).toContain('check the learning rate / data');
    expect(warning).toContain('20.0 %');
    expect(await renderReportHtml(report)).toContain(NOTHING_LEARNED);
    expect(renderReportMarkdown(report)).toContain(NOTHING_LEARNED);
    expect(renderReportText(report)).toContain(`Warning: ${NOTHING_LEARNED}`);
  }, 120_000);

  it('gives no warning when the candidates learn (adam at 0.02)', async () => {
    const report = await sweep('lr-sane', balanced, 0.02, CLASSES);
    const best = Math.max(...report.candidates.map((c) => c.earlyValAccuracy!));
    expect(atChance(best, 1 / CLASSES, report.dataset.valSamples!)).toBe(false);
    expect(report.warnings).toEqual([]);
    expect(renderReportMarkdown(report)).not.toContain('Warnings');
  }, 120_000);

  it('says once that numClasses was inferred from labels beyond the data’s classes', async () => {
    const report = await sweep('sparse', sparseLabels, 0.05);
    const inferred = (report.warnings ?? []).filter((w) => w.startsWith('dataset.numClasses is not set'));
    expect(inferred).toHaveLength(1);
    expect(inferred[0]).toContain('8 classes were inferred');
    expect(inferred[0]).toContain('4 of them have no sample');
    const declared = await sweep('sparse-declared', sparseLabels, 0.05, 8);
    expect(declared.warnings?.some((w) => w.startsWith('dataset.numClasses'))).toBe(false);
  }, 120_000);

  it('counts the majority class as chance: an imbalanced validation set raises it above 1/numClasses', () => {
    // 70 % of one class: 72 % on 100 samples is chance-level, 90 % is not.
    expect(atChance(0.72, 0.7, 100)).toBe(true);
    expect(atChance(0.9, 0.7, 100)).toBe(false);
  });
});
