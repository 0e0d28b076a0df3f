/**
 * bench/selection/RESULTS.md from the benchmark's scores: what was run, the protocol, the zoos (seed noise
 * vs spread, noise ceiling), the default rule the protocol chose and a plain verdict, the per-zoo tables
 * with bootstrap intervals, and a plot of τ and regret against compute fraction (SVG beside the file).
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderVegaLiteSvg } from '../../activities/report/render-vega-svg.js';
import type { Interval } from '../../activities/selection/index.js';
import type { RuleSummary } from './default-rule.js';
import { EARLY_EPOCHS, EARLY_SEED, EVALUATIONS_PER_EPOCH, PROBE_SETTINGS } from './early-sweeps.js';
import type { EarlySweep } from './run-early.js';
import { BOOTSTRAP, SELECTION_ZOOS, type BenchmarkScores, type Cell } from './score.js';
import type { BenchZoo } from './zoos.js';
import { ZOO_NAMES } from './bench-args.js';

export interface ResultsInput {
  scores: BenchmarkScores;
  zoos: readonly BenchZoo[];
  sweeps: readonly EarlySweep[];
  wallSeconds: number;
  sweepSeconds: number;
  backend: string;
  argv: readonly string[];
  /** File name of the plot, relative to RESULTS.md. */
  plotFile: string;
}

/** Columns drawn in the plot (the others are in the tables). */
export const PLOTTED_COLUMNS = [
  'trainable/beta-eff',
  'trainable/beta-eff-scale-free',
  'frozen-probe/beta-eff',
  'frozen-probe/beta-eff-scale-free',
  'trainable/early-accuracy',
  'trainable/tse',
  'trainable/learning-curve',
  'trainable/hybrid',
  'trainable/hybrid-no-beta',
  'trainable/probe-width',
  'trainable/random',
] as const;

const pts = (x: number) => (100 * x).toFixed(2);
const num = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
const ci = (i: Interval, f: (x: number) => string = (x) => num(x)) =>
  `${f(i.value)} [${Number.isFinite(i.low) ? f(i.low) : '—'}, ${Number.isFinite(i.high) ? f(i.high) : '—'}]`;
const windowLabel = (w: number) => (w === 0.25 ? '¼' : w === 0.5 ? '½' : String(w));
const ruleLabel = (r: RuleSummary) =>
  `\`${r.predictor}\` (${PROBE_SETTINGS[r.setting as keyof typeof PROBE_SETTINGS].label}) at ${windowLabel(r.window)} epoch${r.window === 1 ? '' : 's'}`;

function meanOver(cells: readonly Cell[], column: string, window: number, zoos: readonly string[]) {
  const found = zoos.map((z) =>
    cells.find(
      (c) => c.protocol === 'leave-one-out' && c.column === column && c.window === window && c.zoo === z,
    ),
  );
  if (found.some((c) => !c?.metrics)) return null;
  const m = found.map((c) => c!.metrics!);
  return {
    regret: m.reduce((s, x) => s + x.regret.value, 0) / m.length,
    tau: m.reduce((s, x) => s + (Number.isFinite(x.kendallTau.value) ? x.kendallTau.value : 0), 0) / m.length,
  };
}

/** The best window of `column` on the selection zoos (lowest mean regret, then τ). */
function bestOf(scores: BenchmarkScores, column: string, zoos: readonly string[]) {
  const options = scores.windows.flatMap((w) => {
    const m = meanOver(scores.cells, column, w, zoos);
    return m ? [{ window: w, ...m }] : [];
  });
  return options.sort((a, b) => a.regret - b.regret || b.tau - a.tau)[0] ?? null;
}

