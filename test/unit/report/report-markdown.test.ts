import { describe, expect, it } from 'vitest';
import { renderReportMarkdown } from '../../../activities/report/report-markdown.js';
import type { SweepReport } from '../../../activities/scoring/report-types.js';
import { makeReport } from '../../fixtures/report/make-report.js';

/** Cells of a Markdown table row, split at pipes that are not backslash-escaped. */
function cells(row: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\' && i + 1 < row.length) {
      current += row[i]! + row[i + 1]!;
      i++;
    } else if (row[i] === '|') {
      out.push(current.trim());
      current = '';
    } else current += row[i];
  }
  out.push(current.trim());
  return out.slice(1, -1); // the leading and trailing pipes bound the row
}

/** The table lines following the heading `## title`. */
function tableAfter(markdown: string, title: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${title}`);
  if (start < 0) return [];
  const table: string[] = [];
  for (let i = start + 1; i < lines.length && !lines[i]!.startsWith('## '); i++)
    if (lines[i]!.startsWith('|')) table.push(lines[i]!);
  return table;
}

describe('renderReportMarkdown', () => {
  it('has a heading, the facts and a ranking table with one row per candidate and constant width', () => {
    const report = makeReport({ seed: 21, candidates: 6, failed: 1 });
    const markdown = renderReportMarkdown(report);
    expect(markdown.startsWith(`# Sweep report: ${report.name}\n`)).toBe(true);
    const table = tableAfter(markdown, 'Ranking');
    expect(table).toHaveLength(2 + report.candidates.length);
    const width = cells(table[0]!).length;
    expect(width).toBe(12);
    for (const line of table) expect(cells(line)).toHaveLength(width);
    expect(cells(table[1]!).every((c) => /^:?-{3,}:?$/.test(c))).toBe(true);
    const ids = table
      .slice(2)
      .map((line) => cells(line)[1]!.replace(/\*\*/g, '').replace(' ★', '').replace(/\\(.)/g, '$1'));
    expect(ids).toEqual(report.candidates.map((c) => c.candidateId));
  });

  it('marks the winner, and only the winner', () => {
    const report = makeReport({ seed: 22 });
    const markdown = renderReportMarkdown(report);
    const marked = tableAfter(markdown, 'Ranking').filter((line) => line.includes('★'));
    expect(marked).toHaveLength(1);
    expect(marked[0]).toContain(`**${report.winner}**`);
    expect(markdown).toContain(`- **Winner:** **${report.winner}**`);
  });

  it('says there is no winner when none succeeded', () => {
    const markdown = renderReportMarkdown(makeReport({ seed: 23, candidates: 2, failed: 2 }));
    expect(markdown).toContain('- **Winner:** none: no candidate succeeded');
    expect(tableAfter(markdown, 'Ranking').some((line) => line.includes('★'))).toBe(false);
  });

  it('keeps hostile ids and messages inside their cells', () => {
    const base = makeReport({ seed: 24, candidates: 3, failed: 1 });
    const report: SweepReport = {
      ...base,
      candidates: base.candidates.map((c, i) =>
        i === 0
          ? { ...c, candidateId: 'a|b\n<script>x</script>' }
          : c.status === 'failed'
            ? { ...c, failure: { type: 'E', message: 'line1\nline2 | **bold** [link](http://x)' } }
            : c,
      ),
    };
    const markdown = renderReportMarkdown(report);
    const table = tableAfter(markdown, 'Ranking');
    expect(table).toHaveLength(2 + 3);
    for (const line of table) expect(cells(line)).toHaveLength(cells(table[0]!).length);
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toMatch(/[^\\]\[link\]/);
  });

  it('renders the evaluation table only when the report has one', () => {
    const report = makeReport({ seed: 25 });
    const table = tableAfter(renderReportMarkdown(report), 'Evaluation');
    expect(table).toHaveLength(2 + report.evaluation!.metrics.length);
    expect(table.slice(2).map((line) => cells(line)[0]!.replace(/\\(.)/g, '$1'))).toEqual(
      report.evaluation!.metrics.map((m) => m.predictor),
    );
    expect(table.slice(2).map((line) => cells(line)[5])).toEqual(
      report.evaluation!.metrics.map((m) => `${(100 * m.regret).toFixed(2)} pts`),
    );
    expect(renderReportMarkdown(makeReport({ seed: 25, withEvaluation: false }))).not.toContain(
      '## Evaluation',
    );
  });
});
