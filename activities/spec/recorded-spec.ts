/**
 * A recorded spec (a sweep's `spec.json`, a workflow input read back from history) brought to the current
 * shape. Older shapes are told apart by their fields, not their `version` (every one says 1):
 * - no `budget` (or `budget: null`): recorded before budgets existed; such sweeps trained a fixed window;
 * - a halving budget without `keepTies`: recorded before it existed; its bracket cut by rank alone;
 * - a halving spec whose `training.epochs` is not its last rung: recorded before the window followed the
 *   rungs; its training never read that field, which is the last rung today;
 * - a candidate without `featurePooling`: recorded when unset meant `'none'` (new specs record `'auto'`),
 *   so a resumed sweep extracts the features and resumes the checkpoints it had.
 *
 * Dependency-free and pure, so the sweep workflow applies it to its own input (committed histories replay)
 * and `validateRecordedSpec` before validating: the layers below see only the current shape.
 */

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `raw` with the older shapes' fields filled as those sweeps ran; anything else passes through unchanged. */
export function upgradeRecordedSpec<T>(raw: T): T {
  if (!isRecord(raw)) return raw;
  return withRecordedBudget(withRecordedPooling(raw)) as T;
}

function withRecordedPooling(raw: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(raw.candidates)) return raw;
  const candidates: unknown[] = raw.candidates.map((c: unknown) =>
    isRecord(c) && c.featurePooling === undefined ? { ...c, featurePooling: 'none' } : c,
  );
  return { ...raw, candidates };
}

function withRecordedBudget(raw: Record<string, unknown>): Record<string, unknown> {
  const budget = raw.budget ?? { strategy: 'fixed' };
  if (!isRecord(budget) || budget.strategy !== 'halving') return { ...raw, budget };
  const lastRung: unknown = Array.isArray(budget.rungs) ? budget.rungs.at(-1) : undefined;
  const training = isRecord(raw.training) ? raw.training : undefined;
  return {
    ...raw,
    budget: { ...budget, keepTies: budget.keepTies ?? false },
    ...(training && typeof lastRung === 'number' ? { training: { ...training, epochs: lastRung } } : {}),
  };
}
