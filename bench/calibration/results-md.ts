/**
 * The calibration section of bench/selection/RESULTS.md (between its markers) and its reliability plot:
 * the table of stated against observed P(best) per bin, the goal, and (as information) how often each
 * rung's best on the whole validation set was the converged best.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from '../../activities/report/render-vega-svg.js';
import type { BenchZoo } from '../selection/zoos.js';
import {
  calibrationGoalMet,
  type CalibrationOptions,
  type CalibrationPoint,
  type OutcomeRun,
  type ReliabilityBin,
} from './calibration.js';

export const CALIBRATION_BEGIN = '<!-- calibration:begin (written by npm run bench:calibration) -->';
export const CALIBRATION_END = '<!-- calibration:end -->';
/** Bins with fewer points are shown but not held to the goal. */
export const GOAL_MIN_COUNT = 30;
export const GOAL_TOLERANCE = 0.1;

export const calibrationPlotPath = (resultsPath: string): string =>
  `${resultsPath.replace(/\.md$/, '')}-calibration-plot.svg`;

/** Per zoo and rung: in how many runs the best on the whole validation set was the converged best. */
export interface ConvergedHit {
  zoo: string;
  epochs: number;
  hits: number;
  runs: number;
}

/** Whether each rung's best (whole validation set, all candidates) was the zoo's converged best. */
export function rungBestIsConvergedBest(
  runs: readonly OutcomeRun[],
  zoos: readonly BenchZoo[],
): ConvergedHit[] {
  const out = new Map<string, ConvergedHit>();
  for (const run of runs) {
    const truth = zoos.find((z) => z.name === run.zoo)?.truth ?? [];
    if (truth.length === 0) continue;
    const best = truth.reduce((a, b) => (b.accuracy > a.accuracy ? b : a)).candidateId;
    for (const rung of run.rungs) {
      const accuracy = [...rung.hits].map(([id, hits]) => ({ id, a: hits.reduce((s, h) => s + h, 0) }));
      const top = Math.max(...accuracy.map((x) => x.a));
      const leaders = accuracy.filter((x) => x.a === top).map((x) => x.id);
      const key = `${run.zoo} ${rung.epochs}`;
      const row = out.get(key) ?? { zoo: run.zoo, epochs: rung.epochs, hits: 0, runs: 0 };
      row.runs += 1;
      if (leaders.length === 1 && leaders[0] === best) row.hits += 1;
      out.set(key, row);
    }
  }
  return [...out.values()];
}

const pct = (x: number | null): string => (x === null ? '—' : (100 * x).toFixed(1));

/** The two statements the plot compares. */
const SERIES = {
  product: 'P(best on a fresh half): the product’s statement',
  population: 'P(best on the validation population)',
} as const;

function reliabilityPlot(series: Record<keyof typeof SERIES, readonly ReliabilityBin[]>): TopLevelSpec {
  const values = (Object.keys(SERIES) as (keyof typeof SERIES)[]).flatMap((key) =>
    series[key]
      .filter((b) => b.count > 0)
      .map((b) => ({
        series: SERIES[key],
        stated: 100 * b.stated!,
        observed: 100 * b.observed!,
        count: b.count,
      })),
  );
  const axis = { type: 'quantitative' as const, scale: { domain: [0, 100] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 360,
    height: 360,
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 100, y: 100 },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 3], color: '#888' },
        encoding: { x: { field: 'x', ...axis }, y: { field: 'y', ...axis } },
      },
      {
        data: { values },
        mark: { type: 'line', point: { filled: true } },
        encoding: {
          x: { field: 'stated', ...axis, title: 'stated on half A (%, bin mean)' },
          y: { field: 'observed', ...axis, title: 'observed: best on half B (%)' },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400 },
          },
        },
      },
    ],
  };
}

function binTable(bins: readonly ReliabilityBin[]): string[] {
  return [
    '| stated | points | mean stated (%) | observed best on half B (%) | observed − stated (points) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...bins.map(
      (b) =>
        `| [${b.lo.toFixed(1)}, ${b.hi.toFixed(1)}${b.hi === 1 ? ']' : ')'} | ${b.count} | ${pct(b.stated)} | ${pct(b.observed)} | ${b.count === 0 ? '—' : (100 * (b.observed! - b.stated!)).toFixed(1)}${b.count > 0 && b.count < GOAL_MIN_COUNT ? ' (few)' : ''} |`,
    ),
  ];
}

