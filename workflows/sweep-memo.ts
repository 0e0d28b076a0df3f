/**
 * The sweep workflow's memo: what a client needs to find and list a sweep without its store — the store,
 * the name, when it was created, and (once decided) its outcome and winner. The client that starts a sweep
 * sets the first three; the workflow adds the outcome and winner when it ends. Sweeps started before the
 * memo existed have none: readers fall back to the workflow's start input (its `storeUri` and `spec`).
 */
import type { SweepStatus } from './sweep-api.js';

export interface SweepMemo {
  /** The sweep's artifact store URI (no credentials: they stay with the workers). */
  storeUri: string;
  /** The spec's `name`. */
  name: string;
  /** ISO time the first run was started by a client. */
  createdAt: string;
  /** How the workflow ended (`completed` or `cancelled`); absent while it runs. */
  outcome?: Extract<SweepStatus, 'completed' | 'cancelled'>;
  /** The winner's candidate id; null when the sweep ended without one; absent while it runs. */
  winner?: string | null;
}

/** The patch id that guards the workflow's `upsertMemo` of the outcome (histories recorded before it replay). */
export const SWEEP_MEMO_PATCH = 'sweep-memo-outcome';

/** A memo as read back from Temporal (untyped), or undefined when it is not a sweep memo. */
export function parseSweepMemo(memo: Record<string, unknown> | undefined): SweepMemo | undefined {
  if (!memo || typeof memo.storeUri !== 'string' || typeof memo.name !== 'string') return undefined;
  const outcome = memo.outcome === 'completed' || memo.outcome === 'cancelled' ? memo.outcome : undefined;
  return {
    storeUri: memo.storeUri,
    name: memo.name,
    createdAt: typeof memo.createdAt === 'string' ? memo.createdAt : '',
    ...(outcome ? { outcome } : {}),
    ...(typeof memo.winner === 'string' || memo.winner === null ? { winner: memo.winner } : {}),
  };
}
