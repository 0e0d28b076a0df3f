/**
 * The selection rule's score as the report shows it: what the rule measures, in its own units, with its
 * uncertainty — the evidence that decided, where β_eff is only information unless the rule is a β_eff rule.
 */
import type { SweepReport } from '../scoring/report-types.js';
import { MISSING, formatAccuracy, isFiniteNumber } from './report-format.js';

/** Rules whose score is an accuracy in [0, 1] (shown in %, its uncertainty in points). */
const ACCURACY_RULES: ReadonlySet<string> = new Set([
  'early-accuracy',
  'hybrid',
  'hybrid-no-beta',
  'predicted-accuracy',
]);

/** What each rule's score is, in words. */
const SCORE_NAMES: Readonly<Record<string, string>> = {
  'early-accuracy': 'Validation accuracy',
  hybrid: 'Predicted accuracy',
  'hybrid-no-beta': 'Predicted accuracy',
  'predicted-accuracy': 'Predicted accuracy',
  tse: '−TSE (training loss sum)',
  'beta-eff': 'β_eff score',
  'beta-eff-scale-free': 'Scale-free β_eff score',
  logme: 'LogME evidence',
  'learning-curve': 'Learning-curve score',
  'probe-width': 'Probe-width score',
  random: 'Random score',
};

/** True when the rule ranks by β_eff (then β_eff is the evidence, not side information). */
export function isBetaRule(rule: string): boolean {
  return rule === 'beta-eff' || rule === 'beta-eff-scale-free';
}

/** The β_eff column's title: "β_eff ↑"/"β_eff ↓" when the rule ranks by it, else "β_eff (info)". */
export function betaColumnTitle(report: SweepReport): string {
  if (!isBetaRule(report.selection.appliedRule)) return 'β_eff (info)';
  return `β_eff ${report.selection.direction === 'higher' ? '↑' : '↓'}`;
}

/** The applied rule's score in words, e.g. "Validation accuracy". */
export function ruleScoreName(rule: string): string {
  return SCORE_NAMES[rule] ?? `${rule} score`;
}

/** A score in the rule's units: "75.9% ± 0.6 pp" for accuracies, else 4 significant digits "± 2 digits". */
export function formatRuleScore(rule: string, value: number | null, uncertainty: number | null): string {
  if (!isFiniteNumber(value)) return MISSING;
  const accuracy = ACCURACY_RULES.has(rule);
  const text = accuracy ? formatAccuracy(value) : value.toPrecision(4);
  if (!isFiniteNumber(uncertainty)) return text;
  return `${text} ± ${accuracy ? `${(uncertainty * 100).toFixed(1)} pp` : uncertainty.toPrecision(2)}`;
}

/** A candidate's deciding score: its score at the rung it reached in a bracket, else its ranking score. */
export function decidingScore(
  report: SweepReport,
  candidateId: string,
): { value: number; uncertainty: number | null; epochs: number | null } | null {
  const entry = report.bracket?.entries.find((e) => e.candidateId === candidateId);
  if (entry && entry.score !== null)
    return { value: entry.score, uncertainty: entry.uncertainty, epochs: entry.epochs };
  const score = report.candidates.find((c) => c.candidateId === candidateId)?.score;
  return score ? { value: score.value, uncertainty: score.uncertainty, epochs: null } : null;
}
