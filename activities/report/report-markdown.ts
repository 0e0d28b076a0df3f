/**
 * The report as Markdown (`ncap report ID --format md`): header facts, the ranking table, the evaluation
 * metrics and the sweep's settings. Every value from the sweep is escaped, so ids and failure messages
 * cannot break the table or inject markup.
 */
import type { SweepReport } from '../scoring/report-types.js';
import { escapeMarkdown } from './markdown-escape.js';
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

/** Renders the report as GitHub-flavoured Markdown, ending with a newline. */
export function renderReportMarkdown(report: SweepReport): string {
  const md = escapeMarkdown;
  const lines: string[] = [];
  const winner = winnerCandidate(report);
  const { selection, dataset, training } = report;

  lines.push(`# Sweep report: ${md(report.name || report.sweepId)}`, '');
  lines.push(`- **Sweep:** ${md(report.sweepId)}`);
  lines.push(`- **Created:** ${md(formatTimestamp(report.createdAt))}`);
  const datasetFacts = [
    dataset.numClasses !== null ? `${dataset.numClasses} classes` : null,
    dataset.trainSamples !== null || dataset.valSamples !== null
      ? `${formatCount(dataset.trainSamples)} train / ${formatCount(dataset.valSamples)} val`
      : null,
  ].filter((part): part is string => part !== null);
  lines.push(
    `- **Dataset:** ${md(datasetName(report))}${datasetFacts.length > 0 ? ` (${datasetFacts.join(', ')})` : ''}`,
  );
  lines.push(`- **Mode:** ${md(report.mode)}`);
  lines.push(`- **Candidates:** ${statusSummary(report)}`);
  if (winner) {
    const facts = [
      `β\\_eff ${formatBeta(winner.betaEff)}`,
      `early val. accuracy ${formatAccuracy(winner.earlyValAccuracy)}`,
    ];
    if (winner.predictedAccuracy)
      facts.push(`predicted accuracy ${formatPredicted(winner.predictedAccuracy)}`);
    lines.push(`- **Winner:** **${md(winner.candidateId)}** ★ (${facts.join(', ')})`);
  } else {
    lines.push(
      `- **Winner:** none: ${report.winner === null ? 'no candidate succeeded' : `${md(report.winner)} is not among the candidates`}`,
    );
  }
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

  const columns = rankingColumns(report);
  const header = ['Rank', 'Candidate', 'Status', `β\\_eff ${directionArrow(selection.direction)}`, 'Trend'];
  const align = ['---:', ':---', ':---', '---:', '---:'];
  if (columns.bracket) {
    header.splice(3, 0, 'Stopped');
    align.splice(3, 0, ':---');
  }
  if (columns.predicted) {
    header.push('Predicted acc.');
    align.push('---:');
  }
  header.push('Early val. acc.', 'TSE', 'Train time', 'Backend', 'Params');
  align.push('---:', '---:', '---:', ':---', '---:');
  if (columns.input) {
    header.push('Input');
    align.push(':---');
  }
  if (columns.failure) {
    header.push('Failure');
    align.push(':---');
  }
  lines.push('## Ranking', '', tableRow(header), tableRow(align));
  for (const row of rankingRows(report)) {
    const cells = [
      row.rank,
      row.isWinner ? `**${md(row.candidateId)}** ★` : md(row.candidateId),
      row.status,
      ...(columns.bracket ? [md(row.bracket ?? '')] : []),
      row.betaEff,
      row.trend.label,
    ];
    if (columns.predicted) cells.push(row.predicted);
    cells.push(row.earlyValAccuracy, row.trainLossSum, row.trainTime, md(row.backend), row.parameters);
    if (columns.input) cells.push(md(row.input));
    if (columns.failure) cells.push(row.failure === null ? '' : md(row.failure));
    lines.push(tableRow(cells));
  }
  if (report.candidates.length === 0) lines.push('', '_No candidates._');
  lines.push('');

  if (report.evaluation) {
    lines.push(
      '## Evaluation',
      '',
      `Ranking agreement with the final accuracies (${md(report.evaluation.truthSource)}).`,
      '',
    );
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
  }

  lines.push('## Sweep settings', '');
  lines.push(`- **Artifact store:** ${md(report.storeUri)}`);
  lines.push(`- **Dataset URI:** ${md(dataset.uri)}`);
  lines.push(
    `- **Early training:** ${trainingWindowText(training.epochs, report.bracket?.rungs)}, batch ${training.batchSize}, ${md(training.optimizer)} at learning rate ${formatNumber(training.learningRate)}`,
  );
  lines.push(
    `- **Probe:** widths ${report.probe.widths.length > 0 ? report.probe.widths.join(' → ') : MISSING}, ${report.probe.trainable ? 'trainable' : 'frozen'}`,
  );
  lines.push(`- **Report format:** version ${report.version}`);
  lines.push('');
  return lines.join('\n');
}
