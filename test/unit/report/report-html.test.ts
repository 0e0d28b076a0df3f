import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../activities/report/report-html.js';
import type { SweepReport } from '../../../activities/scoring/report-types.js';
import { makeReport } from '../../fixtures/report/make-report.js';
import { bodyRows, chartSvg, countOf, decodeEntities, textContent } from './html-inspect.js';

const HOSTILE_ID = `<script>window.__pwned=1</script>"'&`;
const HOSTILE_MESSAGE = `"><img src=x onerror="window.__pwned=2"> <script>alert('x')</script> & done`;

/** Every `src`/`href` value and CSS `url(…)`/`@import` in the page: a self-contained page has only data: and fragments. */
function externalReferences(page: string): string[] {
  const refs = [...page.matchAll(/\s(?:src|href|xlink:href|action|poster)\s*=\s*["']?([^"'\s>]*)/gi)].map(
    (m) => m[1]!,
  );
  const css = [...page.matchAll(/url\(([^)]*)\)|@import/gi)].map((m) => m[0]);
  return [...refs.filter((ref) => !ref.startsWith('data:') && !ref.startsWith('#')), ...css];
}

function withCandidate(
  report: SweepReport,
  index: number,
  patch: Partial<SweepReport['candidates'][number]>,
): SweepReport {
  const candidates = report.candidates.map((c, i) => (i === index ? { ...c, ...patch } : c));
  const winner = candidates.find((c) => c.rank === 1)?.candidateId ?? null;
  return { ...report, candidates, winner };
}

describe('renderReportHtml', () => {
  it('renders one body row per candidate, in order, with the decoded ids', async () => {
    const report = makeReport({ seed: 11, candidates: 6, failed: 1 });
    const page = await renderReportHtml(report);
    const rows = bodyRows(page, 'ranking');
    expect(rows.map((r) => r.candidateId)).toEqual(report.candidates.map((c) => c.candidateId));
    expect(countOf(page, '<tr class="')).toBeGreaterThanOrEqual(report.candidates.length);
  });

  it('is a complete, self-contained document: no script, no external resource', async () => {
    const page = await renderReportHtml(makeReport({ seed: 2 }));
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
    expect(page).toMatch(/<meta charset="utf-8"\s*\/?>/);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<link[^>]+stylesheet/i);
    expect(externalReferences(page)).toEqual([]);
  });

  it('escapes candidate ids and failure messages everywhere, tables and charts alike', async () => {
    const base = makeReport({ seed: 5, candidates: 4, failed: 1 });
    const hostileWinner = base.candidates.findIndex((c) => c.rank === 1);
    const failedIndex = base.candidates.findIndex((c) => c.status === 'failed');
    let report = withCandidate(base, hostileWinner, {
      candidateId: HOSTILE_ID,
      labels: { note: HOSTILE_MESSAGE },
    });
    report = withCandidate(report, failedIndex, { failure: { type: 'Error<b>', message: HOSTILE_MESSAGE } });
    const page = await renderReportHtml(report);

    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toMatch(/<b>/);
    const rows = bodyRows(page, 'ranking');
    expect(rows.map((r) => r.candidateId)).toContain(HOSTILE_ID);
    const failedRow = rows.find((r) => r.classes.includes('status-failed'))!;
    expect(failedRow.cells.at(-1)).toBe(`Error<b>: ${HOSTILE_MESSAGE}`.replace(/\s+/g, ' '));
    // The id reached the charts as text, escaped by Vega's SVG writer.
    expect(textContent(chartSvg(page, 'beta-vs-accuracy')!)).toContain(HOSTILE_ID.slice(0, 20));
    expect(decodeEntities(page)).toContain(HOSTILE_ID);
  });

  it('highlights the winner in the header and in exactly one row', async () => {
    const report = makeReport({ seed: 8 });
    const page = await renderReportHtml(report);
    const winnerRows = bodyRows(page, 'ranking').filter((r) => r.classes.includes('winner'));
    expect(winnerRows.map((r) => r.candidateId)).toEqual([report.winner]);
    expect(page).toContain(`data-winner="${report.winner}"`);
    const header = page.slice(page.indexOf('<header>'), page.indexOf('</header>'));
    for (const fact of [
      report.sweepId,
      report.name,
      report.dataset.name!,
      report.mode,
      report.selection.rule,
      report.selection.directionSource,
    ]) {
      expect(textContent(header)).toContain(fact);
    }
    expect(textContent(header)).toContain('higher β_eff ranks first');
  });

  it('states the ranking direction with an arrow under a β_eff rule, and marks β_eff as information otherwise', async () => {
    for (const direction of ['higher', 'lower'] as const) {
      const report = makeReport({ seed: 3, direction, withPrediction: false });
      expect(report.selection.appliedRule).toBe('beta-eff');
      const page = await renderReportHtml(report);
      const head = page.slice(page.indexOf('<table class="ranking"'), page.indexOf('<tbody>'));
      expect(textContent(head)).toContain(`β_eff ${direction === 'higher' ? '↑' : '↓'}`);
    }
    const hybrid = makeReport({ seed: 3 });
    expect(hybrid.selection.appliedRule).toBe('hybrid');
    const page = await renderReportHtml(hybrid);
    const head = textContent(page.slice(page.indexOf('<table class="ranking"'), page.indexOf('<tbody>')));
    expect(head).toContain('β_eff (info)');
    expect(head).not.toMatch(/β_eff [↑↓]/);
  });

  it('shows the columns: rank, β_eff, predicted accuracy, early accuracy, TSE, time, backend, params, failure', async () => {
    const report = makeReport({ seed: 4, candidates: 5, failed: 1, cancelled: 1 });
    const page = await renderReportHtml(report);
    const rows = bodyRows(page, 'ranking');
    const head = textContent(page.slice(page.indexOf('<table class="ranking"'), page.indexOf('<tbody>')));
    for (const title of [
      'Rank',
      'Candidate',
      'Status',
      'β_eff',
      'Trend',
      'Predicted accuracy',
      'Early val. accuracy',
      'TSE',
      'Train time',
      'Backend',
      'Params',
      'Failure',
    ]) {
      expect(head).toContain(title);
    }
    for (const [i, candidate] of report.candidates.entries()) {
      const row = rows[i]!;
      expect(row.cells.length).toBe(12);
      expect(row.cells[0]).toBe(candidate.rank === null ? '—' : String(candidate.rank));
      if (candidate.earlyValAccuracy !== null) {
        expect(Number(row.cells[6]!.replace('%', '')) / 100).toBeCloseTo(candidate.earlyValAccuracy, 3);
      }
      if (candidate.betaEff !== null)
        expect(Number(row.cells[3])).toBeCloseTo(
          candidate.betaEff,
          2 - Math.floor(Math.log10(Math.abs(candidate.betaEff))),
        );
      if (candidate.predictedAccuracy) expect(row.cells[5]).toContain('±');
      expect(row.cells[11]!.length > 0).toBe(candidate.status !== 'succeeded');
      if (candidate.failure) expect(row.cells[11]).toContain(candidate.failure.message);
    }
  });

  it('leaves out the predicted and failure columns when no candidate has them', async () => {
    const page = await renderReportHtml(
      makeReport({ seed: 4, candidates: 3, failed: 0, withPrediction: false }),
    );
    const rows = bodyRows(page, 'ranking');
    expect(rows.every((r) => r.cells.length === 10)).toBe(true);
    expect(page).not.toContain('Predicted<br>accuracy');
  });

  it('renders both charts as SVG with one line per candidate and one point per succeeded candidate', async () => {
    const report = makeReport({ seed: 9, candidates: 6, failed: 1 });
    const page = await renderReportHtml(report);
    const trajectories = chartSvg(page, 'beta-trajectories');
    const scatter = chartSvg(page, 'beta-vs-accuracy');
    expect(trajectories).not.toBeNull();
    expect(scatter).not.toBeNull();
    const withSnapshots = report.candidates.filter((c) => c.betaTrajectory.length > 0).length;
    expect(countOf(trajectories!, '<g class="mark-line role-mark')).toBe(withSnapshots);
    expect(trajectories!).not.toMatch(/NaN/);
    const succeeded = report.candidates.filter((c) => c.status === 'succeeded');
    const points = /<g class="mark-symbol role-mark points"[^>]*>([\s\S]*?)<\/g>/.exec(scatter!)![1]!;
    expect(countOf(points, '<path')).toBe(succeeded.length);
    const labels = /<g class="mark-text role-mark labels"[^>]*>([\s\S]*?)<\/g>/.exec(scatter!)![1]!;
    for (const c of succeeded) expect(labels).toContain(`>${c.candidateId}</text>`);
    // Epoch boundaries: epochs − 1 dashed rules labelled "epoch N".
    expect(textContent(trajectories!)).toContain('epoch 2');
    expect(textContent(trajectories!)).toContain('epoch 3');
  });

  it('has no winner when no candidate succeeded, and says why', async () => {
    const report = makeReport({ seed: 6, candidates: 3, failed: 2, cancelled: 1 });
    expect(report.winner).toBeNull();
    const page = await renderReportHtml(report);
    expect(bodyRows(page, 'ranking').filter((r) => r.classes.includes('winner'))).toEqual([]);
    expect(textContent(page)).toContain('No candidate succeeded');
    expect(chartSvg(page, 'beta-vs-accuracy')).toBeNull();
    expect(page).toContain('data-chart="beta-vs-accuracy">No succeeded candidate');
  });

  it('says so instead of drawing when no candidate has a β_eff', async () => {
    const base = makeReport({ seed: 6, candidates: 2, failed: 0 });
    const report: SweepReport = {
      ...base,
      candidates: base.candidates.map((c) => ({ ...c, betaTrajectory: [], betaEff: null })),
    };
    const page = await renderReportHtml(report);
    expect(chartSvg(page, 'beta-trajectories')).toBeNull();
    expect(chartSvg(page, 'beta-vs-accuracy')).toBeNull();
    expect(bodyRows(page, 'ranking')).toHaveLength(2);
  });

  it('renders a single candidate', async () => {
    const report = makeReport({ seed: 1, candidates: 1, failed: 0 });
    const page = await renderReportHtml(report);
    expect(bodyRows(page, 'ranking').map((r) => r.candidateId)).toEqual([report.candidates[0]!.candidateId]);
    expect(chartSvg(page, 'beta-trajectories')).not.toBeNull();
    expect(chartSvg(page, 'beta-vs-accuracy')).not.toBeNull();
    expect(textContent(page)).toContain('1 candidate: 1 succeeded');
  });

  it('shows NaN, infinite and null values as a dash and leaves them out of the charts', async () => {
    const base = makeReport({ seed: 12, candidates: 4, failed: 0 });
    const odd = base.candidates[1]!;
    const trajectory = odd.betaTrajectory.map((p, i) =>
      i === 2 ? { ...p, betaEff: Number.NaN } : i === 3 ? { ...p, betaEff: Number.POSITIVE_INFINITY } : p,
    );
    let report = withCandidate(base, 1, {
      betaTrajectory: trajectory,
      betaSlope: Number.NaN,
      earlyValAccuracy: Number.NaN,
      trainLossSum: null,
      trainSeconds: Number.NaN,
    });
    report = withCandidate(report, 2, {
      betaEff: Number.NaN,
      predictedAccuracy: { mean: Number.NaN, std: Number.NaN },
    });
    const page = await renderReportHtml(report);
    expect(page).not.toMatch(/NaN|Infinity/);
    const rows = bodyRows(page, 'ranking');
    expect(rows[1]!.cells[6]).toBe('—');
    expect(rows[2]!.cells[3]).toBe('—');
    const scatter = chartSvg(page, 'beta-vs-accuracy')!;
    const points = /<g class="mark-symbol role-mark points"[^>]*>([\s\S]*?)<\/g>/.exec(scatter)![1]!;
    expect(countOf(points, '<path')).toBe(2); // candidates 1 (NaN accuracy) and 2 (NaN β_eff) are left out
  });

  it('keeps 200 candidates readable: 20 coloured lines with legend entries, the rest grey', async () => {
    const report = makeReport({ seed: 3, candidates: 200, failed: 5, cancelled: 2 });
    const page = await renderReportHtml(report);
    expect(bodyRows(page, 'ranking')).toHaveLength(200);
    const trajectories = chartSvg(page, 'beta-trajectories')!;
    expect(countOf(trajectories, 'role-legend-label')).toBe(20);
    const plotted = report.candidates.filter((c) => c.betaTrajectory.length > 0).length;
    expect(countOf(trajectories, '<g class="mark-line role-mark')).toBe(plotted);
    expect(countOf(trajectories, 'stroke="#9ca3af" stroke-width="1" opacity="0.35"')).toBe(plotted - 20);
    expect(textContent(page)).toContain(`the other ${plotted - 20} are grey`);
  });

  it('renders the evaluation metrics when present, and no section otherwise', async () => {
    const report = makeReport({ seed: 2 });
    const page = await renderReportHtml(report);
    const rows = bodyRows(page, 'metrics');
    expect(rows.map((r) => r.cells[0])).toEqual(report.evaluation!.metrics.map((m) => m.predictor));
    for (const [i, m] of report.evaluation!.metrics.entries()) {
      expect(Number(rows[i]!.cells[1])).toBeCloseTo(m.kendallTau, 3);
      expect(rows[i]!.cells[4]).toContain(m.top1Hit ? 'yes' : 'no');
      // Regret in accuracy points, as the benchmarks state it.
      expect(rows[i]!.cells[5]).toBe(`${(100 * m.regret).toFixed(2)} pts`);
    }
    const without = await renderReportHtml(makeReport({ seed: 2, withEvaluation: false }));
    expect(without).not.toContain('id="evaluation"');
  });

  it('lists the sweep metadata', async () => {
    const report = makeReport({ seed: 2 });
    const page = await renderReportHtml(report);
    const meta = textContent(
      page.slice(page.indexOf('id="metadata"'), page.indexOf('</section>', page.indexOf('id="metadata"'))),
    );
    for (const fact of [
      report.storeUri,
      report.dataset.uri,
      report.training.optimizer,
      report.selection.interactionModel,
      report.probe.widths.join(' → '),
    ]) {
      expect(meta).toContain(fact);
    }
  });
});