/** The plain statements: what wins, and what β_eff adds. */
export function verdict(scores: BenchmarkScores): string[] {
  const zoos = scores.choice.zoos;
  const { rule, fallback } = scores.choice;
  const lines: string[] = [];
  lines.push(
    `**Winner on ${zoos.join(' + ')}: ${ruleLabel(rule)}** — mean regret ${pts(rule.meanRegret)} points, mean Kendall τ-b ${num(rule.meanTau)}.` +
      (rule.column === fallback.column && rule.window === fallback.window
        ? ''
        : ` Without observed runs (where a fitted rule cannot score) the product falls back to ${ruleLabel(fallback)} (mean regret ${pts(fallback.meanRegret)} points, τ ${num(fallback.meanTau)}).`),
  );
  const beta = [
    'trainable/beta-eff',
    'frozen-probe/beta-eff',
    'trainable/beta-eff-scale-free',
    'frozen-probe/beta-eff-scale-free',
  ]
    .map((c) => ({ column: c, best: bestOf(scores, c, zoos) }))
    .filter((b) => b.best);
  const betaBest = [...beta].sort((a, b) => a.best!.regret - b.best!.regret || b.best!.tau - a.best!.tau)[0];
  const isBetaRule = rule.predictor.startsWith('beta-eff');
  if (betaBest) {
    lines.push(
      `Best β_eff variant: \`${betaBest.column}\` at ${windowLabel(betaBest.best!.window)} epochs, mean regret ${pts(betaBest.best!.regret)} points, mean τ ${num(betaBest.best!.tau)}` +
        (isBetaRule ? ' — it is the rule.' : ` — behind the winner.`) +
        ' Every β_eff row: ' +
        beta.map((b) => `\`${b.column}\` τ ${num(b.best!.tau)} / regret ${pts(b.best!.regret)}`).join('; ') +
        '.',
    );
  }
  // What β adds to a ridge over the other early signals: hybrid vs hybrid-no-beta at each window.
  const adds = scores.windows.flatMap((w) => {
    const withBeta = meanOver(scores.cells, 'trainable/hybrid', w, zoos);
    const without = meanOver(scores.cells, 'trainable/hybrid-no-beta', w, zoos);
    return withBeta && without ? [{ w, withBeta, without }] : [];
  });
  if (adds.length > 0) {
    const better = adds.filter((a) => a.withBeta.regret < a.without.regret && a.withBeta.tau > a.without.tau);
    lines.push(
      `Adding the β_eff features to the Bayesian ridge over early accuracy, TSE and the curve (hybrid vs hybrid-no-beta, mean over ${zoos.join(' + ')}): ` +
        adds
          .map(
            (a) =>
              `${windowLabel(a.w)} ep: τ ${num(a.withBeta.tau)} vs ${num(a.without.tau)}, regret ${pts(a.withBeta.regret)} vs ${pts(a.without.regret)}`,
          )
          .join('; ') +
        '. ' +
        (better.length === 0 && !isBetaRule
          ? '**β_eff adds nothing** here: at no window does the ridge with β beat the ridge without it on both regret and τ, and no β_eff variant is the rule.'
          : better.length === 0
            ? 'The ridge gains nothing from β, though a β variant is the rule.'
            : `With β the ridge is better on both at ${better.map((b) => windowLabel(b.w)).join(', ')} epochs.`),
    );
  }
  return lines;
}

function zooTable(scores: BenchmarkScores): string[] {
  const out = [
    '| zoo | what it is | candidates (with truth) | ground truth | truth seeds | spread of truths | seed noise (rms std) | spread / noise | noise ceiling: τ between seeds (mean, min–max) · each seed vs the others · top-1 agreement |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const z of scores.zoos) {
    const nc = z.noiseCeiling;
    out.push(
      `| ${z.name}${z.heldOut ? ' (held out)' : ''} | ${z.description} | ${z.candidates}${z.missingTruth.length ? ` (no truth yet: ${z.missingTruth.join(', ')})` : ''}${z.failedEarly.length ? `; early run failed: ${z.failedEarly.join(', ')}` : ''} | ${z.truthRecipe} | ${z.seeds.join(', ') || '1 (see note)'} | ${pts(z.spread)} pts | ${z.seeds.length >= 2 ? `${pts(z.seedNoise)} pts` : 'n/a (one seed)'} | ${z.seeds.length >= 2 && z.seedNoise > 0 ? (z.spread / z.seedNoise).toFixed(1) : '—'} | ${nc ? `${num(nc.pairwiseKendall.mean)} (${num(nc.pairwiseKendall.min)}–${num(nc.pairwiseKendall.max)}) · ${num(nc.leaveOneSeedOutKendall)} · ${(100 * nc.top1Agreement).toFixed(0)}%` : 'n/a (needs ≥ 2 seeds per candidate)'} |`,
    );
  }
  return out;
}

