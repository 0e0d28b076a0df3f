/**
 * Scores the early sweeps against the ground truth with the selection library: per probe setting and
 * window, each candidate's features (β_eff of its stored snapshots, the validation and loss curve of its
 * evaluation points) become labelled rows, and `benchmarkSelection` evaluates every predictor leave-one-out
 * within each zoo and leave-one-zoo-out across zoos, with bootstrap intervals, compute fractions and the
 * noise ceiling. The default rule is chosen on the selection zoos BEFORE the held-out zoo's rows are read.
 */
import {
  benchmarkSelection,
  createPredictor,
  PREDICTOR_NAMES,
  evidenceFromResult,
  extractFeatures,
  noiseCeiling,
  type BenchmarkZoo,
  type NoiseCeiling,
  type PredictorEvaluation,
  type PredictorName,
} from '../../activities/selection/index.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  loadCandidateEvidence,
  readResultJson,
  type BetaSettings,
} from '../../activities/selection/sweep-evidence.js';
import { sweepKeys } from '../../activities/store/keys.js';
import type { CandidateResult } from '../../activities/training/types.js';
import { projectRoot } from '../../scripts/dev/tools.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import { canonicalJson, readStoredSpec } from '../../activities/sweep/stored-spec.js';
import { DEFAULT_TRUTH_RECIPE } from '../truth/ground-truth.js';
import { chooseDefaultRule, type DefaultChoice, type SelectionEntry } from './default-rule.js';
import { PROBE_SETTING_NAMES, WINDOWS, type ProbeSetting } from './early-sweeps.js';
import type { EarlySweep } from './run-early.js';
import { windowCut, withEvaluationPoints } from './windows.js';
import type { BenchZoo } from './zoos.js';

/** The zoos the default rule is chosen on; any other zoo is held out. */
export const SELECTION_ZOOS = ['demo', 'reversed'] as const;

/** Predictors scored on each probe setting's runs (β with that setting's interaction model). */
export const SETTING_PREDICTORS: Record<ProbeSetting, readonly PredictorName[]> = {
  // Every predictor ncap knows, in the product's order.
  trainable: PREDICTOR_NAMES,
  'frozen-probe': ['beta-eff', 'beta-eff-scale-free', 'early-accuracy', 'tse', 'hybrid'],
};

export const BOOTSTRAP = { resamples: 1000, seed: 0, confidence: 0.95 } as const;

export interface Column {
  id: string;
  predictor: PredictorName;
  setting: ProbeSetting;
  fitted: boolean;
}

export const COLUMNS: Column[] = PROBE_SETTING_NAMES.flatMap((setting) =>
  SETTING_PREDICTORS[setting].map((predictor) => ({
    id: `${setting}/${predictor}`,
    predictor,
    setting,
    fitted: createPredictor(predictor).direction === 'fitted',
  })),
);

export interface Cell extends PredictorEvaluation {
  column: string;
  setting: ProbeSetting;
  window: number;
  computeFraction: number | null;
}

export interface ZooSummary {
  name: string;
  description: string;
  truthRecipe: string;
  candidates: number;
  missingTruth: string[];
  failedEarly: string[];
  seeds: number[];
  noiseCeiling: NoiseCeiling | null;
  /** Best minus worst mean ground truth, accuracy units. */
  spread: number;
  /** Root-mean-square over candidates of the std across truth seeds, accuracy units (0 with one seed). */
  seedNoise: number;
  heldOut: boolean;
}

export interface BenchmarkScores {
  windows: number[];
  columns: Column[];
  cells: Cell[];
  zoos: ZooSummary[];
  choice: DefaultChoice;
}

interface ZooRows {
  zoo: BenchZoo;
  /** Per setting and window, the benchmark zoo (rows joined with the truth). */
  byWindow: Map<string, BenchmarkZoo>;
  failed: Set<string>;
}

type LoadedEvidence = Awaited<ReturnType<typeof loadCandidateEvidence>>;

/** Where β trajectories already computed from a finished candidate's snapshots are kept between runs. */
export const EVIDENCE_CACHE_DIR = '.ncap/bench-selection/evidence';

/**
 * A candidate's evidence, from the local cache when its result.json is the one it was computed from
 * (β_eff of every snapshot costs seconds per snapshot with gradient-coupled on this machine).
 */
