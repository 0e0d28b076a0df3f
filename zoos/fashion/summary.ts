/**
 * The human-readable summary of a built zoo: a table of candidates and the check that their ground-truth
 * accuracies spread beyond the seed-to-seed noise (otherwise a selection benchmark on the zoo means little).
 */
import type { ManifestCandidate } from './manifest.js';

export interface SpreadCheck {
  /** Highest minus lowest mean ground-truth accuracy, in accuracy units [0, 1]. */
  spread: number;
  /** Root mean square of the per-candidate standard deviations over seeds (the typical seed noise). */
  seedNoise: number;
  /** spread / seedNoise (Infinity when the noise is 0); higher means clearer separation. */
  ratio: number;
  /** Candidate pairs whose means differ by more than the sum of their standard deviations. */
  separatedPairs: number;
  /** All candidate pairs with a ground truth. */
  pairs: number;
}

/** Compares the spread of the candidates' mean ground truths with their seed noise (candidates without one are skipped). */
export function spreadCheck(
  candidates: readonly { groundTruth?: { accuracyMean: number; accuracyStd: number } | undefined }[],
): SpreadCheck {
  const truths = candidates.flatMap((c) => (c.groundTruth ? [c.groundTruth] : []));
  const means = truths.map((t) => t.accuracyMean);
  const spread = means.length > 0 ? Math.max(...means) - Math.min(...means) : 0;
  const seedNoise = Math.sqrt(
    truths.reduce((a, t) => a + t.accuracyStd ** 2, 0) / Math.max(1, truths.length),
  );
  let separatedPairs = 0;
  let pairs = 0;
  for (let i = 0; i < truths.length; i++) {
    for (let j = i + 1; j < truths.length; j++) {
      const a = truths[i];
      const b = truths[j];
      if (!a || !b) continue;
      pairs++;
      if (Math.abs(a.accuracyMean - b.accuracyMean) > a.accuracyStd + b.accuracyStd) separatedPairs++;
    }
  }
  return {
    spread,
    seedNoise,
    ratio: seedNoise > 0 ? spread / seedNoise : Number.POSITIVE_INFINITY,
    separatedPairs,
    pairs,
  };
}

/** A fixed-width text table: id, architecture, params, source accuracy, ground truth mean ± std (percent). */
export function zooTable(candidates: readonly ManifestCandidate[]): string {
  const rows = [
    ['id', 'architecture', 'params', 'source acc', 'target acc (fine-tuned)'],
    ...candidates.map((c) => [
      c.id,
      c.architecture,
      String(c.params),
      `${(100 * c.sourceAccuracy).toFixed(2)}%`,
      c.groundTruth
        ? `${(100 * c.groundTruth.accuracyMean).toFixed(2)} ± ${(100 * c.groundTruth.accuracyStd).toFixed(2)}% (n=${c.groundTruth.seeds.length})`
        : '—',
    ]),
  ];
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * A Markdown table of the candidates' ground truths (for the zoo READMEs): architecture, parameters,
 * feature width, source accuracy, target test accuracy mean ± std over the seeds measured, the mean best
 * epoch and epochs run, and the mean training samples of one run.
 */
export function truthMarkdownTable(candidates: readonly ManifestCandidate[]): string {
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const rows = candidates.map((c) => {
    const t = c.groundTruth;
    const truth = t
      ? `${(100 * t.accuracyMean).toFixed(2)} ± ${(100 * t.accuracyStd).toFixed(2)}% (n=${t.seeds.length})`
      : '—';
    const epochs = t
      ? `${mean(t.runs.map((r) => r.bestEpoch)).toFixed(1)} / ${mean(t.runs.map((r) => r.epochsRun)).toFixed(1)}`
      : '—';
    const samples = t ? Math.round(t.samplesProcessedMean).toLocaleString('en-US') : '—';
    return `| ${c.id} | ${c.architecture} | ${c.params.toLocaleString('en-US')} | ${c.featureWidth} | ${(100 * c.sourceAccuracy).toFixed(2)}% | ${truth} | ${epochs} | ${samples} |`;
  });
  return [
    '| id | architecture | params | feature width | source acc | ground truth (target test acc) | best / run epochs | samples per run |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}