function selectionTable(scores: BenchmarkScores): string[] {
  const out = [
    `| # | rule (column @ window) | mean regret (pts) | mean τ-b | needs observed runs |`,
    '|---|---|---|---|---|',
  ];
  scores.choice.ranking.slice(0, 15).forEach((r, i) => {
    out.push(
      `| ${i + 1} | \`${r.column}\` @ ${windowLabel(r.window)} | ${pts(r.meanRegret)} | ${num(r.meanTau)} | ${r.fitted ? 'yes' : 'no'} |`,
    );
  });
  return out;
}

function zooCells(scores: BenchmarkScores, zoo: string, protocol: Cell['protocol']): string[] {
  const rows = scores.cells.filter((c) => c.zoo === zoo && c.protocol === protocol);
  if (rows.length === 0) return [];
  const out = [
    '| predictor (probe setting) | window (epochs) | compute fraction | scored | Kendall τ-b [95% CI] | weighted τ [95% CI] | Spearman ρ [95% CI] | top-1 (bootstrap rate) | regret, pts [95% CI] |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const column of scores.columns) {
    for (const w of scores.windows) {
      const c = rows.find((r) => r.column === column.id && r.window === w);
      if (!c) continue;
      const m = c.metrics;
      out.push(
        `| \`${column.predictor}\` (${column.setting}) | ${windowLabel(w)} | ${c.computeFraction === null ? '—' : `${(100 * c.computeFraction).toFixed(1)}%`} | ${c.scored} | ${m ? ci(m.kendallTau) : '—'} | ${m ? ci(m.weightedTau) : '—'} | ${m ? ci(m.spearman) : '—'} | ${m ? `${m.top1Hit.value ? 'hit' : 'miss'} (${(100 * m.top1Hit.rate).toFixed(0)}%)` : '—'} | ${m ? ci(m.regret, pts) : '—'} |`,
      );
    }
  }
  return out;
}

