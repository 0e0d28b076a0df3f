/**
 * The report as a compact terminal table (`ncap report ID`): a few header lines and one line per candidate,
 * the winner marked with `*`. Long ids and failure messages are cut; control and bidi-override characters
 * from the sweep are replaced so they cannot drive the terminal.
 */
import type { SweepReport } from '../scoring/report-types.js';
import { confidenceLines } from './confidence-text.js';
import { rankingColumns, rankingRows } from './ranking-rows.js';
import { formatTimestamp } from './report-format.js';
import {
  appliedRuleText,
  bracketText,
  computeText,
  datasetName,
  directionArrow,
  directionText,
  observedRunsText,
  statusSummary,
} from './report-summary.js';

export interface ReportTextOptions {
  /**
   * Candidate ids longer than this (in characters) are cut with "…".
   * @default 32
   */
  maxCandidateWidth?: number;
  /**
   * Failure reasons longer than this (in characters) are cut with "…".
   * @default 60
   */
  maxFailureWidth?: number;
}

/** The marker in front of the winner's line. */
export const WINNER_MARK = '*';

/** C0/C1 controls (ESC starts terminal escape sequences) and Unicode bidi marks, overrides and isolates. */
function isUnsafeForTerminal(codePoint: number): boolean {
  return (
    codePoint <= 0x1f ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069)
  );
}

/** Replaces characters that would control the terminal instead of being shown with "?". */
export function sanitizeForTerminal(text: string): string {
  let out = '';
  for (const char of text) out += isUnsafeForTerminal(char.codePointAt(0)!) ? '?' : char;
  return out;
}

function clip(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, Math.max(1, width - 1)).join('') + '…';
}

function displayLength(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number, alignRight: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayLength(text)));
  return alignRight ? fill + text : text + fill;
}

/** Renders the ranking as aligned plain text, ending with a newline. */
export function renderReportText(report: SweepReport, options: ReportTextOptions = {}): string {
  const maxCandidate = Math.max(4, options.maxCandidateWidth ?? 32);
  const maxFailure = Math.max(4, options.maxFailureWidth ?? 60);
  const safe = sanitizeForTerminal;
  const { selection } = report;
  const columns = rankingColumns(report);

  const lines: string[] = [];
  lines.push(`Sweep ${safe(report.sweepId)}${report.name ? ` · ${safe(report.name)}` : ''}`);
  lines.push(
    `Dataset ${safe(datasetName(report))} · mode ${report.mode} · created ${safe(formatTimestamp(report.createdAt))}`,
  );
  lines.push(`Selection: ${safe(appliedRuleText(report))} · ${safe(observedRunsText(report))}`);
  lines.push(
    `β_eff: ${safe(selection.interactionModel)} · ${directionText(selection.direction)} (source: ${selection.directionSource})`,
  );
  lines.push(
    `${statusSummary(report)} · winner: ${report.winner === null ? 'none (no candidate succeeded)' : safe(report.winner)}`,
  );
  const bracket = bracketText(report.bracket);
  if (bracket) lines.push(`Budget: ${safe(bracket)}`);
  const compute = computeText(report);
  if (compute) lines.push(`Compute: ${compute}`);
  const confidence = report.decision?.confidence;
  if (confidence) lines.push(...confidenceLines(confidence).map(safe));
  for (const warning of report.warnings ?? []) lines.push(`Warning: ${safe(warning)}`);
  lines.push('');

  interface Column {
    title: string;
    right: boolean;
    cells: string[];
  }
  const rows = rankingRows(report);
  const table: Column[] = [
    { title: '', right: false, cells: rows.map((r) => (r.isWinner ? WINNER_MARK : '')) },
    { title: '#', right: true, cells: rows.map((r) => r.rank) },
    { title: 'CANDIDATE', right: false, cells: rows.map((r) => clip(safe(r.candidateId), maxCandidate)) },
    { title: 'STATUS', right: false, cells: rows.map((r) => r.status) },
    ...(columns.bracket ? [{ title: 'STOPPED', right: false, cells: rows.map((r) => r.bracket ?? '') }] : []),
    { title: `β_eff ${directionArrow(selection.direction)}`, right: true, cells: rows.map((r) => r.betaEff) },
    { title: 'TREND', right: true, cells: rows.map((r) => r.trend.label) },
  ];
  if (columns.predicted) table.push({ title: 'PREDICTED', right: true, cells: rows.map((r) => r.predicted) });
  table.push(
    { title: 'EARLY ACC', right: true, cells: rows.map((r) => r.earlyValAccuracy) },
    { title: 'TSE', right: true, cells: rows.map((r) => r.trainLossSum) },
    { title: 'TIME', right: true, cells: rows.map((r) => r.trainTime) },
    { title: 'BACKEND', right: false, cells: rows.map((r) => clip(safe(r.backend), 12)) },
  );
  if (columns.input)
    table.push({ title: 'INPUT', right: false, cells: rows.map((r) => clip(safe(r.input), 40)) });
  if (columns.failure)
    table.push({
      title: 'FAILURE',
      right: false,
      cells: rows.map((r) => (r.failure === null ? '' : clip(safe(r.failure), maxFailure))),
    });

  const widths = table.map((c) => Math.max(displayLength(c.title), ...c.cells.map(displayLength)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => pad(cell, widths[i]!, table[i]!.right))
      .join('  ')
      .trimEnd();
  lines.push(line(table.map((c) => c.title)));
  for (let row = 0; row < rows.length; row++) lines.push(line(table.map((c) => c.cells[row]!)));
  if (rows.length === 0) lines.push('(no candidates)');
  if (report.winner !== null) lines.push('', `${WINNER_MARK} winner`);
  return lines.join('\n') + '\n';
}
