import { describe, expect, it } from 'vitest';
import { formatProbability } from '../../../activities/report/confidence-text.js';
import { renderReportHtml } from '../../../activities/report/report-html.js';
import { renderReportText } from '../../../activities/report/report-text.js';
import { renderReportMarkdown } from '../../../activities/report/report-markdown.js';
import { escapeMarkdown } from '../../../activities/report/markdown-escape.js';
import { escapeHtml } from '../../../activities/report/html-escape.js';
import { parseReportRecord } from '../../../activities/scoring/report-record.js';
import type { DecisionConfidence, SweepReport } from '../../../activities/scoring/report-types.js';
import { winnerLine } from '../../../scripts/sweeps/run-spec.js';
import { makeReport } from '../../fixtures/report/make-report.js';
import { decodeEntities, textContent } from './html-inspect.js';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A report whose winner and runner-up (and a hostile id) are tied at the deciding rung, one cut earlier. */
function tiedReport(tied: boolean): SweepReport {
  const report = makeReport({ seed: 3, failed: 0 });
  const [w, r, x, cut] = report.candidates.map((c) => c.candidateId);
  const hostile = `${x}<b>`;
  report.candidates[2]!.candidateId = hostile;
  const confidence: DecisionConfidence = {
    method: 'paired-bootstrap',
    statement: 'fresh-sample',
    samples: 1000,
    resamples: 4000,
    seed: 0,
    rung: 1,
    epochs: 0.5,
    margin: { z: 2, minGap: 0 },
    winner: w!,
    tieSet: tied ? [w!, r!, hostile] : [w!],
    candidates: [
      {
        candidateId: w!,
        accuracy: 0.759,
        pBest: 0.52,
        pBestPopulation: 0.71,
        gap: 0,
        gapSd: 0,
        tied: true,
        rung: 1,
        epochs: 0.5,
        status: 'contender',
      },
      {
        candidateId: r!,
        accuracy: 0.753,
        pBest: 0.3,
        pBestPopulation: 0.22,
        gap: 0.006,
        gapSd: 0.008,
        tied,
        rung: 1,
        epochs: 0.5,
        status: 'contender',
      },
      {
        candidateId: hostile,
        accuracy: 0.75,
        pBest: 0.18,
        pBestPopulation: 0.07,
        gap: 0.009,
        gapSd: 0.009,
        tied,
        rung: 1,
        epochs: 0.5,
        status: 'contender',
      },
      {
        candidateId: cut!,
        accuracy: 0.6,
        pBest: 0.0004,
        pBestPopulation: 0,
        gap: 0.1,
        gapSd: 0.01,
        tied: false,
        rung: 0,
        epochs: 0.25,
        status: 'cut',
      },
    ],
    nearTie: tied
      ? {
          candidates: [w!, r!, hostile],
          epochs: 1,
          samples: 7200,
          seconds: 95,
          command: `ncap sweep extend ${report.sweepId}`,
        }
      : null,
  };
  return { ...report, winner: w!, decision: { confidence } };
}