/** The plot: τ and regret against compute fraction, one line per predictor through its windows, per zoo. */
export function plotSpec(scores: BenchmarkScores): TopLevelSpec {
  const values = scores.cells.flatMap((c) =>
    c.protocol === 'leave-one-out' &&
    c.metrics &&
    c.computeFraction !== null &&
    (PLOTTED_COLUMNS as readonly string[]).includes(c.column)
      ? [
          {
            zoo: c.zoo,
            metric: 'Kendall τ-b',
            predictor: c.column,
            window: c.window,
            fraction: c.computeFraction,
            value: c.metrics.kendallTau.value,
          },
          {
            zoo: c.zoo,
            metric: 'regret (points)',
            predictor: c.column,
            window: c.window,
            fraction: c.computeFraction,
            value: 100 * c.metrics.regret.value,
          },
        ]
      : [],
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: {
      row: { field: 'metric', type: 'nominal', title: null },
      column: { field: 'zoo', type: 'nominal', title: 'zoo' },
    },
    spec: {
      width: 260,
      height: 200,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: {
              field: 'fraction',
              type: 'quantitative',
              scale: { type: 'log' },
              title: 'compute fraction (early / full fine-tuning samples)',
              axis: { format: '.1%' },
            },
            y: { field: 'value', type: 'quantitative', title: null },
            color: { field: 'predictor', type: 'nominal', title: 'predictor (probe setting)' },
            order: { field: 'window', type: 'quantitative' },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent', x: 'independent' } },
    config: { font: 'sans-serif', background: 'white' },
  } as TopLevelSpec;
}

/** Title, how and when it was generated, and which zoos it covers. */
function headerSection(input: ResultsInput): string[] {
  const { scores } = input;
  const missingZoos = ZOO_NAMES.filter((z) => !scores.zoos.some((s) => s.name === z));
  return [
    '# Selection benchmark: which rule picks the candidate that fine-tunes best?',
    '',
    `Generated from scratch by \`npm run bench:selection${input.argv.length ? ` -- ${input.argv.join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. ` +
      `Wall time ${(input.wallSeconds / 60).toFixed(1)} min (early sweeps ${(input.sweepSeconds / 60).toFixed(1)} min, ` +
      `${input.sweeps.reduce((s, x) => s + x.reused, 0)} of ${input.sweeps.reduce((s, x) => s + (x.reused >= 0 ? 1 : 0), 0) && input.zoos.reduce((s, z) => s + 2 * z.task.candidates.length, 0)} candidate runs reused from an earlier run), TF.js backend ${input.backend}, on the project's shared 2-core machine.`,
    '',
    `Covers zoos ${scores.zoos.map((z) => z.name).join(', ')}` +
      (missingZoos.length
        ? `; **not covered: ${missingZoos.join(', ')}** (run \`npm run bench:selection -- --zoos ${ZOO_NAMES.join(',')}\` once ${missingZoos.some((z) => z.startsWith('real')) ? 'the real zoos are built (`npm run zoo:real:build`, `npm run zoo:real2:build`) and their ground truth is in' : 'its ground truth is in'}).`
        : '.'),
    '',
  ];
}

/** The verdict, then one line per held-out zoo: how the chosen rule did there, scored after it was fixed. */
function verdictSection(scores: BenchmarkScores): string[] {
  const rule = scores.choice.rule;
  const held = scores.zoos.filter((z) => z.heldOut).map((z) => z.name);
  const heldRule = held.flatMap((z) => {
    const c = scores.cells.find(
      (x) =>
        x.zoo === z && x.protocol === 'leave-one-out' && x.column === rule.column && x.window === rule.window,
    );
    return c?.metrics ? [{ zoo: z, m: c.metrics }] : [];
  });
  return [
    '## Verdict',
    '',
    ...verdict(scores).map((l) => `- ${l}`),
    ...(heldRule.length
      ? heldRule.map(
          (h) =>
            `- Held-out zoo ${h.zoo} (scored after the rule was fixed): the rule's τ-b ${ci(h.m.kendallTau)}, regret ${ci(h.m.regret, pts)} points, top-1 ${h.m.top1Hit.value ? 'hit' : 'miss'}.`,
        )
      : ['- No held-out zoo was scored in this run.']),
    '',
  ];
}

/** How the early runs, predictors, metrics and the default rule were made. */
function protocolSection(scores: BenchmarkScores): string[] {
  return [
    '## Protocol',
    '',
    `- **Early runs** go through the product: one real ncap sweep per zoo and probe setting on an embedded Temporal dev server with the workers in process (as \`npm run demo\` runs them), ${EARLY_EPOCHS} epochs with ${EVALUATIONS_PER_EPOCH} validation evaluations per epoch, so the windows ${scores.windows.map(windowLabel).join(', ')} epochs are read from the same run (the evaluation at step round(w · steps per epoch) and everything before it). Training seed ${EARLY_SEED}, disjoint from the ground truth's seeds; the optimiser, batch size and probe widths are the ground truth recipe's.`,
    `- **Probe settings**: ${Object.entries(PROBE_SETTINGS)
      .map(
        ([k, s]) =>
          `\`${k}\` = ${s.label} (\`probe.trainable: ${s.probe.trainable}\`${s.probe.recordBatchStats ? ', `recordBatchStats: true`' : ''}, \`interactionModel: ${s.interactionModel}\`)`,
      )
      .join(
        '; ',
      )}. β predictors read that run's snapshots; the other predictors are shown for both runs where they make sense.`,
    `- **Predictors** come from the selection library (\`activities/selection/\`); β directions are calibrated leave-one-out (never picked after looking), the ridges are fitted leave-one-out within a zoo and leave-one-zoo-out across zoos; a candidate is never scored by a model that saw its own truth.`,
    `- **Metrics** (selection library): Kendall τ-b, weighted τ, Spearman ρ, top-1 hit, regret = best ground truth − the pick's (points), each with a ${(100 * BOOTSTRAP.confidence).toFixed(0)}% percentile bootstrap interval over candidates (${BOOTSTRAP.resamples} resamples, seed ${BOOTSTRAP.seed}); compute fraction = Σ early training samples inside the window / Σ training samples of the candidates' full fine-tuning (the ground truth's recorded samples); noise ceiling from the ground truth's seeds.`,
    `- **Choosing the default** (\`bench/selection/default-rule.ts\`, fixed before any zoo was scored): on zoos ${SELECTION_ZOOS.join(' + ')} only, leave-one-out scores; the lowest mean regret, then the highest mean τ-b, at the smallest window that reaches that regret; \`random\` is a reference, not a rule; the fallback (when the rule cannot score, e.g. a ridge without observed runs) is chosen the same way among rules that need no labelled runs. The held-out zoo's early runs are read only after the choice is made, and its numbers are reported, not used.`,
    '',
  ];
}

