/**
 * `npm run bench:frozen [-- --candidates ID,…] [--images N] [--rounds R] [--batch B] [--json]`
 *
 * A frozen sweep of the second real zoo (`zoos/real2-zoo`, 12 TF.js GraphModels and 3 ONNX networks; built
 * by `npm run zoo:real2:build`), timed per candidate in one run:
 * (a) the candidate run by ncap's own training activity on a fresh store (features computed, not cached),
 *     the first halving rung with the zoo's early-sweep settings, its wall time split into feature
 *     extraction, probe training and LogME scoring as its `result.json` records them;
 * (b) feature extraction in images/s through ncap's extraction against the same network run by its own
 *     runtime alone (TF.js `execute` on tfjs-node, onnxruntime-node `session.run`) on the same adapted
 *     batch, preprocessing timed apart: a warm-up of each, then alternating rounds, medians; the ratio is
 *     the overhead ncap adds, per candidate and per format (the goal is ≤ 1.2×).
 * Load averages are printed at the start and the end: both measurements share the machine's load.
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DEFAULT_HALVING_RUNGS } from '../activities/spec/sweep-spec.js';
import { initTf } from '../activities/tf/runtime.js';
import type { Tf } from '../activities/tf/tf-namespace.js';
import { entryOptionsOrExit, positiveInt, runEntryMain } from '../scripts/entry-args.js';
import { runCandidateSplit, type FrozenSweepSettings } from './frozen/candidate-split.js';
import { measureExtraction } from './frozen/extraction-rounds.js';
import { extractionFigures, summariseFormats } from './frozen/figures.js';
import { frozenBenchText, type FrozenBenchReport, type FrozenBenchRow } from './frozen/report.js';
import { EARLY_SEED } from './selection/early-sweeps.js';
import { loadRealZoo } from './selection/real-zoo.js';

/** Samples per candidate in part (a), a fifth of them for validation. */
const DEFAULT_IMAGES = 64;
const DEFAULT_ROUNDS = 3;
/** A timed round repeats the batch of a small network until it lasts this long. */
const MIN_ROUND_SECONDS = 0.5;

function frozenBenchCommand(): Command {
  return new Command('npm run bench:frozen')
    .usage('-- [--candidates ID,…] [--images N] [--rounds R] [--batch B] [--json]')
    .description(
      "A frozen sweep of the second real zoo, per candidate: wall time split into feature extraction, probe training and scoring (ncap's training activity), and extraction images/s through ncap against the network's own runtime alone (ratio per candidate and format).",
    )
    .option('--candidates <ids>', 'comma-separated candidate ids (default all)')
    .option(
      '--images <n>',
      'training-split samples per candidate run, a fifth of them validate',
      positiveInt,
      DEFAULT_IMAGES,
    )
    .option(
      '--rounds <n>',
      'timed extraction rounds of each path after the warm-up (median)',
      positiveInt,
      DEFAULT_ROUNDS,
    )
    .option(
      '--batch <n>',
      "images per extraction batch (default the zoo's early-sweep batch size)",
      positiveInt,
    )
    .option('--json', 'print the figures as JSON', false);
}

interface Options {
  candidates?: string;
  images: number;
  rounds: number;
  batch?: number;
  json: boolean;
}

const loads = (): number[] => loadavg().map((l) => Number(l.toFixed(2)));

type ZooCandidate = Awaited<ReturnType<typeof loadRealZoo>>['task']['candidates'][number];

/** The candidates `--candidates` names (default all), or why they cannot run here. */
function chooseCandidates(all: readonly ZooCandidate[], names: string | undefined): ZooCandidate[] | string {
  const wanted = names
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = (wanted ?? []).filter((id) => !all.some((c) => c.id === id));
  if (unknown.length > 0)
    return `--candidates: ${unknown.join(', ')} not in the zoo (it has ${all.map((c) => c.id).join(', ')})`;
  const chosen = all.filter((c) => !wanted || wanted.includes(c.id));
  const missing = chosen.filter((c) => !existsSync(fileURLToPath(c.model)));
  if (missing.length > 0)
    return `the models of ${missing.map((c) => c.id).join(', ')} are not built here (${fileURLToPath(missing[0]!.model)}): build the zoo with npm run zoo:real2:build`;
  return chosen;
}

async function main(): Promise<number> {
  const options = entryOptionsOrExit<Options>(frozenBenchCommand(), process.argv.slice(2));
  if (typeof options === 'number') return options;
  const zoo = await loadRealZoo('real2');
  const candidates = chooseCandidates(zoo.task.candidates, options.candidates);
  if (typeof candidates === 'string') {
    console.error(candidates);
    return 2;
  }
  const runtime = await initTf({ logger: { info: () => {}, warn: (line) => console.error(line) } });
  const tf = runtime.tf as Tf;
  const settings: FrozenSweepSettings = {
    trainUri: zoo.task.trainUri,
    images: options.images,
    epochs: DEFAULT_HALVING_RUNGS[0]!,
    batchSize: options.batch ?? zoo.task.batchSize,
    learningRate: zoo.task.learningRate,
    probeWidths: zoo.task.probeWidths,
    seed: EARLY_SEED,
  };
  const loadAtStart = loads();
  const rows: FrozenBenchRow[] = [];
  for (const c of candidates) {
    const candidate = { ...c, normalisation: c.normalisation ?? zoo.task.normalisation };
    const split = await runCandidateSplit(tf, candidate, settings);
    const extraction = await measureExtraction({
      tf,
      candidate,
      datasetUri: zoo.task.trainUri,
      batch: settings.batchSize,
      rounds: options.rounds,
      minRoundSeconds: MIN_ROUND_SECONDS,
    });
    const row: FrozenBenchRow = {
      id: c.id,
      format: extraction.format,
      split,
      extraction,
      figures: extractionFigures(extraction),
    };
    rows.push(row);
    if (!options.json) console.error(`${c.id}: ${row.figures.ratio.toFixed(2)}× (${loads()[0]} load)`);
  }
  const report: FrozenBenchReport = {
    zoo: zoo.name,
    tfBackend: runtime.backend,
    onnxBackend: 'onnxruntime-node CPU',
    settings: { ...settings, rounds: options.rounds, minRoundSeconds: MIN_ROUND_SECONDS },
    loadAverage: { start: loadAtStart, end: loads() },
    candidates: rows,
    formats: summariseFormats(
      rows.map((r) => ({ format: r.format, batch: r.extraction.batch, figures: r.figures })),
    ),
  };
  console.log(options.json ? JSON.stringify(report, null, 2) : frozenBenchText(report));
  return 0;
}

runEntryMain(main);