describe('the decision’s confidence in the outputs', () => {
  it('the terminal summary says a near-tie plainly, with its cost and the command that settles it', () => {
    const report = tiedReport(true);
    const [w, r] = report.candidates.map((c) => c.candidateId);
    const text = renderReportText(report);
    expect(text).toContain(
      `near-tie: ${w}, ${r}, ${report.candidates[2]!.candidateId} cannot be told apart on 1000 validation images (P(best on a fresh set) ${w} 52 %, ${r} 30 %`,
    );
    expect(text).toContain(
      `Settling it trains them to 1 epoch: 7.2k training samples, about 1m 35s of training. Run: ncap sweep extend ${report.sweepId}`,
    );
    expect(text).toContain(
      `Cut at 0.25 epochs, P(best on a fresh set) there: ${report.candidates[3]!.candidateId} <1 %`,
    );
    // Every contender is tied: the near-tie line states each one's P(best), no second line repeats it.
    expect(text).not.toContain('Confidence at');
    expect(winnerLine(report)).toBe(
      `Winner: ${w}, in a near-tie with ${r}, ${report.candidates[2]!.candidateId} (see above; \`ncap sweep extend ${report.sweepId}\` settles it)`,
    );
    const clear = tiedReport(false);
    expect(renderReportText(clear)).not.toContain('near-tie');
    expect(renderReportText(clear)).toContain(`Clear lead: ${w}`);
    expect(renderReportText(clear)).toContain(
      `Confidence at 0.5 epochs: P(best on a fresh validation set of 1000 images) ${w} 52 %, ${r} 30 %`,
    );
    expect(winnerLine(clear)).toBe(`Winner: ${w}`);
  });

  it('the winner card shows P(best on a fresh validation set), the population figure as its title, and the near-tie sentence, escaped', async () => {
    const page = await renderReportHtml(tiedReport(true));
    const card = page.match(/<p class="confidence" data-near-tie="true" title="([^"]*)">([\s\S]*?)<\/p>/);
    expect(card).not.toBeNull();
    expect(decodeEntities(textContent(card![2]!))).toMatch(
      /^P\(best on a fresh validation set of 1000 images\) 52 % at 0\.5 epochs\s*near-tie: .*<b>.*ncap sweep extend/,
    );
    expect(decodeEntities(card![1]!)).toContain('P(best on the validation population) 71 %');
    expect(page).not.toContain('<b>,');
    const clear = await renderReportHtml(tiedReport(false));
    expect(clear).toContain('data-near-tie="false"');
    expect(clear).not.toContain('near-tie:');
  });

  it('the winner card’s explanation states the empirical-Bayes shrinkage, where the record has one', async () => {
    const titleOf = async (report: SweepReport): Promise<string> =>
      decodeEntities(/<p class="confidence"[^>]* title="([^"]*)">/.exec(await renderReportHtml(report))![1]!);
    const shrunk = tiedReport(false);
    shrunk.decision!.confidence!.shrinkage = 0.35;
    expect(await titleOf(shrunk)).toBe(
      "Paired bootstrap over the validation images; P(best on the validation population) 71 %; accuracies shrunk 35 % toward the contenders' mean against the winner's curse",
    );
    const older = tiedReport(false);
    delete older.decision!.confidence!.shrinkage;
    expect(await titleOf(older)).not.toContain('shrunk');
  });

  it('a report recorded before the fresh-sample statement reads as what it stated: P(best on the validation population)', async () => {
    const current = tiedReport(true);
    const confidence = current.decision!.confidence!;
    const old = JSON.parse(JSON.stringify(current)) as { decision: { confidence: Record<string, unknown> } };
    delete old.decision.confidence.statement;
    for (const c of old.decision.confidence.candidates as Record<string, unknown>[]) delete c.pBestPopulation;
    const read = parseReportRecord(old);
    expect(read.decision!.confidence!.statement).toBe('population');
    expect(read.decision!.confidence!.candidates.map((c) => [c.pBest, c.pBestPopulation])).toEqual(
      confidence.candidates.map((c) => [c.pBest, c.pBest]),
    );
    const [w, r] = current.candidates.map((c) => c.candidateId);
    expect(renderReportText(read)).toContain(`(P(best on the population) ${w} 52 %, ${r} 30 %`);
    expect(decodeEntities(textContent(await renderReportHtml(read)))).toContain(
      'P(best on the validation population) 52 % at 0.5 epochs',
    );
    expect(parseReportRecord(JSON.parse(JSON.stringify(current)))).toEqual(current);
  });

  it('the ranking shows each candidate’s P(best) where it last raced (HTML and Markdown), blank for the rest', async () => {
    const report = tiedReport(true);
    const confidence = report.decision!.confidence!;
    const page = await renderReportHtml(report);
    expect(page).toMatch(
      /<th[^>]*title="P\(best on a fresh validation set of 1000 images\), at the rung[^"]*"[^>]*>\s*P\(best\)<br \/><span class="sub">fresh set<\/span>/,
    );
    const markdown = renderReportMarkdown(report);
    const header = markdown
      .split('\n')
      .find((l) => l.startsWith('| Rank'))!
      .split('|')
      .map((c) => c.trim());
    const column = header.indexOf('P(best, fresh set)');
    expect(column).toBeGreaterThan(0);
    for (const candidate of report.candidates) {
      const stated = confidence.candidates.find((c) => c.candidateId === candidate.candidateId);
      const expected = stated ? formatProbability(stated.pBest) : '';
      const row = page.match(
        new RegExp(
          `<tr[^>]*data-candidate-id="${escapeRegExp(escapeHtml(candidate.candidateId))}"[^>]*>([\\s\\S]*?)</tr>`,
        ),
      )!;
      const cells = [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
        decodeEntities(textContent(m[1]!)).trim(),
      );
      expect(cells[report.bracket ? 4 : 3]).toBe(expected); // rank, candidate, status, [stopped,] P(best)
      const mdRow = markdown
        .split('\n')
        .find((l) => l.includes(escapeMarkdown(candidate.candidateId)) && l.startsWith('|'))!;
      expect(mdRow.split('|')[column]!.trim()).toBe(expected);
    }
  });

  it('never rounds a probability to a certainty it does not have', () => {
    expect([0, 0.001, 0.004, 0.3, 0.996, 0.9999, 1].map(formatProbability)).toEqual([
      '0 %',
      '<1 %',
      '<1 %',
      '30 %',
      '>99 %',
      '>99 %',
      '100 %',
    ]);
  });
});
