/** Live progress of a sweep in the terminal: one bar per candidate (epoch, loss, β_eff, ETA). */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { formatInput } from '../../activities/report/report-format.js';
import type { RankingRow } from '../../activities/sweep/types.js';
import type { CandidateProgress, SweepProgress } from '../../workflows/sweep-api.js';

const fmt = (x: number | null, digits = 4): string =>
  x === null || !Number.isFinite(x) ? '-' : x.toPrecision(digits);
const eta = (s: number | null): string =>
  s === null
    ? ''
    : s >= 3600
      ? `${(s / 3600).toFixed(1)}h`
      : s >= 60
        ? `${Math.round(s / 60)}m`
        : `${Math.round(s)}s`;

/**
 * "epoch 2/3" for a whole-epoch window; for a fractional one (a halving rung, `training.epochs: 0.25`)
 * the epochs trained so far, "epochs 0.31/0.5", since "epoch 1/0.5" reads as overrun.
 */
export function epochText(
  c: Pick<CandidateProgress, 'epoch' | 'totalEpochs' | 'step' | 'totalSteps'>,
): string {
  if (Number.isInteger(c.totalEpochs) || c.totalSteps <= 0) return `epoch ${c.epoch}/${c.totalEpochs}`;
  const done = (c.totalEpochs * Math.min(c.step, c.totalSteps)) / c.totalSteps;
  return `epochs ${Number(done.toFixed(2))}/${c.totalEpochs}`;
}

function barPayload(c: CandidateProgress) {
  const detail =
    c.state === 'failed' || c.state === 'cancelled'
      ? `${c.state}: ${c.failure?.type ?? ''} ${c.failure?.message.slice(0, 60) ?? ''}`
      : `${c.state}${c.reused ? ' (reused)' : ''} ${epochText(c)} loss ${fmt(c.loss, 3)} β_eff ${fmt(c.betaEff)}${c.etaSeconds !== null ? ` eta ${eta(c.etaSeconds)}` : ''}${c.input ? ` [${formatInput(c.input)}]` : ''}`;
  return { id: c.candidateId.padEnd(18).slice(0, 18), detail };
}

function barValue(c: CandidateProgress): { value: number; total: number } {
  if (c.state === 'succeeded') return { value: 1, total: 1 };
  if (c.totalSteps > 0) return { value: c.step, total: c.totalSteps };
  return { value: 0, total: 1 };
}

export interface ProgressView {
  update(progress: SweepProgress): void;
  stop(): void;
}

/** Bars on a TTY; one line per state change otherwise (CI logs, pipes). */
export function createProgressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  if (!stream.isTTY) {
    const last = new Map<string, string>();
    return {
      update(progress) {
        for (const c of progress.candidates) {
          const line = `${c.candidateId}: ${barPayload(c).detail}`;
          const key = `${c.state}:${c.epoch}`;
          if (last.get(c.candidateId) !== key) {
            last.set(c.candidateId, key);
            stream.write(`${line}\n`);
          }
        }
      },
      stop() {},
    };
  }
  const multibar = new MultiBar(
    {
      format: ' {id} [{bar}] {percentage}% {detail}',
      hideCursor: true,
      clearOnComplete: false,
      stream,
      barsize: 24,
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  return {
    update(progress) {
      for (const c of progress.candidates) {
        const { value, total } = barValue(c);
        let bar = bars.get(c.candidateId);
        if (!bar) {
          bar = multibar.create(total, value, barPayload(c));
          bars.set(c.candidateId, bar);
        }
        bar.setTotal(total);
        bar.update(value, barPayload(c));
      }
    },
    stop() {
      multibar.stop();
    },
  };
}

/** The ranking as a plain table: the applied rule's score, and β_eff (always shown). */
export function rankingTable(ranking: readonly RankingRow[], winner: string | null): string {
  const rule = ranking[0]?.rule ?? 'score';
  const rows = ranking.map(
    (r) =>
      `${String(r.rank).padStart(4)}  ${r.candidateId.padEnd(24)} ${fmt(r.score ?? null, 6).padStart(14)} ${fmt(r.betaEff, 6).padStart(12)}${r.predictedAccuracy !== null ? `  ${fmt(r.predictedAccuracy, 3)}` : ''}${r.candidateId === winner ? '  ← winner' : ''}`,
  );
  return [
    `rank  ${'candidate'.padEnd(24)} ${rule.slice(0, 14).padStart(14)} ${'β_eff'.padStart(12)}`,
    ...rows,
  ].join('\n');
}