const goalLine = (bins: readonly ReliabilityBin[]): string => {
  const worst = bins
    .filter((b) => b.count >= GOAL_MIN_COUNT)
    .reduce((m, b) => Math.max(m, Math.abs(b.stated! - b.observed!)), 0);
  return `**${calibrationGoalMet(bins, GOAL_MIN_COUNT, GOAL_TOLERANCE) ? 'met' : 'not met'}** (largest gap in a bin of ≥ ${GOAL_MIN_COUNT}: ${(100 * worst).toFixed(1)} points)`;
};

export async function calibrationSection(input: {
  runs: readonly OutcomeRun[];
  points: readonly CalibrationPoint[];
  bins: readonly ReliabilityBin[];
  populationBins: readonly ReliabilityBin[];
  converged: readonly ConvergedHit[];
  missing: readonly string[];
  options: CalibrationOptions;
  command: string;
  plotFile: string;
}): Promise<{ markdown: string; svg: string }> {
  const { runs, points, bins, populationBins, converged, options } = input;
  const decisions = new Set(points.map((p) => `${p.zoo} ${p.seed} ${p.epochs} ${p.split}`)).size;
  const lines = [
    CALIBRATION_BEGIN,
    '## Calibration of the decision’s confidence',
    '',
    `Written by \`${input.command}\`. Each early run (${runs.map((r) => `${r.zoo} seed ${r.seed}`).join(', ')}) has every candidate’s per-sample validation outcomes (correctness bitmaps) at the rungs ${runs[0]!.rungs.map((r) => r.epochs).join(', ')} epochs. Its validation set is halved at random ${options.splits} times; on half A a bracket is replayed (every candidate at the first rung, the best ${(100 * options.keepFraction).toFixed(0)}% by half-A accuracy on to the next) and at each rung with two or more contenders every contender’s P(best) is stated from half A alone; half B then says which contender was best there (a shared best splits its credit). ${decisions} decisions, ${points.length} stated probabilities per table.`,
    '',
    `**The product’s P(best)** (\`rungConfidence\`’s \`pBest\`: two-level paired bootstrap, ${options.resamples} resamples: resample half A, then resample the resample; the probability of being best on a fresh validation set of half A’s size, here half B). Goal: stated and observed within ${100 * GOAL_TOLERANCE} points in every bin of at least ${GOAL_MIN_COUNT} — ${goalLine(bins)}.`,
    '',
    ...binTable(bins),
    '',
    `Half B is a sample of its own: “best on half B” carries half B’s noise on top of the population’s, which pulls what is observed toward 1/k. **The same half A, stated as P(best on the validation population)** (\`pBestPopulation\`: one-level paired bootstrap, which leaves the fresh half’s own noise out; kept in report.json beside \`pBest\` as information) — ${goalLine(populationBins)}:`,
    '',
    ...binTable(populationBins),
    '',
    `![reliability: stated against observed P(best), both statements](${input.plotFile})`,
    '',
    '### How often the rung’s best was the converged best (information)',
    '',
    'Among all candidates of the zoo, on the whole validation set, against the manifests’ converged ground truth: the gap between early and final that no validation set can close.',
    '',
    '| zoo | rung (epochs) | rung’s best = converged best |',
    '| --- | ---: | ---: |',
    ...converged.map((c) => `| ${c.zoo} | ${c.epochs} | ${c.hits} of ${c.runs} runs |`),
    ...(input.missing.length > 0
      ? ['', 'Left out (no outcome bitmaps or no run):', '', ...input.missing.map((m) => `- ${m}`)]
      : []),
    CALIBRATION_END,
  ];
  return {
    markdown: lines.join('\n'),
    svg: await renderVegaLiteSvg(reliabilityPlot({ product: bins, population: populationBins })),
  };
}

/** `document` with its calibration section replaced by `section` (appended when it has none). */
export function replaceCalibrationSection(document: string, section: string): string {
  const begin = document.indexOf(CALIBRATION_BEGIN);
  const end = document.indexOf(CALIBRATION_END);
  if (begin === -1 || end === -1 || end < begin)
    return `${document.replace(/\n*$/, '\n\n')}${section.replace(/\n*$/, '\n')}`;
  return `${document.slice(0, begin)}${section.replace(/\n*$/, '')}${document.slice(end + CALIBRATION_END.length)}`;
}
