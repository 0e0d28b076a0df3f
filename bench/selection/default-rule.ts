/**
 * How the benchmark chooses ncap's default selection rule, fixed in code before the held-out zoo is
 * scored: on the selection zoos only (demo + reversed), every eligible (predictor, probe setting, window)
 * is summarised by its mean regret over those zoos (leave-one-out within each zoo) and its mean Kendall
 * τ-b. The winner has the lowest mean regret, then the highest mean τ; its window is then the smallest
 * window at which the same predictor and setting reach that regret (compute is the point of an early
 * window), ties again broken by τ. `random` is a reference, never a rule. A candidate combination must be
 * scored on every selection zoo. The fallback (what the product applies when the rule cannot score, e.g.
 * a hybrid without observed runs) is chosen the same way among the predictors that need no labelled runs.
 */

/** One (predictor, setting, window) on one selection zoo. */
export interface SelectionEntry {
  /** Column id, e.g. `trainable/early-accuracy`. */
  column: string;
  predictor: string;
  setting: string;
  window: number;
  zoo: string;
  /** Regret in accuracy units (≥ 0, lower is better); null when the predictor could not score the zoo. */
  regret: number | null;
  /** Kendall τ-b (higher is better); null when undefined. */
  kendallTau: number | null;
  /** Whether the predictor learns from labelled runs (hybrids, calibrated β): needs observed runs in use. */
  fitted: boolean;
}

export interface RuleSummary {
  column: string;
  predictor: string;
  setting: string;
  window: number;
  meanRegret: number;
  meanTau: number;
  fitted: boolean;
}

export interface DefaultChoice {
  /** The rule: best mean regret, then τ, at its smallest window reaching that regret. */
  rule: RuleSummary;
  /** The best rule among those that need no labelled runs. */
  fallback: RuleSummary;
  /** Every eligible combination, best first (by mean regret, then τ, then smaller window). */
  ranking: RuleSummary[];
  zoos: string[];
}

/** Predictors that are references, not candidate rules. */
export const NOT_A_RULE: ReadonlySet<string> = new Set(['random']);

const byRegretThenTau = (a: RuleSummary, b: RuleSummary): number =>
  a.meanRegret - b.meanRegret ||
  b.meanTau - a.meanTau ||
  a.window - b.window ||
  a.column.localeCompare(b.column);

/** Mean regret and τ per (column, window) over `zoos`, for combinations scored on all of them. */
export function summariseRules(entries: readonly SelectionEntry[], zoos: readonly string[]): RuleSummary[] {
  const groups = new Map<string, SelectionEntry[]>();
  for (const e of entries) {
    if (NOT_A_RULE.has(e.predictor) || !zoos.includes(e.zoo)) continue;
    const key = `${e.column}@${e.window}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const out: RuleSummary[] = [];
  for (const group of groups.values()) {
    const perZoo = zoos.map((z) => group.find((e) => e.zoo === z));
    if (perZoo.some((e) => !e || e.regret === null || !Number.isFinite(e.regret))) continue;
    const first = group[0]!;
    const taus = perZoo.map((e) => e!.kendallTau ?? 0);
    out.push({
      column: first.column,
      predictor: first.predictor,
      setting: first.setting,
      window: first.window,
      meanRegret: perZoo.reduce((s, e) => s + e!.regret!, 0) / zoos.length,
      meanTau: taus.reduce((s, t) => s + t, 0) / zoos.length,
      fitted: first.fitted,
    });
  }
  return out.sort(byRegretThenTau);
}

function pick(ranking: readonly RuleSummary[]): RuleSummary | undefined {
  const best = ranking[0];
  if (!best) return undefined;
  // The cheapest window at which the winning predictor reaches the winning regret.
  const same = ranking.filter((r) => r.column === best.column && r.meanRegret <= best.meanRegret + 1e-12);
  return [...same].sort((a, b) => a.window - b.window || b.meanTau - a.meanTau)[0];
}

/** @throws Error when no eligible combination was scored on every selection zoo. */
export function chooseDefaultRule(
  entries: readonly SelectionEntry[],
  zoos: readonly string[],
): DefaultChoice {
  const ranking = summariseRules(entries, zoos);
  const rule = pick(ranking);
  const fallback = pick(ranking.filter((r) => !r.fitted));
  if (!rule || !fallback)
    throw new Error(
      `no rule was scored on every selection zoo (${zoos.join(', ')}); cannot choose a default`,
    );
  return { rule, fallback, ranking, zoos: [...zoos] };
}
