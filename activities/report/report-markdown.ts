/**
 * The report as Markdown (`ncap report ID --format md`): header facts, the ranking table, the evaluation
 * metrics and the sweep's settings. Every value from the sweep is escaped, so ids and failure messages
 * cannot break the table or inject markup.
 */
import { betaColumnTitle } from './rule-score.js';
import type { SweepReport } from '../scoring/report-types.js';
import { escapeMarkdown } from './markdown-escape.js';
import { pBestColumnNote } from './confidence-text.js';
import { rankingColumns, rankingRows } from './ranking-rows.js';
import {
  MISSING,
  formatAccuracy,
  formatBeta,
  formatCount,
  formatNumber,
  formatPoints,
  formatPredicted,
  formatTimestamp,
  trainingWindowText,
} from './report-format.js';
import {
  appliedRuleText,
  bracketText,
  computeText,
  datasetName,
  directionArrow,
  directionText,
  observedRunsText,
  statusSummary,
  winnerCandidate,
} from './report-summary.js';

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

const md = escapeMarkdown;

/** The dataset's name with its class count and split sizes, where known. */
function datasetLine(report: SweepReport): string {
  const { dataset } = report;
  const datasetFacts = [
    dataset.numClasses !== null ? `${dataset.numClasses} classes` : null,
    dataset.trainSamples !== null || dataset.valSamples !== null
      ? `${formatCount(dataset.trainSamples)} train / ${formatCount(dataset.valSamples)} val`
      : null,
  ].filter((part): part is string => part !== null);
  return `- **Dataset:** ${md(datasetName(report))}${datasetFacts.length > 0 ? ` (${datasetFacts.join(', ')})` : ''}`;
}

function winnerLine(report: SweepReport): string {
  const winner = winnerCandidate(report);
  if (!winner)
    return `- **Winner:** none: ${report.winner === null ? 'no candidate succeeded' : `${md(report.winner)} is not among the candidates`}`;
  const facts = [
    `β\\_eff ${formatBeta(winner.betaEff)}`,
    `early val. accuracy ${formatAccuracy(winner.earlyValAccuracy)}`,
  ];
  if (winner.predictedAccuracy) facts.push(`predicted accuracy ${formatPredicted(winner.predictedAccuracy)}`);
  return `- **Winner:** **${md(winner.candidateId)}** ★ (${facts.join(', ')})`;
}

/** The title and the header facts: sweep, dataset, winner, selection, budget, compute, β_eff settings. */
function headerLines(report: SweepReport): string[] {
  const { selection } = report;
  const lines = [`# Sweep report: ${md(report.name || report.sweepId)}`, ''];
  lines.push(`- **Sweep:** ${md(report.sweepId)}`);
  lines.push(`- **Created:** ${md(formatTimestamp(report.createdAt))}`);
  lines.push(datasetLine(report));
  lines.push(`- **Mode:** ${md(report.mode)}`);
  lines.push(`- **Candidates:** ${statusSummary(report)}`);
  lines.push(winnerLine(report));
  lines.push(`- **Selection:** ${md(appliedRuleText(report))}; ${md(observedRunsText(report))}`);
  const bracket = bracketText(report.bracket);
  if (bracket) lines.push(`- **Budget:** ${md(bracket)}`);
  const compute = computeText(report);
  if (compute) lines.push(`- **Compute:** ${md(compute)}`);
  lines.push(
    `- **β\\_eff:** interaction model ${md(selection.interactionModel)}, ` +
      `${md(directionText(selection.direction))} ${directionArrow(selection.direction)} (direction source: ${md(selection.directionSource)})` +
      (selection.skipInputProjection ? ', input projection left out of G\\_A' : ''),
  );
  lines.push('');
  return lines;
}

