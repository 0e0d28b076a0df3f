/**
 * What the time-to-decision table says, decided by rules fixed here before any zoo is read: which
 * strategies reach the goal on every zoo, whether ncap halving spends less than ASHA for the same
 * regret, and which default strategy (a fixed window or ncap halving) the table supports.
 */
import type { TtdResult, ZooTtd } from './benchmark.js';
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

/** One strategy on one zoo over the zoo's replayed training seeds (the primary one and the replicates). */
export interface ZooSeedSummary {
  zoo: string;
  heldOut: boolean;
  seeds: number[];
  /** Mean, smallest and largest regret over the seeds, accuracy units. */
  meanRegret: number;
  minRegret: number;
  maxRegret: number;
  meanComputeFraction: number;
  /** Seeds on which it picked the best candidate. */
  hits: number;
}

export interface StrategyAcrossSeeds {
  id: string;
  label: string;
  family: StrategyScore['run']['family'];
  /** Per zoo, in the result's zoo order (null where the strategy did not run on a seed of it). */
  perZoo: (ZooSeedSummary | null)[];
}

/** A zoo's replays: its primary seed's, then its replicates' (one entry per training seed). */
export function seedRunsOf(result: TtdResult, zoo: ZooTtd): ZooTtd[] {
  return [zoo, ...result.replicates.filter((r) => r.zoo.zoo === zoo.zoo.zoo)];
}

/** Every strategy's scores per zoo, averaged over the seeds replayed there. */
export function acrossSeeds(result: TtdResult): StrategyAcrossSeeds[] {
  return acrossZoos(result).map((r) => ({
    id: r.id,
    label: r.label,
    family: r.family,
    perZoo: result.zoos.map((z) => {
      const runs = seedRunsOf(result, z).map((x) => ({
        seed: x.seed,
        score: x.scores.find((s) => s.run.id === r.id) ?? null,
      }));
      if (runs.some((x) => x.score === null)) return null;
      const scores = runs.map((x) => x.score!);
      const regrets = scores.map((s) => s.metrics.regret.value);
      return {
        zoo: z.zoo.zoo,
        heldOut: z.heldOut,
        seeds: runs.map((x) => x.seed),
        meanRegret: mean(regrets),
        minRegret: Math.min(...regrets),
        maxRegret: Math.max(...regrets),
        meanComputeFraction: mean(scores.map((s) => s.computeFraction)),
        hits: scores.filter((s) => s.metrics.top1Hit.value).length,
      };
    }),
  }));
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A strategy of the default's choice, with the two numbers it was chosen by (selection zoos only). */
export interface DefaultCandidate extends StrategyAcrossSeeds {
  /** Largest over the selection zoos of the regret averaged over each zoo's seeds, accuracy units. */
  worstRegret: number;
  /** Mean over the selection zoos of the compute fraction averaged over each zoo's seeds. */
  meanComputeFraction: number;
}

/**
 * The default strategy the table supports, among the fixed windows and ncap halving, judged on the
 * selection benchmark's zoos only (as its default rule is; a held-out zoo is reported, not used): the
 * lowest worst-zoo regret there, then the lowest mean compute fraction there (then the earlier in the
 * table). A zoo's regret and compute are means over the training seeds replayed on it (one seed: its values).
 */
export function supportedDefault(result: TtdResult): DefaultCandidate | null {
  if (result.zoos.every((z) => z.heldOut)) return null;
  const options: DefaultCandidate[] = acrossSeeds(result)
    .filter((r) => r.family === 'fixed' || r.family === 'ncap-halving')
    .flatMap((r) => {
      const chosenOn = r.perZoo.filter((s, i) => !result.zoos[i]!.heldOut);
      if (chosenOn.some((s) => s === null)) return [];
      const zoos = chosenOn as ZooSeedSummary[];
      return [
        {
          ...r,
          worstRegret: Math.max(...zoos.map((s) => s.meanRegret)),
          meanComputeFraction: mean(zoos.map((s) => s.meanComputeFraction)),
        },
      ];
    });
  return (
    [...options].sort(
      (a, b) =>
        a.worstRegret - b.worstRegret ||
        a.meanComputeFraction - b.meanComputeFraction ||
        options.indexOf(a) - options.indexOf(b),
    )[0] ?? null
  );
}
