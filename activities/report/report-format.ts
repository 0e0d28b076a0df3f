/**
 * How the report shows numbers. One place, so the HTML, Markdown and terminal views agree.
 * Every formatter accepts `null` and non-finite numbers and shows them as {@link MISSING}.
 */
import type { CandidateInput } from '../scoring/report-types.js';

/** Shown for a value that is absent (`null`) or not a finite number (NaN, ±Infinity). */
export const MISSING = '—';

/** True for a finite number; narrows away `null`/`undefined`. */
export function isFiniteNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Drops trailing zeros of a fixed or precision string ("1.2300" → "1.23", "2.000e-5" → "2e-5"). */
function trimZeros(text: string): string {
  return text.replace(/(\.\d*?)0+(?=$|e)/, '$1').replace(/\.(?=$|e)/, '');
}

/**
 * β_eff with 4 significant digits; scientific notation outside [1e-3, 1e5) so tiny and huge values stay short.
 * @example formatBeta(0.012345) === '0.01235'; formatBeta(123456) === '1.235e+5'
 */
export function formatBeta(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return MISSING;
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e5) return trimZeros(value.toPrecision(4));
  return trimZeros(value.toExponential(3));
}

/** An accuracy in [0, 1] as a percentage with one decimal ("81.3%"). */
export function formatAccuracy(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return MISSING;
  return (value * 100).toFixed(1) + '%';
}

/**
 * An accuracy difference (accuracy units) in percentage points, as the benchmarks state regret.
 * @example formatPoints(0.0298) === '2.98 pts'; formatPoints(0) === '0.00 pts'
 */
export function formatPoints(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return MISSING;
  return `${(value * 100).toFixed(2)} pts`;
}

/** A predicted accuracy `mean ± std` (both in [0, 1]) as "81.3% ± 1.2 pp"; the std is dropped when not finite. */
export function formatPredicted(prediction: { mean: number; std: number } | null | undefined): string {
  if (!prediction || !isFiniteNumber(prediction.mean)) return MISSING;
  const mean = formatAccuracy(prediction.mean);
  return isFiniteNumber(prediction.std) ? `${mean} ± ${(prediction.std * 100).toFixed(1)} pp` : mean;
}

/** A plain number (a loss, a correlation) with 4 significant digits. */
export function formatNumber(value: number | null | undefined, significantDigits = 4): string {
  if (!isFiniteNumber(value)) return MISSING;
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e6) return trimZeros(value.toPrecision(significantDigits));
  return trimZeros(value.toExponential(significantDigits - 1));
}

/** A duration in seconds as "42.0 s", "3m 07s" or "2h 05m". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isFiniteNumber(seconds) || seconds < 0) return MISSING;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  if (total < 3600) return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, '0')}s`;
  const minutes = Math.round(total / 60);
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** A count with an SI suffix: 950, 12.3k, 2.6M, 1.1B. */
export function formatCount(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return MISSING;
  const magnitude = Math.abs(value);
  if (magnitude < 1000) return String(Math.round(value));
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, suffix] of units) {
    if (magnitude >= scale) return trimZeros((value / scale).toFixed(1)) + suffix;
  }
  return String(value);
}

/** Backbone and probe parameter counts as "2.6M + 12.3k". */
/** "NHWC 224×224×3 · imagenet": a candidate's input layout, size and normalisation. */
export function formatInput(input: CandidateInput | undefined): string {
  if (!input) return MISSING;
  const shape = input.shape ? `${input.layout ?? ''} ${input.shape.join('×')}`.trim() : '';
  return shape ? `${shape} · ${input.normalisation}` : input.normalisation;
}

export function formatParameters(parameters: { backbone: number; probe: number } | null | undefined): string {
  if (!parameters) return MISSING;
  return `${formatCount(parameters.backbone)} + ${formatCount(parameters.probe)}`;
}

/** How β_eff moved over the observation window. */
export interface BetaTrend {
  /** `up`, `down` or `flat` (|relative change| below 0.5 %, or a zero slope). */
  direction: 'up' | 'down' | 'flat' | 'unknown';
  /** "↗", "↘", "→", or {@link MISSING}. */
  arrow: string;
  /** The arrow with the relative change, e.g. "↗ +12.3%". */
  label: string;
}

/** Relative changes smaller than this (as a fraction) count as flat. */
const FLAT_RELATIVE_CHANGE = 0.005;

/**
 * The trend of a candidate's β_eff from its relative change (preferred) or its least-squares slope.
 * @param relativeChange `(last − first) / |first|`, a fraction; `null` when unknown.
 * @param slope β_eff per step; `null` when unknown.
 */
export function betaTrend(
  relativeChange: number | null | undefined,
  slope: number | null | undefined,
): BetaTrend {
  const arrows = { up: '↗', down: '↘', flat: '→' } as const;
  if (isFiniteNumber(relativeChange)) {
    const direction =
      Math.abs(relativeChange) < FLAT_RELATIVE_CHANGE ? 'flat' : relativeChange > 0 ? 'up' : 'down';
    const sign = relativeChange > 0 ? '+' : relativeChange < 0 ? '−' : '';
    return {
      direction,
      arrow: arrows[direction],
      label: `${arrows[direction]} ${sign}${Math.abs(relativeChange * 100).toFixed(1)}%`,
    };
  }
  if (isFiniteNumber(slope)) {
    const direction = slope === 0 ? 'flat' : slope > 0 ? 'up' : 'down';
    return { direction, arrow: arrows[direction], label: arrows[direction] };
  }
  return { direction: 'unknown', arrow: MISSING, label: MISSING };
}

/** A timestamp as "2025-01-31 14:05 UTC"; text that is not a date is shown as given. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** A number of epochs: "1 epoch", "0.25 epochs". */
export const formatEpochs = (epochs: number): string => `${epochs} epoch${epochs === 1 ? '' : 's'}`;

/**
 * The early-training window in words: "2 epochs", or for a halving sweep its rungs.
 * @example trainingWindowText(2, undefined) === '2 epochs'; trainingWindowText(2, [0.25, 2]) === 'halving, rungs of 0.25, 2 epochs'
 */
export function trainingWindowText(epochs: number, halvingRungs: readonly number[] | undefined): string {
  if (halvingRungs) return `halving, rungs of ${halvingRungs.join(', ')} epochs`;
  return formatEpochs(epochs);
}
