/**
 * The bracket as a picture: the selection rule's score of every contender at every rung it finished, with
 * ± its uncertainty; a candidate cut at a rung ends there. The chart of the evidence that decided.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SweepReport } from '../scoring/report-types.js';
import {
  CHART_CONFIG,
  CHART_WIDTH,
  REPORT_COLORS,
  SERIES_PALETTE_10,
  SERIES_PALETTE_20,
} from './chart-theme.js';
import { isFiniteNumber } from './report-format.js';
import { ruleScoreName } from './rule-score.js';

/** One contender at one rung, as plotted. */
export interface RungScoreDatum {
  candidateId: string;
  epochs: number;
  score: number;
  /** score ∓ uncertainty; equal to score when the rule gives none (no bar drawn). */
  low: number;
  high: number;
  /** The candidate's legend entry: its id when coloured, else "Other candidates". */
  series: string;
}

export interface RungScoreChartOptions {
  /**
   * How many candidates (those that went furthest, best first) get their own colour; the rest are grey.
   * @default 12
   */
  maxHighlighted?: number;
  /**
   * Plot height in CSS pixels.
   * @default 320
   */
  height?: number;
}

const OTHERS = 'Other candidates';

/** The bracket's recorded scores as chart rows, best-ranked candidates first; empty without a bracket. */
export function rungScoreData(report: SweepReport, options: RungScoreChartOptions = {}): RungScoreDatum[] {
  const scores = (report.bracket?.scores ?? []).filter((s) => isFiniteNumber(s.score));
  const order = report.candidates
    .map((c) => c.candidateId)
    .filter((id) => scores.some((s) => s.candidateId === id));
  const highlighted = new Set(order.slice(0, Math.max(1, options.maxHighlighted ?? 12)));
  return [...scores]
    .sort((a, b) => order.indexOf(a.candidateId) - order.indexOf(b.candidateId) || a.rung - b.rung)
    .map((s) => {
      const u = isFiniteNumber(s.uncertainty) ? s.uncertainty : 0;
      return {
        candidateId: s.candidateId,
        epochs: s.epochs,
        score: s.score,
        low: s.score - u,
        high: s.score + u,
        series: highlighted.has(s.candidateId) ? s.candidateId : OTHERS,
      };
    });
}

/** The Vega-Lite spec, or null when the report holds no per-rung scores (a fixed sweep, an older report). */
export function rungScoreSpec(report: SweepReport, options: RungScoreChartOptions = {}): TopLevelSpec | null {
  const data = rungScoreData(report, options);
  if (data.length === 0) return null;
  const rule = report.selection.appliedRule;
  const series = [...new Set(data.map((d) => d.series))];
  const named = series.filter((s) => s !== OTHERS);
  const palette = named.length <= 10 ? SERIES_PALETTE_10 : SERIES_PALETTE_20;
  const range = series.map((s) =>
    s === OTHERS
      ? REPORT_COLORS.faded
      : s === report.winner
        ? REPORT_COLORS.winner
        : palette[named.indexOf(s) % palette.length]!,
  );
  const rungs = report.bracket?.rungs ?? [...new Set(data.map((d) => d.epochs))];
  const domain: number[] = [Math.min(...rungs), Math.max(...rungs)];
  const ticks: number[] = [...rungs];
  const x = {
    field: 'epochs',
    type: 'quantitative',
    title: 'Rung (epochs trained)',
    scale: { type: 'log', base: 2, domain, nice: false },
    axis: { values: ticks, format: '~g', grid: false },
  } as const;
  const color = {
    field: 'series',
    type: 'nominal',
    title: 'Candidate',
    scale: { domain: series, range },
    sort: series,
  } as const;
  const accuracyLike = data.every((d) => d.score >= 0 && d.score <= 1) && rule !== 'tse';
  const y = {
    field: 'score',
    type: 'quantitative',
    title: `${ruleScoreName(rule)} (rule ${rule}), ± its uncertainty`,
    scale: { zero: false, nice: true },
    axis: { format: accuracyLike ? '.1%' : '~g' },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: CHART_WIDTH - 260,
    height: options.height ?? 320,
    config: CHART_CONFIG,
    data: { values: data },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 2, point: false },
        encoding: { x, y, color, detail: { field: 'candidateId', type: 'nominal' } },
      },
      {
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: 'low', type: 'quantitative' },
          y2: { field: 'high' },
          color,
          detail: { field: 'candidateId', type: 'nominal' },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 40 },
        encoding: { x, y, color, detail: { field: 'candidateId', type: 'nominal' } },
      },
    ],
  };
}