/** The ranking table's header and alignment rows (optional columns where the report has them). */
function rankingHeader(report: SweepReport, columns: ReturnType<typeof rankingColumns>): string[] {
  const header = ['Rank', 'Candidate', 'Status', md(betaColumnTitle(report)), 'Trend'];
  const align = ['---:', ':---', ':---', '---:', '---:'];
  if (columns.bracket) {
    header.splice(3, 0, 'Stopped');
    align.splice(3, 0, ':---');
  }
  const confidence = report.decision?.confidence;
  if (confidence) {
    header.splice(columns.bracket ? 4 : 3, 0, `P(best, ${pBestColumnNote(confidence)})`);
    align.splice(columns.bracket ? 4 : 3, 0, '---:');
  }
  if (columns.predicted) {
    header.push('Predicted acc.');
    align.push('---:');
  }
  header.push(
    'Early val. acc.',
    'TSE',
    report.mode === 'frozen' ? 'Time (features + train + LogME)' : 'Train time',
    'Backend',
    'Params (backbone + probe)',
  );
  align.push('---:', '---:', '---:', ':---', '---:');
  if (columns.input) {
    header.push('Input');
    align.push(':---');
  }
  if (columns.failure) {
    header.push('Failure');
    align.push(':---');
  }
  return [tableRow(header), tableRow(align)];
}

function rankingLines(report: SweepReport): string[] {
  const columns = rankingColumns(report);
  const lines = ['## Ranking', '', ...rankingHeader(report, columns)];
  for (const row of rankingRows(report)) {
    const cells = [
      row.rank,
      row.isWinner ? `**${md(row.candidateId)}** ★` : md(row.candidateId),
      row.status,
      ...(columns.bracket ? [md(row.bracket ?? '')] : []),
      ...(columns.pBest ? [row.pBest ?? ''] : []),
      row.betaEff,
      row.trend.label,
    ];
    if (columns.predicted) cells.push(row.predicted);
    const time = row.logmeNote === null ? row.trainTime : `${row.trainTime}; ${md(row.logmeNote)}`;
    cells.push(row.earlyValAccuracy, row.trainLossSum, time, md(row.backend), row.parameters);
    if (columns.input) cells.push(md(row.input));
    if (columns.failure) cells.push(row.failure === null ? '' : md(row.failure));
    lines.push(tableRow(cells));
  }
  if (report.candidates.length === 0) lines.push('', '_No candidates._');
  lines.push('');
  return lines;
}

/** The ranking's agreement with the final accuracies, when the report has them. */
function evaluationLines(report: SweepReport): string[] {
  if (!report.evaluation) return [];
  const lines = [
    '## Evaluation',
    '',
    `Ranking agreement with the final accuracies (${md(report.evaluation.truthSource)}).`,
    '',
  ];
  lines.push(tableRow(['Predictor', 'Kendall τ', 'Weighted τ', 'Spearman ρ', 'Top-1 hit', 'Regret']));
  lines.push(tableRow([':---', '---:', '---:', '---:', ':---:', '---:']));
  for (const m of report.evaluation.metrics) {
    lines.push(
      tableRow([
        md(m.predictor),
        formatNumber(m.kendallTau, 3),
        formatNumber(m.weightedTau, 3),
        formatNumber(m.spearman, 3),
        m.top1Hit ? 'yes' : 'no',
        formatPoints(m.regret),
      ]),
    );
  }
  lines.push('');
  return lines;
}

function settingsLines(report: SweepReport): string[] {
  const { dataset, training } = report;
  return [
    '## Sweep settings',
    '',
    `- **Artifact store:** ${md(report.storeUri)}`,
    `- **Dataset URI:** ${md(dataset.uri)}`,
    `- **Early training:** ${trainingWindowText(training.epochs, report.bracket?.rungs)}, batch ${training.batchSize}, ${md(training.optimizer)} at learning rate ${formatNumber(training.learningRate)}`,
    `- **Probe:** widths ${report.probe.widths.length > 0 ? report.probe.widths.join(' → ') : MISSING}, ${report.probe.trainable ? 'trainable' : 'frozen'}`,
    `- **Report format:** version ${report.version}`,
    '',
  ];
}

/** The report's warnings as a section; none: no lines. */
function warningLines(report: SweepReport): string[] {
  const warnings = report.warnings ?? [];
  if (warnings.length === 0) return [];
  return ['## Warnings', '', ...warnings.map((w) => `- ⚠ ${md(w)}`), ''];
}

/** Renders the report as GitHub-flavoured Markdown, ending with a newline. */
export function renderReportMarkdown(report: SweepReport): string {
  return [
    ...headerLines(report),
    ...warningLines(report),
    ...rankingLines(report),
    ...evaluationLines(report),
    ...settingsLines(report),
  ].join('\n');
}
