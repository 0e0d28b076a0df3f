/** The real zoo's text summary: one row per candidate, and the ground truths' spread against seed noise. */
import { spreadCheck } from '../fashion/summary.js';
import type { GroundTruth } from '../fashion/manifest.js';

/** What these summaries read of a frozen real zoo's manifest (either real zoo's). */
export interface FrozenZooSummaryInput {
  candidates: readonly {
    id: string;
    network: string;
    featureLayer: string;
    featurePooling: string;
    featureDim: number;
    groundTruth?: GroundTruth;
  }[];
}

const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** A fixed-width table: id, network, cut, probe input width, ground truth mean ± std (percent). */
export function zooTable(manifest: FrozenZooSummaryInput): string {
  const rows = [
    ['id', 'network', 'feature layer', 'pooling', 'width', 'ground truth (test acc)', 'best epochs'],
    ...manifest.candidates.map((c) => [
      c.id,
      c.network,
      c.featureLayer.split('/').slice(-2).join('/'),
      c.featurePooling,
      String(c.featureDim),
      c.groundTruth
        ? `${percent(c.groundTruth.accuracyMean)} ± ${percent(c.groundTruth.accuracyStd)} (n=${c.groundTruth.runs.length})`
        : '—',
      c.groundTruth ? c.groundTruth.runs.map((r) => r.bestEpoch).join(',') : '',
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One line: spread of the mean ground truths vs the seed noise; `undefined` without ground truth. */
export function spreadSummary(manifest: FrozenZooSummaryInput): string | undefined {
  if (!manifest.candidates.some((c) => c.groundTruth)) return undefined;
  const check = spreadCheck(manifest.candidates);
  return (
    `spread of ground truths ${(100 * check.spread).toFixed(2)} points vs seed noise (rms std) ${(100 * check.seedNoise).toFixed(2)} points: ` +
    `ratio ${check.ratio.toFixed(1)}; ${check.separatedPairs}/${check.pairs} candidate pairs separated by more than their summed std`
  );
}

/** The README's ground-truth table: one row per candidate, best first. */
export function realTruthMarkdownTable(manifest: FrozenZooSummaryInput): string {
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const rows = [...manifest.candidates]
    .sort((a, b) => (b.groundTruth?.accuracyMean ?? -1) - (a.groundTruth?.accuracyMean ?? -1))
    .map((c) => {
      const t = c.groundTruth;
      if (!t) return `| \`${c.id}\` | ${c.featureDim} | — | — | — | — |`;
      const runs = t.runs.map((r) => (100 * r.testAccuracy).toFixed(1)).join(', ');
      const epochs = `${mean(t.runs.map((r) => r.bestEpoch)).toFixed(1)} / ${mean(t.runs.map((r) => r.epochsRun)).toFixed(1)}`;
      return `| \`${c.id}\` | ${c.featureDim} | ${percent(t.accuracyMean)} ± ${percent(t.accuracyStd)} (n=${t.runs.length}) | ${runs} | ${epochs} | ${Math.round(t.samplesProcessedMean).toLocaleString('en-US')} |`;
    });
  return [
    '| candidate | width | test accuracy (mean ± std) | runs | best / run epochs | samples per run |',
    '| --- | ---: | ---: | --- | ---: | ---: |',
    ...rows,
  ].join('\n');
}
