/**
 * The time-to-decision benchmark over the selection benchmark's zoos: reads each zoo's recorded early
 * curves (one probe setting), replays every strategy on them and scores it. No training happens here.
 */
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import type { ProbeSetting } from '../selection/early-sweeps.js';
import { WINDOWS } from '../selection/early-sweeps.js';
import type { EarlySweep } from '../selection/run-early.js';
import { SELECTION_ZOOS } from '../selection/score.js';
import type { BenchZoo } from '../selection/zoos.js';
import { loadZooCurves, type RecordedCurve, type ZooCurves } from './curves.js';
import { scoreStrategy, type StrategyScore } from './evaluate.js';
import { defaultHalvingBudget, ncapHalving, NCAP_RUNGS, recordedRungScorer } from './ncap-halving.js';
import { halvingConfigOf, type HalvingConfig } from '../../workflows/halving.js';
import {
  asha,
  fixedWindow,
  fullFineTuning,
  naiveHalving,
  type AshaVariant,
  type StrategyRun,
} from './strategies.js';

/** The early runs the strategies replay by default: the product's default probe (`probe.trainable: true`). */
export const TTD_SETTING: ProbeSetting = 'trainable';

/**
 * ASHA as a Ray Tune user would set it up: Ray's defaults in two time units, one keeping a third per
 * milestone as ncap's default keep fraction does, and one whose milestones are ncap's rungs.
 */
export const ASHA_VARIANTS: readonly AshaVariant[] = [
  {
    id: 'asha-ray-epoch',
    label: 'Ray defaults (grace 1, rf 4), 1 iter = 1 ep',
    epochsPerIteration: 1,
    gracePeriod: 1,
    reductionFactor: 4,
  },
  {
    id: 'asha-ray-quarter',
    label: 'Ray defaults (grace 1, rf 4), 1 iter = ¼ ep',
    epochsPerIteration: 0.25,
    gracePeriod: 1,
    reductionFactor: 4,
  },
  {
    id: 'asha-quarter-rf3',
    label: 'grace 1, rf 3, 1 iter = ¼ ep (keeps ⅓ as ncap; milestones ¼, ¾ ep)',
    epochsPerIteration: 0.25,
    gracePeriod: 1,
    reductionFactor: 3,
  },
  {
    id: 'asha-quarter-rf2',
    label: 'grace 1, rf 2, 1 iter = ¼ ep (milestones ¼, ½, 1 ep)',
    epochsPerIteration: 0.25,
    gracePeriod: 1,
    reductionFactor: 2,
  },
];

/** Workers ASHA runs on (2 = this machine's cores). */
export const ASHA_WORKERS = [1, 2, 4] as const;

/** The naive halving of the issue: everyone 1 epoch, the best third on to the horizon. */
export const NAIVE_FIRST_EPOCHS = 1;

export interface ZooTtd {
  zoo: ZooCurves;
  /** Training seed of the early runs replayed. */
  seed: number;
  scores: StrategyScore[];
  /** Whether the default strategy is chosen without it (any zoo but the selection benchmark's). */
  heldOut: boolean;
  /**
   * Root-mean-square over candidates of the ground truth's standard deviation across its seeds, accuracy
   * units: how far apart two equally good candidates can land. null with fewer than 2 seeds.
   */
  seedNoise: number | null;
}

/** Seed noise of a zoo's ground truth (see {@link ZooTtd.seedNoise}). */
export function truthSeedNoise(zoo: BenchZoo): number | null {
  const rows = zoo.truth.filter((t) => t.seedAccuracies.length >= 2);
  if (rows.length === 0 || rows.length < zoo.truth.length) return null;
  const variance = (xs: readonly number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  };
  return Math.sqrt(rows.reduce((a, t) => a + variance(t.seedAccuracies), 0) / rows.length);
}

export interface TtdResult {
  setting: ProbeSetting;
  /** Each zoo on the early runs of {@link EARLY_SEED}: the tables, the plot and the product check. */
  zoos: ZooTtd[];
  /** The same zoos on the replicate seeds' early runs the store holds (any number per zoo, maybe none). */
  replicates: ZooTtd[];
}

/** The product's halving bracket on a zoo: its spec's halving defaults with {@link NCAP_RUNGS}. */
export function ncapHalvingConfig(zoo: ZooCurves): HalvingConfig {
  return halvingConfigOf(defaultHalvingBudget(zoo.spec, NCAP_RUNGS));
}

/** Every strategy on one zoo's curves. */
export async function zooStrategies(zoo: ZooCurves): Promise<StrategyRun[]> {
  const curves: readonly RecordedCurve[] = zoo.curves;
  const config = ncapHalvingConfig(zoo);
  // Both cut rules, whichever is the spec's default: the table decides `budget.keepTies`.
  const ncap = await Promise.all(
    [false, true].map((keepTies) => ncapHalving(curves, { ...config, keepTies }, recordedRungScorer(curves))),
  );
  return [
    ...WINDOWS.map((w) => fixedWindow(curves, w)),
    ...ncap.map((n) => n.run),
    ...ASHA_VARIANTS.flatMap((v) => ASHA_WORKERS.map((k) => asha(curves, v, k, zoo.horizonEpochs))),
    naiveHalving(curves, NAIVE_FIRST_EPOCHS, zoo.horizonEpochs),
    fullFineTuning(curves),
  ];
}

export async function runTtdBenchmark(input: {
  zoos: readonly BenchZoo[];
  /** The zoos' early sweeps of {@link EARLY_SEED}. */
  sweeps: readonly EarlySweep[];
  /** Replicate early sweeps (other seeds). @default none */
  replicates?: readonly EarlySweep[];
  /** The probe setting whose early runs are replayed. @default TTD_SETTING */
  setting?: ProbeSetting;
  storeUri: string;
  log: (line: string) => void;
}): Promise<TtdResult> {
  const setting = input.setting ?? TTD_SETTING;
  const stores = createStoreProvider();
  try {
    const store = stores.get(input.storeUri);
    const replay = async (zoo: BenchZoo, sweep: EarlySweep): Promise<ZooTtd | null> => {
      const curves = await loadZooCurves(store, zoo, [sweep], setting);
      if (curves.curves.length < 2) {
        input.log(
          `time-to-decision: zoo ${zoo.name} seed ${sweep.seed} has ${curves.curves.length} usable candidates; skipped`,
        );
        return null;
      }
      const scores = (await zooStrategies(curves)).map((run) => scoreStrategy(curves, run));
      input.log(
        `time-to-decision: zoo ${zoo.name} seed ${sweep.seed}, ${curves.curves.length} candidates, ${scores.length} strategies`,
      );
      return {
        zoo: curves,
        seed: sweep.seed,
        scores,
        heldOut: !(SELECTION_ZOOS as readonly string[]).includes(zoo.name),
        seedNoise: truthSeedNoise(zoo),
      };
    };
    const zoos: ZooTtd[] = [];
    const replicates: ZooTtd[] = [];
    for (const zoo of input.zoos) {
      const sweep = input.sweeps.find((s) => s.zoo === zoo.name && s.setting === setting);
      if (!sweep) throw new Error(`zoo ${zoo.name}: no early sweep for ${setting}`);
      const primary = await replay(zoo, sweep);
      if (!primary) continue;
      zoos.push(primary);
      for (const r of input.replicates ?? [])
        if (r.zoo === zoo.name && r.setting === setting) {
          const replicate = await replay(zoo, r);
          if (replicate) replicates.push(replicate);
        }
    }
    return { setting, zoos, replicates };
  } finally {
    await stores.closeAll();
  }
}