export async function cachedEvidence(
  store: ArtifactStore,
  sweepId: string,
  candidateId: string,
  selection: BetaSettings,
): Promise<LoadedEvidence> {
  const file = join(projectRoot(), EVIDENCE_CACHE_DIR, sweepId, `${candidateId}.json`);
  const result = await readResultJson(store, sweepKeys(sweepId).candidate(candidateId).result);
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as LoadedEvidence & { selection: BetaSettings };
    if (
      cached.result.timing.finishedAt === result.timing.finishedAt &&
      canonicalJson(cached.selection) === canonicalJson(selection)
    )
      return { result: cached.result, evidence: cached.evidence };
  } catch {
    // No cache entry (or an unreadable one): compute it.
  }
  const loaded =
    selection.interactionModel === 'gradient-coupled'
      ? recordedEvidence(result)
      : await loadCandidateEvidence(store, sweepId, candidateId, selection);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ ...loaded, selection }));
  return loaded;
}

/**
 * Evidence from the β_eff the training monitor recorded per snapshot in result.json (the sweep passes its
 * scoring settings to the monitor, so it is the value the library recomputes from the snapshot, to float32
 * precision) — for `gradient-coupled`, whose recomputation from recorded batch statistics costs about a
 * second per snapshot on this machine. β̃ is left undefined (null) there: with a frozen probe its
 * block-normalised form was undefined at every snapshot of the demo zoo when recomputed.
 */
function recordedEvidence(result: CandidateResult): LoadedEvidence {
  if (result.snapshots.betaEff.length !== result.snapshots.steps.length)
    throw new Error(`${result.candidateId}: result.json's snapshots have no β_eff per step`);
  const spe = result.training.stepsPerEpoch;
  const beta = result.snapshots.steps.flatMap((step, i) => {
    const value = result.snapshots.betaEff[i];
    return typeof value === 'number' && Number.isFinite(value)
      ? [{ step, epoch: Math.floor(step / spe), betaEff: value, betaScaleFree: null }]
      : [];
  });
  return { result, evidence: evidenceFromResult(result, beta) };
}

const windowKey = (setting: ProbeSetting, window: number) => `${setting}@${window}`;

async function readZooRows(
  store: ArtifactStore,
  zoo: BenchZoo,
  sweeps: readonly EarlySweep[],
  log: (line: string) => void,
): Promise<ZooRows> {
  const byWindow = new Map<string, BenchmarkZoo>();
  const failed = new Set<string>();
  for (const setting of PROBE_SETTING_NAMES) {
    const sweep = sweeps.find((s) => s.zoo === zoo.name && s.setting === setting);
    if (!sweep) throw new Error(`zoo ${zoo.name}: no early sweep for ${setting}`);
    const stored = await readStoredSpec(store, sweep.sweepId);
    if (!stored) throw new Error(`sweep ${sweep.sweepId} has no spec.json in ${store.uri}`);
    const loaded: { id: string; result: Awaited<ReturnType<typeof loadCandidateEvidence>> }[] = [];
    for (const truth of zoo.truth) {
      if (sweep.failed.some((f) => f.candidateId === truth.candidateId)) {
        failed.add(truth.candidateId);
        continue;
      }
      try {
        loaded.push({
          id: truth.candidateId,
          result: await cachedEvidence(store, sweep.sweepId, truth.candidateId, stored.spec.selection),
        });
      } catch (error) {
        failed.add(truth.candidateId);
        log(
          `zoo ${zoo.name} ${setting} ${truth.candidateId}: no usable early run (${(error as Error).message})`,
        );
      }
    }
    for (const window of WINDOWS) {
      const rows = loaded.flatMap(({ id, result: { result, evidence } }) => {
        const spe = result.training.stepsPerEpoch;
        const cut = windowCut(result.evaluations ?? [], spe, window);
        const truth = zoo.truth.find((t) => t.candidateId === id)!;
        const features = extractFeatures(withEvaluationPoints(evidence, result.evaluations), {
          maxStep: cut.step,
          // The full fine-tuning budget of the ground-truth recipe, known before any run.
          horizonStep: DEFAULT_TRUTH_RECIPE.maxEpochs * spe,
        });
        return [{ row: { candidateId: id, features, finalAccuracy: truth.accuracy }, cut, truth }];
      });
      byWindow.set(windowKey(setting, window), {
        name: zoo.name,
        rows: rows.map((r) => r.row),
        earlySamples: rows.map((r) => r.cut.trainSamples),
        fullSamples: rows.map((r) => r.truth.fullSamples),
        ...(rows.every((r) => r.truth.seedAccuracies.length >= 2)
          ? { seedAccuracies: rows.map((r) => r.truth.seedAccuracies) }
          : {}),
      });
    }
  }
  return { zoo, byWindow, failed };
}

