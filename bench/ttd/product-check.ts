/**
 * The product's halving sweep against the simulation: for each zoo, a real `budget.strategy: halving`
 * sweep of the same candidates, data, seed and training as the early runs (rungs {@link NCAP_RUNGS}, the
 * schema's other defaults), and whether it kept the same survivors at every rung, picked the same winner
 * and spent the same samples as the replay. `bench:ttd -- --run-product` runs the sweeps; both commands
 * compare whatever halving sweeps the store holds (a sweep's id follows its spec, so it is found again).
 */
import { createHash } from 'node:crypto';
import { DEFAULT_KEEP_TIES, validateSweepSpec, type SweepSpec } from '../../activities/spec/sweep-spec.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { ArtifactNotFoundError } from '../../activities/store/errors.js';
import { sweepKeys } from '../../activities/store/keys.js';
import { canonicalJson } from '../../activities/sweep/stored-spec.js';
import { earlySweepSpec, type ProbeSetting } from '../selection/early-sweeps.js';
import type { BenchZoo } from '../selection/zoos.js';
import { NCAP_RUNGS } from './ncap-halving.js';
import type { StrategyRun } from './strategies.js';

/** One zoo's comparison. */
export interface ProductCheck {
  zoo: string;
  sweepId: string;
  /** Contenders per rung, as the product ran them and as simulated. */
  productRungs: number[];
  simulatedRungs: number[];
  sameSurvivors: boolean;
  /** Where they differ, one line each. */
  differences: string[];
  productWinner: string | null;
  simulatedWinner: string;
  productSamples: number | null;
  simulatedSamples: number;
}

/** What this check reads of a sweep's report.json (its `bracket` and `compute`). */
interface ReportBracket {
  bracket?: {
    rungSizes: number[];
    decision: { winner: string | null } | null;
    entries: { candidateId: string; rung: number }[];
  };
  compute?: { trainSamples: number };
}

/**
 * The halving sweep of `zoo`: its early sweep's spec (same data, seed, optimiser, probe and evaluations)
 * over the candidates the replay has (`candidateIds`, default: those with a ground truth), with
 * `budget: { strategy: halving, rungs }` and training up to the last rung.
 */
export function halvingSweepSpec(
  zoo: BenchZoo,
  setting: ProbeSetting,
  candidateIds: readonly string[] = zoo.truth.map((t) => t.candidateId),
): SweepSpec & { id: string } {
  const early = earlySweepSpec(
    { ...zoo.task, candidates: zoo.task.candidates.filter((c) => candidateIds.includes(c.id)) },
    setting,
  );
  const { id: _earlyId, concurrency: _concurrency, ...rest } = early;
  const input = {
    ...rest,
    name: `ttd-halving-${zoo.task.name}`,
    description: `time-to-decision benchmark: the product's halving sweep of ${zoo.task.name}`,
    training: { ...early.training, epochs: NCAP_RUNGS.at(-1)! },
    // keepTies only when it is the default, so sweeps recorded before it existed keep their ids.
    budget: {
      strategy: 'halving' as const,
      rungs: [...NCAP_RUNGS],
      ...(DEFAULT_KEEP_TIES ? { keepTies: true } : {}),
    },
  };
  const hash = createHash('sha256').update(canonicalJson(input)).digest('hex').slice(0, 10);
  const id = `ttd-halving-${zoo.task.name}-${setting}-${hash}`;
  return { ...validateSweepSpec({ ...input, id }), id };
}

/** Compares a halving sweep's report with the replayed bracket. */
export function compareWithProduct(
  zoo: string,
  sweepId: string,
  report: ReportBracket,
  simulated: StrategyRun,
): ProductCheck {
  const simulatedRungs = simulated.rungs.map((r) => r.candidates.length);
  const simulatedSamples = simulated.spent.reduce((s, x) => s + x.trainSamples, 0);
  const simulatedWinner = simulated.ranking[0]!.candidateId;
  const base = { zoo, sweepId, simulatedRungs, simulatedWinner, simulatedSamples };
  if (!report.bracket)
    return {
      ...base,
      productRungs: [],
      sameSurvivors: false,
      differences: ['the report has no bracket: the sweep did not run as a halving sweep'],
      productWinner: null,
      productSamples: report.compute?.trainSamples ?? null,
    };
  const { bracket } = report;
  const differences: string[] = [];
  const rungs = Math.max(bracket.rungSizes.length, simulated.rungs.length);
  for (let r = 0; r < rungs; r++) {
    const product = new Set(bracket.entries.filter((e) => e.rung >= r).map((e) => e.candidateId));
    if (r >= bracket.rungSizes.length) product.clear();
    const replay = new Set(simulated.rungs[r]?.candidates ?? []);
    const onlyProduct = [...product].filter((id) => !replay.has(id));
    const onlyReplay = [...replay].filter((id) => !product.has(id));
    if (onlyProduct.length || onlyReplay.length)
      differences.push(
        `rung ${r + 1}: only the product trained ${onlyProduct.join(', ') || 'none'}; only the replay ${onlyReplay.join(', ') || 'none'}`,
      );
  }
  const productWinner = bracket.decision?.winner ?? null;
  if (productWinner === null)
    differences.unshift(
      'the product sweep named no winner (every contender failed, or it was cancelled): see its report',
    );
  if (productWinner !== simulatedWinner)
    differences.push(`winner: product ${productWinner ?? 'none'}, replay ${simulatedWinner}`);
  const productSamples = report.compute?.trainSamples ?? null;
  if (productSamples !== simulatedSamples)
    differences.push(`samples: product ${productSamples ?? 'unrecorded'}, replay ${simulatedSamples}`);
  return {
    ...base,
    productRungs: bracket.rungSizes,
    sameSurvivors: productWinner !== null && differences.every((d) => !d.startsWith('rung')),
    differences,
    productWinner,
    productSamples,
  };
}

/** The halving sweep of each zoo already in `store`, compared with its replay (zoos without one are left out). */
export async function storedProductChecks(
  store: ArtifactStore,
  zoos: readonly { zoo: BenchZoo; setting: ProbeSetting; simulated: StrategyRun }[],
): Promise<ProductCheck[]> {
  const out: ProductCheck[] = [];
  for (const { zoo, setting, simulated } of zoos) {
    const sweepId = halvingSweepSpec(
      zoo,
      setting,
      simulated.spent.map((s) => s.candidateId),
    ).id;
    let report: ReportBracket;
    try {
      report = JSON.parse(
        Buffer.from(await store.get(sweepKeys(sweepId).reportJson)).toString('utf8'),
      ) as ReportBracket;
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) continue;
      throw error;
    }
    out.push(compareWithProduct(zoo.name, sweepId, report, simulated));
  }
  return out;
}
