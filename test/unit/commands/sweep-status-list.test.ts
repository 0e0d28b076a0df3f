/**
 * `ncap sweep status` and `ncap sweep list` as text: header rows, the rule's score ± its uncertainty (formatted
 * here independently) in place of β_eff, and the list's name, status, winner and created columns.
 */
import { describe, expect, it } from 'vitest';
import { closedScoreLines, closedScores } from '../../../scripts/sweeps/closed-status-view.js';
import { statusLines } from '../../../scripts/sweeps/status-view.js';
import { sweepListLines } from '../../../scripts/sweeps/sweep-list.js';
import type { CandidateProgress, SweepProgress } from '../../../workflows/sweep-api.js';
import { withBracket } from '../../fixtures/report/make-bracket.js';
import { makeReport } from '../../fixtures/report/make-report.js';

const candidate = (candidateId: string, patch: Partial<CandidateProgress> = {}): CandidateProgress => ({
  candidateId,
  state: 'running',
  epoch: 1,
  totalEpochs: 2,
  step: 10,
  totalSteps: 20,
  loss: 0.5,
  betaEff: 0.0815,
  valAccuracy: 0.7,
  etaSeconds: 12,
  attempt: 1,
  reused: false,
  failure: null,
  ...patch,
});

describe('ncap sweep status', () => {
  const progress: SweepProgress = {
    sweepId: 's1',
    status: 'running',
    startedAt: '2026-12-07T07:00:00.000Z',
    runs: 1,
    counts: { pending: 0, running: 2, succeeded: 1, failed: 0, cancelled: 0 },
    candidates: [
      candidate('alpha'),
      candidate('beta', { state: 'succeeded', etaSeconds: null }),
      candidate('gamma'),
    ],
    winner: null,
    halving: {
      rung: 1,
      rungs: [0.25, 0.5],
      contenders: ['alpha', 'gamma'],
      decision: null,
      exits: [{ candidateId: 'beta', rung: 0, reason: 'cut', score: 0.61 }],
      rule: 'early-accuracy',
      scores: [
        { candidateId: 'alpha', rung: 0, epochs: 0.25, score: 0.759, uncertainty: 0.0135 },
        { candidateId: 'beta', rung: 0, epochs: 0.25, score: 0.61, uncertainty: 0.0154 },
      ],
    },
  };

  it('shows a header and each candidate’s rule score ± uncertainty, not β_eff', () => {
    const lines = statusLines(progress);
    expect(lines[1]).toMatch(/^ {2}CANDIDATE +STATE +EPOCH +SCORE \(rule early-accuracy, ± 1 s\.e\.\) +ETA$/);
    const alpha = lines.find((l) => l.trimStart().startsWith('alpha'))!;
    expect(alpha).toContain(`${(0.759 * 100).toFixed(1)}% ± ${(0.0135 * 100).toFixed(1)} pp @0.25ep`);
    expect(lines.join('\n')).not.toContain('β_eff');
    // A candidate with no rung score yet shows its latest validation accuracy.
    expect(lines.find((l) => l.trimStart().startsWith('gamma'))).toContain('val 70.0%');
  });
});

describe('ncap sweep list', () => {
  it('prints a header row and one aligned row per sweep with name, status, winner and created', () => {
    const lines = sweepListLines([
      {
        sweepId: 'demo-45c753a2ea',
        name: 'demo',
        status: 'completed',
        winner: 'mlp-w128-e3',
        createdAt: '2026-12-07T07:32:37.566Z',
        closedAt: '2026-12-07T07:40:00.000Z',
        storeUri: 'file:///store',
      },
      {
        sweepId: 'x',
        name: '',
        status: 'running',
        winner: null,
        createdAt: '2026-12-07T07:50:00.000Z',
        closedAt: null,
        storeUri: '',
      },
    ]);
    expect(lines[0]).toMatch(/^SWEEP +NAME +STATUS +WINNER +CREATED$/);
    expect(lines[1]).toMatch(/^demo-45c753a2ea +demo +completed +mlp-w128-e3 +2026-12-07T07:32:37Z$/);
    expect(lines[2]).toMatch(/^x +— +running +— +2026-12-07T07:50:00Z$/);
    // Columns line up: every row's status starts where the header's does.
    const at = lines[0]!.indexOf('STATUS');
    expect(lines.slice(1).map((l) => l.slice(at).split(' ')[0])).toEqual(['completed', 'running']);
  });

  it('says so when there is none', () => {
    expect(sweepListLines([])).toEqual(['No sweeps.']);
  });
});

describe('ncap sweep status of a closed sweep', () => {
  it('shows the running table’s score column from the stored report: each candidate where it ended, its deciding score', () => {
    const report = withBracket(makeReport({ seed: 21, candidates: 8, failed: 1 }));
    const lines = closedScoreLines(report.selection.appliedRule, closedScores(report));
    expect(lines[0]).toMatch(/^ {2}CANDIDATE +STATE +SCORE \(rule early-accuracy, ± 1 s\.e\.\)$/);
    expect(lines).toHaveLength(1 + report.candidates.length);
    for (const entry of report.bracket!.entries) {
      const row = lines.find((l) => l.trimStart().startsWith(`${entry.candidateId} `))!;
      const state = entry.candidateId === report.winner ? 'winner' : entry.status;
      expect(row).toMatch(new RegExp(`^ {2}${entry.candidateId} +${state} +`));
      if (entry.score !== null)
        expect(row).toContain(
          `${(entry.score * 100).toFixed(1)}% ± ${(entry.uncertainty! * 100).toFixed(1)} pp @${entry.epochs}ep`,
        );
    }
    const failed = report.candidates.find((c) => c.failure)!;
    expect(lines.find((l) => l.trimStart().startsWith(`${failed.candidateId} `))).toContain(
      `${failed.failure!.type}: ${failed.failure!.message}`,
    );
    expect(lines.join('\n')).not.toContain('β_eff');
  });

  it('a fixed budget: the ranking score under the rule, with no rung', () => {
    const report = makeReport({ seed: 4, candidates: 4, failed: 0 });
    const scores = closedScores(report);
    expect(scores.map((s) => s.score)).toEqual(report.candidates.map((c) => c.score?.value ?? null));
    const lines = closedScoreLines(report.selection.appliedRule, scores);
    expect(lines[0]).toContain(`SCORE (rule ${report.selection.appliedRule}, ± 1 s.e.)`);
    expect(lines.find((l) => l.trimStart().startsWith(`${report.winner} `))).toMatch(/ winner /);
    expect(lines.join('\n')).not.toContain('ep\n');
  });
});