function evaluate(zoos: readonly ZooRows[]): Cell[] {
  const cells: Cell[] = [];
  for (const setting of PROBE_SETTING_NAMES) {
    const predictors = SETTING_PREDICTORS[setting].map((name) => createPredictor(name));
    for (const window of WINDOWS) {
      const benchZoos = zoos.map((z) => z.byWindow.get(windowKey(setting, window))!);
      const result = benchmarkSelection(benchZoos, predictors, BOOTSTRAP);
      for (const e of result.evaluations) {
        cells.push({
          ...e,
          column: `${setting}/${e.predictor}`,
          setting,
          window,
          computeFraction: result.zoos.find((z) => z.name === e.zoo)?.computeFraction ?? null,
        });
      }
    }
  }
  return cells;
}

function selectionEntries(cells: readonly Cell[]): SelectionEntry[] {
  return cells
    .filter((c) => c.protocol === 'leave-one-out')
    .map((c) => ({
      column: c.column,
      predictor: c.predictor,
      setting: c.setting,
      window: c.window,
      zoo: c.zoo,
      regret: c.metrics ? c.metrics.regret.value : null,
      kendallTau:
        c.metrics && Number.isFinite(c.metrics.kendallTau.value) ? c.metrics.kendallTau.value : null,
      fitted: COLUMNS.find((col) => col.id === c.column)?.fitted ?? false,
    }));
}

function zooSummary(rows: ZooRows, heldOut: boolean): ZooSummary {
  const { zoo } = rows;
  const means = zoo.truth.map((t) => t.accuracy);
  const std = (xs: number[]) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
  };
  const seeds = zoo.truth[0]?.seeds ?? [];
  const seedNoise =
    seeds.length >= 2
      ? Math.sqrt(zoo.truth.reduce((s, t) => s + std(t.seedAccuracies) ** 2, 0) / zoo.truth.length)
      : 0;
  const ceiling =
    seeds.length >= 2 && zoo.truth.length >= 2 ? noiseCeiling(zoo.truth.map((t) => t.seedAccuracies)) : null;
  return {
    name: zoo.name,
    description: zoo.description,
    truthRecipe: zoo.truthRecipe,
    candidates: zoo.truth.length,
    missingTruth: zoo.missingTruth,
    failedEarly: [...rows.failed],
    seeds,
    noiseCeiling: ceiling,
    spread: means.length ? Math.max(...means) - Math.min(...means) : 0,
    seedNoise,
    heldOut,
  };
}

export async function scoreBenchmark(input: {
  zoos: readonly BenchZoo[];
  sweeps: readonly EarlySweep[];
  storeUri: string;
  log: (line: string) => void;
}): Promise<BenchmarkScores> {
  const stores = createStoreProvider();
  try {
    const store = stores.get(input.storeUri);
    const selectionZoos = input.zoos.filter((z) => (SELECTION_ZOOS as readonly string[]).includes(z.name));
    const heldOutZoos = input.zoos.filter((z) => !selectionZoos.includes(z));
    // 1. The choice, on the selection zoos only: the held-out zoo's early runs are not even read yet.
    const selectionRows: ZooRows[] = [];
    for (const zoo of selectionZoos)
      selectionRows.push(await readZooRows(store, zoo, input.sweeps, input.log));
    input.log(`read the early runs of ${selectionZoos.map((z) => z.name).join(', ')}`);
    const selectionCells = evaluate(selectionRows);
    const choice = chooseDefaultRule(
      selectionEntries(selectionCells),
      selectionRows.map((z) => z.zoo.name),
    );
    input.log(
      `default rule chosen on ${choice.zoos.join(' + ')}: ${choice.rule.column} at ${choice.rule.window} epochs (mean regret ${(100 * choice.rule.meanRegret).toFixed(2)} points, mean τ ${choice.rule.meanTau.toFixed(3)}); fallback ${choice.fallback.column} at ${choice.fallback.window}`,
    );
    // 2. Every zoo, the held-out one included (leave-one-zoo-out now also fits on it for the others).
    const heldOutRows: ZooRows[] = [];
    for (const zoo of heldOutZoos) heldOutRows.push(await readZooRows(store, zoo, input.sweeps, input.log));
    const all = [...selectionRows, ...heldOutRows];
    const cells = heldOutRows.length > 0 ? evaluate(all) : selectionCells;
    return {
      windows: [...WINDOWS],
      columns: COLUMNS,
      cells,
      zoos: all.map((z) => zooSummary(z, heldOutRows.includes(z))),
      choice,
    };
  } finally {
    await stores.closeAll();
  }
}
