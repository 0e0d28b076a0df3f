/**
 * The report shows what decided: the winner card leads with the rule's score and its uncertainty (the bracket's
 * numbers, formatted here independently), β_eff follows as information; the rung chart draws every recorded
 * score; β_eff charts say they are information under a rule that is not β_eff.
 */
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../activities/report/report-html.js';
import { rungScoreData } from '../../../activities/report/rung-score-chart.js';
import { withBracket } from '../../fixtures/report/make-bracket.js';
import { makeReport } from '../../fixtures/report/make-report.js';
import { renderReportMarkdown } from '../../../activities/report/report-markdown.js';
import { escapeMarkdown } from '../../../activities/report/markdown-escape.js';
import { escapeHtml } from '../../../activities/report/html-escape.js';
import { decodeEntities, textContent } from './html-inspect.js';

const winnerCardText = (page: string): string =>
  textContent(page.slice(page.indexOf('<div class="winner-card"'), page.indexOf('<dl class="facts"')));

describe('the report shows what decided', () => {
  const report = withBracket(makeReport({ seed: 21, candidates: 8, failed: 1 }));
  const winnerEntry = report.bracket!.entries.find((e) => e.candidateId === report.winner)!;

  it('leads the winner card with the rule’s score ± uncertainty at the deciding rung, β_eff below as information', async () => {
    const card = winnerCardText(await renderReportHtml(report));
    const expected = `${(winnerEntry.score! * 100).toFixed(1)}% ± ${(winnerEntry.uncertainty! * 100).toFixed(1)} pp`;
    expect(card).toContain(`Validation accuracy at ${winnerEntry.epochs} epoch`);
    expect(card).toContain(expected);
    const info = card.indexOf('Information the rule did not use');
    expect(info).toBeGreaterThan(card.indexOf(expected));
    expect(card.indexOf('β_eff')).toBeGreaterThan(info);
  });

  it('puts the probability of being best right after the score, before the information', async () => {
    const at = report.bracket!.decision!;
    const contender = (candidateId: string, pBest: number) => ({
      candidateId,
      accuracy: 0.75,
      pBest,
      pBestPopulation: Math.min(1, pBest + 0.1),
      gap: 0,
      gapSd: 0.01,
      tied: false,
      rung: at.rung,
      epochs: at.epochs,
      status: 'contender' as const,
    });
    const runnerUp = report.bracket!.entries.find((e) => e.status === 'contender')!.candidateId;
    const confident = {
      ...report,
      decision: {
        confidence: {
          method: 'paired-bootstrap' as const,
          statement: 'fresh-sample' as const,
          samples: 1000,
          resamples: 2000,
          seed: 0,
          tieSet: [report.winner!],
          rung: at.rung,
          epochs: at.epochs,
          margin: { z: 2, minGap: 0 },
          winner: report.winner!,
          candidates: [contender(report.winner!, 0.83), contender(runnerUp, 0.17)],
          nearTie: null,
        },
      },
    };
    const card = winnerCardText(await renderReportHtml(confident));
    const score = card.indexOf(' pp');
    const pBest = card.indexOf('P(best on a fresh validation set of 1000 images) 83 %');
    expect(score).toBeGreaterThan(0);
    expect(pBest).toBeGreaterThan(score);
    expect(card.indexOf('Information the rule did not use')).toBeGreaterThan(pBest);
  });

  it('under a β_eff rule, β_eff is the deciding score and is not repeated as information', async () => {
    const beta = makeReport({ seed: 21, withPrediction: false });
    expect(beta.selection.appliedRule).toBe('beta-eff');
    const card = winnerCardText(await renderReportHtml(beta));
    expect(card).toContain('β_eff score · rule beta-eff');
    expect(card).not.toMatch(/Information the rule did not use[\s\S]*β_eff/);
  });

  it('plots every recorded rung score, a cut candidate ending at its rung, with its error bar', async () => {
    const data = rungScoreData(report);
    expect(data).toHaveLength(report.bracket!.scores!.length);
    for (const entry of report.bracket!.entries.filter((e) => e.status === 'cut')) {
      const own = data.filter((d) => d.candidateId === entry.candidateId);
      expect(Math.max(...own.map((d) => d.epochs))).toBe(entry.epochs);
    }
    for (const d of data) expect(d.high - d.low).toBeGreaterThan(0);
    const page = await renderReportHtml(report);
    expect(page).toContain('data-chart="rung-scores"');
    expect(page).toContain('What decided: validation accuracy at each rung');
  });

  it('has no rung chart without per-rung scores (a fixed sweep)', async () => {
    expect(await renderReportHtml(makeReport({ seed: 21 }))).not.toContain('id="rung-scores"');
  });

  it('titles the β_eff charts as information the rule did not use, unless the rule is β_eff', async () => {
    const page = textContent(await renderReportHtml(report));
    expect(page).toContain('β_eff trajectories — information rule early-accuracy did not use');
    expect(page).toContain(
      'β_eff vs early validation accuracy — information rule early-accuracy did not use',
    );
    const beta = textContent(await renderReportHtml(makeReport({ seed: 21, withPrediction: false })));
    expect(beta).toContain('β_eff trajectories β_eff of each');
    expect(beta).not.toContain('— information rule');
  });

  it('says what the ranking is sorted by and what the parameter counts are', async () => {
    const page = await renderReportHtml(report);
    const head = textContent(page.slice(page.indexOf('<table class="ranking"'), page.indexOf('<tbody>')));
    expect(head).toContain('Params backbone + probe');
    expect(textContent(page)).toContain(
      'Sorted by the rung reached, then the score there under rule early-accuracy',
    );
  });

  it('shows the evaluation’s bootstrap intervals and says when the rule’s τ interval overlaps the others', async () => {
    const base = withBracket(makeReport({ seed: 21, candidates: 8, failed: 1 }));
    const metric = (predictor: string, tau: number, interval: [number, number]) => ({
      predictor: `${predictor} (higher is better)`,
      kendallTau: tau,
      weightedTau: tau,
      spearman: tau,
      top1Hit: true,
      regret: 0,
      kendallTauInterval: interval,
      regretInterval: [0, 0.02] as [number, number],
    });
    const overlapping = {
      ...base,
      evaluation: {
        truthSource: 'test',
        resamples: 1000,
        metrics: [metric('early-accuracy', 0.5, [0.1, 0.8]), metric('random', 0.6, [0.2, 0.9])],
      },
    };
    const page = textContent(await renderReportHtml(overlapping));
    expect(page).toContain('0.5 [0.1, 0.8]');
    expect(page).toContain('95 % bootstrap intervals over the 7 candidates (1000 resamples)');
    expect(page).toContain('overlaps those of all other predictors: this sweep cannot tell them apart');
    const apart = {
      ...overlapping,
      evaluation: {
        ...overlapping.evaluation,
        metrics: [metric('early-accuracy', 0.9, [0.85, 0.95]), metric('random', 0.1, [-0.3, 0.4])],
      },
    };
    expect(textContent(await renderReportHtml(apart))).not.toContain('cannot tell');
  });

  it('shows a frozen candidate’s feature extraction, training and scoring times, and their sum', async () => {
    const base = makeReport({ seed: 21, candidates: 3, failed: 0 });
    const frozen = {
      ...base,
      mode: 'frozen' as const,
      candidates: base.candidates.map((c) => ({
        ...c,
        featureSeconds: 30.1,
        trainSeconds: 1.8,
        scoringSeconds: 3.2,
      })),
    };
    const page = await renderReportHtml(frozen);
    const head = textContent(page.slice(page.indexOf('<table class="ranking"'), page.indexOf('<tbody>')));
    expect(head).toContain('Time features + train + LogME');
    const body = textContent(page.slice(page.indexOf('<tbody>'), page.indexOf('</tbody>')));
    expect(body).toContain(`${(30.1 + 1.8 + 3.2).toFixed(1)} s features 30.1 s · train 1.8 s · LogME 3.2 s`);
  });

  it('says why a frozen candidate has no LogME (its logmeNote) in the HTML and Markdown rankings, and nothing for the others', async () => {
    const base = makeReport({ seed: 22, candidates: 3, failed: 0 });
    const note = 'LogME came out NaN on the 200×512 <training> features';
    const frozen = {
      ...base,
      mode: 'frozen' as const,
      candidates: base.candidates.map((c, i) => ({
        ...c,
        featureSeconds: 30.1,
        scoringSeconds: 3.2,
        ...(i === 1 ? { logmeNote: note } : {}),
      })),
    };
    const [noted, plain] = [frozen.candidates[1]!.candidateId, frozen.candidates[0]!.candidateId];
    const shown = 'LogME: — (came out NaN on the 200×512 <training> features)';
    const page = await renderReportHtml(frozen);
    const rowOf = (id: string): string => {
      const start = page.indexOf(`data-candidate-id="${escapeHtml(id)}"`);
      return decodeEntities(textContent(page.slice(start, page.indexOf('</tr>', start))));
    };
    expect(rowOf(noted)).toContain(shown);
    expect(page).not.toContain('<training>');
    for (const c of frozen.candidates.filter((c) => c.candidateId !== noted))
      expect(rowOf(c.candidateId)).not.toContain('LogME: —');
    const markdown = renderReportMarkdown(frozen).split('\n');
    const mdRow = (id: string): string =>
      markdown.find((line) => line.startsWith('|') && line.includes(escapeMarkdown(id)))!;
    expect(mdRow(noted)).toContain(`; ${escapeMarkdown(shown)} |`);
    expect(mdRow(plain)).not.toContain('LogME');
  });
});