/** The zoos, the ranking the default was chosen from, and the plot. */
function overviewSections(scores: BenchmarkScores, plotFile: string): string[] {
  return [
    '## Zoos',
    '',
    ...zooTable(scores),
    '',
    `## Ranking of the rules on ${scores.choice.zoos.join(' + ')} (what the default was chosen from)`,
    '',
    ...selectionTable(scores),
    '',
    '## τ and regret against compute fraction',
    '',
    `![Kendall τ-b and regret against compute fraction, per predictor and zoo (leave-one-out)](${plotFile})`,
    '',
  ];
}

/** Each zoo's leave-one-out table. */
function leaveOneOutSections(scores: BenchmarkScores): string[] {
  return scores.zoos.flatMap((z) => [
    `## Zoo ${z.name}${z.heldOut ? ' (held out)' : ''}: leave-one-out`,
    '',
    ...zooCells(scores, z.name, 'leave-one-out'),
    '',
  ]);
}

/** The fitted predictors' leave-one-zoo-out rows; nothing when none were scored that way. */
function leaveOneZooOutSection(scores: BenchmarkScores): string[] {
  const lozo = scores.cells.filter((c) => c.protocol === 'leave-one-zoo-out');
  if (lozo.length === 0) return [];
  const lines = [
    '## Leave-one-zoo-out (fitted predictors only; fixed ones equal their leave-one-out rows)',
    '',
    '| zoo | predictor (probe setting) | window | Kendall τ-b [95% CI] | regret, pts [95% CI] | top-1 |',
    '|---|---|---|---|---|---|',
  ];
  for (const c of lozo) {
    const col = scores.columns.find((x) => x.id === c.column);
    if (!col?.fitted) continue;
    lines.push(
      `| ${c.zoo} | \`${col.predictor}\` (${col.setting}) | ${windowLabel(c.window)} | ${c.metrics ? ci(c.metrics.kendallTau) : '—'} | ${c.metrics ? ci(c.metrics.regret, pts) : '—'} | ${c.metrics ? (c.metrics.top1Hit.value ? 'hit' : 'miss') : '—'} |`,
    );
  }
  lines.push('');
  return lines;
}

/** The early runs that failed, with their reasons, and the sweeps that ran them. */
function sweepSections(sweeps: readonly EarlySweep[]): string[] {
  const failed = sweeps.flatMap((s) =>
    s.failed.map((f) => `${s.zoo}/${s.setting}/${f.candidateId}: ${f.reason}`),
  );
  return [
    ...(failed.length ? ['## Failed early runs', '', ...failed.map((f) => `- ${f}`), ''] : []),
    '## Sweeps',
    '',
    ...sweeps.map(
      (s) => `- ${s.zoo} / ${s.setting}: \`${s.sweepId}\`, ${s.reused} reused, ${s.seconds.toFixed(0)} s`,
    ),
    '',
  ];
}

/** RESULTS.md, its plot (SVG) and the summary a run prints at its end. */
export async function renderResults(
  input: ResultsInput,
): Promise<{ markdown: string; svg: string; summary: string }> {
  const { scores } = input;
  const lines: string[] = [
    ...headerSection(input),
    ...verdictSection(scores),
    ...protocolSection(scores),
    ...overviewSections(scores, input.plotFile),
    ...leaveOneOutSections(scores),
    ...leaveOneZooOutSection(scores),
    ...sweepSections(input.sweeps),
  ];
  const svg = await renderVegaLiteSvg(plotSpec(scores));
  const summary = [
    `selection benchmark (${scores.zoos.map((z) => z.name).join(', ')})`,
    ...verdict(scores),
  ].join('\n');
  return { markdown: lines.join('\n'), svg, summary };
}
