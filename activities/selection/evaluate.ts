/**
 * Evaluation protocols of the selection benchmark: every candidate is scored by a predictor fitted
 * without its own truth. Leave-one-out within a zoo (fit on the other candidates, plus any external
 * labelled runs); leave-one-zoo-out across zoos (fit on every other zoo, score the held-out one). Fixed
 * predictors are fitted once (their fit ignores the runs), so both protocols agree for them. Across zoos
 * the hybrids regress raw accuracies: a zoo whose accuracies sit higher shifts the intercept, which does
 * not change the held-out zoo's order, but a feature that tracks the zoos' levels can take weight that
 * does not transfer — leave-one-zoo-out measures exactly that.
 */
import type { LabelledRow, Predictor, PredictorScore } from './predictor.js';
import {
  computeFraction,
  noiseCeiling,
  selectionMetrics,
  type BootstrapOptions,
  type NoiseCeiling,
  type SelectionMetrics,
} from './metrics.js';

/** Per row, the score of `predictor` fitted on `extra` and every other row. */
export function leaveOneOutScores(
  predictor: Predictor,
  rows: readonly LabelledRow[],
  extra: readonly LabelledRow[] = [],
): (PredictorScore | null)[] {
  if (predictor.direction !== 'fitted') {
    const fitted = predictor.fit([]);
    return rows.map((row) => fitted.score(row));
  }
  return rows.map((row, i) => predictor.fit([...extra, ...rows.filter((_, j) => j !== i)]).score(row));
}

/** Per zoo, the scores of its rows under `predictor` fitted on all the other zoos' rows. */
export function leaveOneZooOutScores(
  predictor: Predictor,
  zoos: readonly { name: string; rows: readonly LabelledRow[] }[],
): Map<string, (PredictorScore | null)[]> {
  return new Map(
    zoos.map((zoo) => {
      const fitted = predictor.fit(zoos.filter((z) => z !== zoo).flatMap((z) => z.rows));
      return [zoo.name, zoo.rows.map((row) => fitted.score(row))];
    }),
  );
}

/** One zoo of the benchmark: its candidates' features and truths, and what they cost. */
export interface BenchmarkZoo {
  name: string;
  rows: LabelledRow[];
  /** Per row, samples processed by its early run (for the compute fraction). */
  earlySamples?: number[];
  /** Per row, samples processed by its full fine-tuning. */
  fullSamples?: number[];
  /** Per row, the final accuracy of each ground-truth seed (for the noise ceiling). */
  seedAccuracies?: number[][];
}

export interface PredictorEvaluation {
  zoo: string;
  predictor: string;
  protocol: 'leave-one-out' | 'leave-one-zoo-out';
  /** Candidates the predictor could score. */
  scored: number;
  /** Metrics over the scored candidates; null with fewer than 2. */
  metrics: SelectionMetrics | null;
}

export interface BenchmarkResult {
  evaluations: PredictorEvaluation[];
  zoos: {
    name: string;
    candidates: number;
    computeFraction: number | null;
    noiseCeiling: NoiseCeiling | null;
  }[];
}

function metricsOf(
  rows: readonly LabelledRow[],
  scores: readonly (PredictorScore | null)[],
  bootstrap: BootstrapOptions,
) {
  const kept = rows.flatMap((row, i) =>
    scores[i] ? [{ score: scores[i].value, truth: row.finalAccuracy }] : [],
  );
  return {
    scored: kept.length,
    metrics:
      kept.length >= 2
        ? selectionMetrics(
            kept.map((k) => k.score),
            kept.map((k) => k.truth),
            bootstrap,
          )
        : null,
  };
}

/**
 * Scores every predictor on every zoo, leave-one-out within each zoo and (with ≥ 2 zoos)
 * leave-one-zoo-out, with bootstrap intervals, plus each zoo's compute fraction and noise ceiling.
 */
export function benchmarkSelection(
  zoos: readonly BenchmarkZoo[],
  predictors: readonly Predictor[],
  bootstrap: BootstrapOptions = {},
): BenchmarkResult {
  const evaluations: PredictorEvaluation[] = [];
  for (const predictor of predictors) {
    for (const zoo of zoos) {
      evaluations.push({
        zoo: zoo.name,
        predictor: predictor.name,
        protocol: 'leave-one-out',
        ...metricsOf(zoo.rows, leaveOneOutScores(predictor, zoo.rows), bootstrap),
      });
    }
    if (zoos.length >= 2) {
      const scores = leaveOneZooOutScores(predictor, zoos);
      for (const zoo of zoos) {
        evaluations.push({
          zoo: zoo.name,
          predictor: predictor.name,
          protocol: 'leave-one-zoo-out',
          ...metricsOf(zoo.rows, scores.get(zoo.name)!, bootstrap),
        });
      }
    }
  }
  return {
    evaluations,
    zoos: zoos.map((zoo) => ({
      name: zoo.name,
      candidates: zoo.rows.length,
      computeFraction:
        zoo.earlySamples && zoo.fullSamples ? computeFraction(zoo.earlySamples, zoo.fullSamples) : null,
      noiseCeiling:
        zoo.seedAccuracies && zoo.seedAccuracies.length >= 2 ? noiseCeiling(zoo.seedAccuracies) : null,
    })),
  };
}
