/** A halving sweep's bracket and compute in every view of the report (terminal, Markdown, HTML). */
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../activities/report/report-html.js';
import { renderReportMarkdown } from '../../../activities/report/report-markdown.js';
import { renderReportText } from '../../../activities/report/report-text.js';
import type { SweepReport } from '../../../activities/scoring/report-types.js';
import { makeReport } from '../../fixtures/report/make-report.js';

function withBracket(): SweepReport {
  const report = makeReport({ seed: 5, candidates: 4 });
  const [w, r, c1, c2] = report.candidates.map((c) => c.candidateId) as [string, string, string, string];
  return {
    ...report,
    winner: w,
    budget: 'halving',
    bracket: {
      rungs: [0.25, 0.5],
      keepFraction: 0.5,
      rungSizes: [4, 2],
      decision: {
        winner: w,
        rung: 1,
        epochs: 0.5,
        reason: 'last-rung',
        message: `${w} leads after rung 2 of 2`,
      },
      entries: [
        { candidateId: w, rung: 1, epochs: 0.5, status: 'winner', score: 0.81, uncertainty: 0.02 },
        { candidateId: r, rung: 1, epochs: 0.5, status: 'contender', score: 0.74, uncertainty: 0.02 },
        { candidateId: c1, rung: 0, epochs: 0.25, status: 'cut', score: 0.412, uncertainty: 0.03 },
        { candidateId: c2, rung: 0, epochs: 0.25, status: 'cut', score: 0.3, uncertainty: 0.03 },
      ],
      candidateEpochs: 1.5,
    },
    compute: { trainSamples: 320, fullWindowTrainSamples: 640 },
  };
}

describe('the bracket in the report', () => {
  const report = withBracket();
  const cut = report.bracket!.entries[2]!.candidateId;
  const budget =
    'halving over 0.25, 0.5 epochs (keep 50 %): 4 → 2 contenders; decided after rung 2 (0.5 epochs) by last-rung';
  const compute = '320 samples trained, 50 % of training every candidate over the whole window (640)';

  it('terminal: a budget and a compute line, and where each candidate stopped', () => {
    const text = renderReportText(report);
    expect(text).toContain(`Budget: ${budget}`);
    expect(text).toContain(`Compute: ${compute}`);
    expect(text).toContain('STOPPED');
    expect(text.split('\n').find((l) => l.includes(cut))).toContain('cut at 0.25 epochs (score 0.412)');
  });

  it('Markdown and HTML say the same', async () => {
    const md = renderReportMarkdown(report);
    expect(md).toContain('**Budget:**');
    expect(md).toContain('cut at 0.25 epochs (score 0.412)');
    expect(md).toContain('320 samples trained, 50 %');
    expect(md).toContain('**Early training:** halving, rungs of 0.25, 0.5 epochs, batch');
    const html = await renderReportHtml(report);
    expect(html).toMatch(/<dt>Early training<\/dt>\s*<dd>\s*halving, rungs of 0.25, 0.5 epochs · batch/);
    expect(html).toContain('<dt>Budget</dt>');
    expect(html).toMatch(
      /Sorted by the rung reached, then the score there under rule \S+<\/strong>: succeeded candidates first, then failed/,
    );
    expect(html).toContain('cut at 0.25 epochs (score 0.412)');
    expect(html).toContain('320 samples trained, 50 %');
  });

  it('a fixed sweep shows no bracket column or line', async () => {
    const fixed = makeReport({ seed: 5, candidates: 4 });
    expect(renderReportText(fixed)).not.toContain('Budget:');
    expect(renderReportText(fixed)).not.toContain('STOPPED');
    expect(renderReportMarkdown(fixed)).not.toContain('**Budget:**');
    expect(await renderReportHtml(fixed)).toMatch(
      new RegExp(
        `Sorted by rule ${fixed.selection.appliedRule ?? fixed.selection.rule}</strong>: succeeded candidates first, then failed`,
      ),
    );
    expect(renderReportMarkdown(fixed)).toContain(`**Early training:** ${fixed.training.epochs} epoch`);
  });
});
