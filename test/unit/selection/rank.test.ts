/**
 * rankCandidates (rank.ts): the ranking under the rule, the fallback rule when the rule scores nobody (and
 * the reason it gives), a fitted rule's own fallback note, ties broken by id, and the candidates the
 * applied rule cannot score kept last, unranked, in input order.
 */
import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, type CandidateFeatures } from '../../../activities/selection/features.js';
import type { CandidateRow, LabelledRow } from '../../../activities/selection/predictor.js';
import { rankCandidates } from '../../../activities/selection/rank.js';

const features = (values: Partial<CandidateFeatures>): CandidateFeatures => ({
  ...(Object.fromEntries(FEATURE_NAMES.map((n) => [n, null])) as CandidateFeatures),
  ...values,
});
const row = (candidateId: string, values: Partial<CandidateFeatures>): CandidateRow => ({
  candidateId,
  features: features(values),
});

describe('rankCandidates', () => {
  it('ranks by the rule’s oriented score, ties by id, unscorable candidates last in input order', () => {
    const candidates = [
      row('d', {}),
      row('c', { tse: 2 }),
      row('a', { tse: 1 }),
      row('e', { tse: 3 }),
      row('b', { tse: 1 }),
      row('f', {}),
    ];
    const out = rankCandidates({ rule: 'tse', fallbackRule: 'early-accuracy', candidates, labelled: [] });
    expect(out).toMatchObject({ requestedRule: 'tse', appliedRule: 'tse', fallback: null });
    // TSE: lower is better, so its oriented score is −TSE.
    expect(out.candidates.map((c) => [c.candidateId, c.rank, c.score?.value ?? null])).toEqual([
      ['a', 1, -1],
      ['b', 2, -1],
      ['c', 3, -2],
      ['e', 4, -3],
      ['d', null, null],
      ['f', null, null],
    ]);
  });

  it('falls back when the rule cannot score any candidate, and says why', () => {
    const candidates = [row('a', { earlyValAccuracy: 0.6 }), row('b', { earlyValAccuracy: 0.8 })];
    const out = rankCandidates({ rule: 'logme', fallbackRule: 'early-accuracy', candidates, labelled: [] });
    expect(out.appliedRule).toBe('early-accuracy');
    expect(out.fallback).toMatch(
      /^rule logme could not score any candidate \(.*\); fell back to early-accuracy$/,
    );
    expect(out.candidates.map((c) => [c.candidateId, c.rank])).toEqual([
      ['b', 1],
      ['a', 2],
    ]);
  });

  it('does not fall back when one candidate can be scored, nor to itself, nor for no candidates', () => {
    const some = [row('a', { logme: -1 }), row('b', {})];
    const out = rankCandidates({
      rule: 'logme',
      fallbackRule: 'early-accuracy',
      candidates: some,
      labelled: [],
    });
    expect(out.appliedRule).toBe('logme');
    expect(out.candidates.map((c) => c.rank)).toEqual([1, null]);
    const none = [row('a', {})];
    const self = rankCandidates({ rule: 'logme', fallbackRule: 'logme', candidates: none, labelled: [] });
    expect(self).toMatchObject({ appliedRule: 'logme', fallback: null, candidates: [{ rank: null }] });
    const empty = rankCandidates({ rule: 'logme', fallbackRule: 'tse', candidates: [], labelled: [] });
    expect(empty).toMatchObject({ appliedRule: 'logme', fallback: null, candidates: [] });
  });

  it('reports a fitted rule’s own fallback (too few labelled runs) while keeping the rule', () => {
    const labelled: LabelledRow[] = [1, 2].map((b) => ({
      ...row(`r${b}`, { betaEff: b }),
      finalAccuracy: b / 4,
    }));
    const candidates = [row('a', { betaEff: 1 }), row('b', { betaEff: 2 })];
    const out = rankCandidates({
      rule: 'beta-eff',
      fallbackRule: 'early-accuracy',
      candidates,
      labelled,
      settings: { betaDirection: 'calibrate', minRuns: 5 },
    });
    expect(out.appliedRule).toBe('beta-eff');
    expect(out.fit.source).toBe('fallback');
    expect(out.fallback).toBe(out.fit.note);
    expect(out.fallback).not.toBeNull();
  });
});
