/**
 * What the time-to-decision table says, decided by rules fixed here before any zoo is read: which
 * strategies reach the goal on every zoo, whether ncap halving spends less than ASHA for the same
 * regret, and which default strategy (a fixed window or ncap halving) the table supports.
 */
import type { TtdResult } from './benchmark.js';
import type { StrategyScore } from './evaluate.js';

/** The goal: within 0.5 accuracy point of the best at ≤ 5% of fully fine-tuning every candidate. */
export const TTD_GOAL = { maxRegret: 0.005, maxComputeFraction: 0.05 } as const;

/** Whether one strategy on one zoo is within the goal. */
export const withinGoal = (s: StrategyScore): boolean =>
  s.metrics.regret.value <= TTD_GOAL.maxRegret + 1e-12 &&
  s.computeFraction <= TTD_GOAL.maxComputeFraction + 1e-12;

export interface StrategyAcrossZoos {
  id: string;
  label: string;
  family: StrategyScore['run']['family'];
  /** Per zoo, in the result's zoo order (null where the strategy did not run). */
  perZoo: (StrategyScore | null)[];
  /** Largest regret over the zoos, accuracy units. */
  worstRegret: number;
  meanComputeFraction: number;
  /** Within the goal on every zoo. */
  goal: boolean;
}

/** Every strategy id with its scores on each zoo. */
export function acrossZoos(result: TtdResult): StrategyAcrossZoos[] {
  const ids: string[] = [];
  for (const z of result.zoos) for (const s of z.scores) if (!ids.includes(s.run.id)) ids.push(s.run.id);
  return ids.map((id) => {
    const perZoo = result.zoos.map((z) => z.scores.find((s) => s.run.id === id) ?? null);
    const present = perZoo.filter((s): s is StrategyScore => s !== null);
    return {
      id,
      label: present[0]!.run.label,
      family: present[0]!.run.family,
      perZoo,
      worstRegret: Math.max(...present.map((s) => s.metrics.regret.value)),
      meanComputeFraction: present.reduce((t, s) => t + s.computeFraction, 0) / present.length,
      goal: present.length === result.zoos.length && present.every(withinGoal),
    };
  });
}

/**
 * ncap halving against ASHA on one zoo: the cheapest ASHA run whose regret is at most ncap's, and whether
 * ncap spent less (true too when no ASHA run reaches ncap's regret).
 */
export function versusAsha(
  scores: readonly StrategyScore[],
  ncap: StrategyScore,
): { cheapestAsha: StrategyScore | null; lessCompute: boolean } {
  const matching = scores
    .filter((s) => s.run.family === 'asha' && s.metrics.regret.value <= ncap.metrics.regret.value + 1e-12)
    .sort((a, b) => a.computeFraction - b.computeFraction);
  const cheapestAsha = matching[0] ?? null;
  return { cheapestAsha, lessCompute: !cheapestAsha || ncap.samples < cheapestAsha.samples };
}

/**
 * The default strategy the table supports, among the fixed windows and ncap halving, judged on the
 * selection benchmark's zoos only (as its default rule is; a held-out zoo is reported, not used): the
 * lowest worst-zoo regret there, then the lowest mean compute fraction there (then the earlier in the table).
 */
export function supportedDefault(result: TtdResult): StrategyAcrossZoos | null {
  const chosenOn = { ...result, zoos: result.zoos.filter((z) => !z.heldOut) };
  if (chosenOn.zoos.length === 0) return null;
  const options = acrossZoos(chosenOn).filter(
    (r) => (r.family === 'fixed' || r.family === 'ncap-halving') && r.perZoo.every((s) => s !== null),
  );
  return (
    [...options].sort(
      (a, b) =>
        a.worstRegret - b.worstRegret ||
        a.meanComputeFraction - b.meanComputeFraction ||
        options.indexOf(a) - options.indexOf(b),
    )[0] ?? null
  );
}
