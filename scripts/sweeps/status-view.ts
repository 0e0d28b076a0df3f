/**
 * `ncap sweep status` as lines: one row per candidate under a header, with the selection rule's score and its
 * uncertainty at the latest rung it finished (what the bracket decides on), not β_eff.
 */
import { formatRuleScore } from '../../activities/report/rule-score.js';
import type { SweepProgress } from '../../workflows/sweep-api.js';

/** A rule score as the status shows it: "75.9% ± 0.6 pp @0.5ep" (the epochs it was taken at, when known). */
export function statusScoreText(
  rule: string,
  score: { value: number; uncertainty: number | null; epochs: number | null },
): string {
  const text = formatRuleScore(rule, score.value, score.uncertainty);
  return score.epochs === null ? text : `${text} @${score.epochs}ep`;
}

/** The score cell: "75.9% ± 0.6 pp @0.5ep" (rung epochs), or the latest validation accuracy, or "—". */
function scoreCell(progress: SweepProgress, candidateId: string, valAccuracy: number | null): string {
  const h = progress.halving;
  const s = h?.scores?.find((x) => x.candidateId === candidateId);
  if (h?.rule && s)
    return statusScoreText(h.rule, { value: s.score, uncertainty: s.uncertainty, epochs: s.epochs });
  return valAccuracy === null ? '—' : `val ${(valAccuracy * 100).toFixed(1)}%`;
}

/** The score column's title: "SCORE (rule early-accuracy, ± 1 s.e.)", or "SCORE" when the rule is unknown. */
export const scoreColumnTitle = (rule: string | undefined): string =>
  rule ? `SCORE (rule ${rule}, ± 1 s.e.)` : 'SCORE';

/** A header and rows as aligned lines, indented two spaces; `suffixes[i]` is appended to row i unpadded. */
export function tableLines(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  suffixes: readonly string[] = [],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  return [line(header), ...rows.map((r, i) => line(r) + (suffixes[i] ?? ''))];
}

export function statusLines(progress: SweepProgress): string[] {
  const c = progress.counts;
  const lines = [
    `Sweep ${progress.sweepId}: ${progress.status} (run ${progress.runs}) — ${c.succeeded} succeeded, ${c.failed} failed, ${c.cancelled} cancelled, ${c.running} running, ${c.pending} pending`,
  ];
  const rule = progress.halving?.rule;
  const header = ['CANDIDATE', 'STATE', 'EPOCH', scoreColumnTitle(rule), 'ETA'];
  const rows = progress.candidates.map((p) => [
    p.candidateId,
    p.state,
    `${p.epoch}/${p.totalEpochs}`,
    scoreCell(progress, p.candidateId, p.valAccuracy),
    p.etaSeconds !== null ? `${Math.round(p.etaSeconds)}s` : '',
  ]);
  const failures = progress.candidates.map((p) =>
    p.failure ? `  ${p.failure.type}: ${p.failure.message}` : '',
  );
  lines.push(...tableLines(header, rows, failures));
  if (progress.halving) {
    const h = progress.halving;
    lines.push(
      `Halving: rung ${h.rung + 1}/${h.rungs.length} (${h.rungs[h.rung]} epochs), contenders ${h.contenders.join(', ') || '-'}${h.decision ? `; decided: ${h.decision}` : ''}`,
    );
    for (const e of h.exits) lines.push(`  ${e.reason} at rung ${e.rung + 1}: ${e.candidateId}`);
  }
  if (progress.winner) lines.push(`Winner: ${progress.winner}`);
  return lines;
}
