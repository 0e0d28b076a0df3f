/** The text `npm run bench:frozen` prints: the settings, the two per-candidate tables and the per-format ratios. */
import type { CandidateSplit, FrozenSweepSettings } from './candidate-split.js';
import type { ExtractionMeasurement } from './extraction-rounds.js';
import { formatTable, type ExtractionFigures, type FormatSummary } from './figures.js';

export interface FrozenBenchRow {
  id: string;
  format: ExtractionMeasurement['format'];
  split: CandidateSplit;
  extraction: ExtractionMeasurement;
  figures: ExtractionFigures;
}

export interface FrozenBenchReport {
  zoo: string;
  tfBackend: string;
  onnxBackend: string;
  settings: FrozenSweepSettings & { rounds: number; minRoundSeconds: number };
  loadAverage: { start: number[]; end: number[] };
  candidates: FrozenBenchRow[];
  formats: FormatSummary[];
}

const s = (seconds: number): string => seconds.toFixed(2);
const rate = (perSecond: number): string => perSecond.toFixed(1);
const times = (ratio: number): string => `${ratio.toFixed(2)}×`;

function splitTable(rows: readonly FrozenBenchRow[]): string {
  const total = (pick: (r: CandidateSplit) => number): number => rows.reduce((a, r) => a + pick(r.split), 0);
  const line = (
    id: string,
    format: string,
    w: Omit<
      CandidateSplit,
      'logme' | 'valAccuracy' | 'featureDim' | 'trainSamples' | 'valSamples' | 'backend'
    >,
    logme: string,
  ): string[] => [
    id,
    format,
    s(w.wallSeconds),
    s(w.featureSeconds),
    s(w.trainSeconds),
    s(w.scoringSeconds),
    s(w.otherSeconds),
    `${((100 * w.featureSeconds) / w.wallSeconds).toFixed(0)}%`,
    logme,
  ];
  return formatTable(
    ['candidate', 'format', 'wall s', 'features s', 'train s', 'scoring s', 'other s', 'features', 'LogME'],
    [
      ...rows.map((r) =>
        line(r.id, r.format, r.split, r.split.logme === null ? '—' : r.split.logme.toFixed(3)),
      ),
      line(
        'all',
        '',
        {
          wallSeconds: total((x) => x.wallSeconds),
          featureSeconds: total((x) => x.featureSeconds),
          trainSeconds: total((x) => x.trainSeconds),
          scoringSeconds: total((x) => x.scoringSeconds),
          otherSeconds: total((x) => x.otherSeconds),
        },
        '',
      ),
    ],
  );
}

function extractionTable(rows: readonly FrozenBenchRow[]): string {
  return formatTable(
    [
      'candidate',
      'format',
      'input',
      'model batch',
      'features',
      'batches/round',
      'prep img/s',
      'ncap img/s',
      'runtime img/s',
      'ncap/runtime',
      'CPU',
      'agree',
    ],
    rows.map(({ id, format, extraction: e, figures: f }) => [
      id,
      format,
      e.inputShape.join('×'),
      e.modelBatch === null ? 'any' : String(e.modelBatch),
      String(e.featureDim),
      String(e.repeats),
      rate(f.preprocessImagesPerSecond),
      rate(f.ncapImagesPerSecond),
      rate(f.runtimeImagesPerSecond),
      times(f.ratio),
      times(f.cpuRatio),
      e.agreement.toExponential(1),
    ]),
  );
}

function formatsTable(report: FrozenBenchReport): string {
  const backend = (format: string): string =>
    format === 'onnx' ? report.onnxBackend : `TF.js ${report.tfBackend}`;
  return formatTable(
    [
      'format',
      'backend',
      'candidates',
      'ncap img/s',
      'runtime img/s',
      'ncap/runtime',
      'CPU',
      'worst',
      'worst CPU',
    ],
    report.formats.map((f) => [
      f.format,
      backend(f.format),
      String(f.candidates),
      rate(f.ncapImagesPerSecond),
      rate(f.runtimeImagesPerSecond),
      times(f.ratio),
      times(f.cpuRatio),
      times(f.worstRatio),
      times(f.worstCpuRatio),
    ]),
  );
}

/** The whole printout. */
export function frozenBenchText(report: FrozenBenchReport): string {
  const { settings } = report;
  const first = report.candidates[0]?.split;
  return [
    `bench:frozen · zoo ${report.zoo} · ${report.candidates.length} candidates · TF.js ${report.tfBackend} · ${report.onnxBackend}`,
    `load average (1, 5, 15 min): ${report.loadAverage.start.join(', ')} at the start, ${report.loadAverage.end.join(', ')} at the end`,
    '',
    `(a) each candidate by ncap's training activity on a fresh store: ${settings.images} images (${first ? `${first.trainSamples} train, ${first.valSamples} validation` : '—'}), ${settings.epochs} epoch, batch ${settings.batchSize}, lr ${settings.learningRate}, probe ${settings.probeWidths.join('-')}; wall time split as result.json records it`,
    splitTable(report.candidates),
    '',
    `(b) feature extraction of one batch of ${settings.batchSize} images: ncap's extraction against the runtime alone on the same adapted batch, warm-up, then ${settings.rounds} rounds alternating which goes first (a round repeats the batch to last ≥ ${settings.minRoundSeconds} s), rates from the median round; preprocessing (read, resize, normalise) apart; ncap/runtime = median over rounds of the round's ncap time over its runtime time, in wall and CPU time (goal ≤ 1.2×); agree = largest feature difference, relative`,
    extractionTable(report.candidates),
    '',
    "per format (one batch per candidate): img/s over the summed median batch times; ncap/runtime = the candidates' paired ratios weighted by the runtime's time per batch (wall, CPU); the worst candidate's:",
    formatsTable(report),
  ].join('\n');
}
