/**
 * Early stopping on validation accuracy, as a small explicit state machine. The state is a pure fold over
 * the per-epoch validation accuracies, so a resumed run (whose history comes from its checkpoint) reaches
 * the same decision as an uninterrupted one without storing anything extra.
 */

/** When a full-training run stops: validation accuracy has not improved for `patience` epochs. */
export interface StoppingRule {
  /** Epochs without an improvement of the best validation accuracy (by more than `minDelta`) before stopping; ≥ 1. */
  patience: number;
  /** Smallest increase of validation accuracy (in [0, 1] units) that counts as an improvement; ≥ 0. */
  minDelta: number;
}

/**
 * - `improving`: the last epoch set a new best (or no epoch has run yet).
 * - `waiting`: 1 … patience−1 epochs since the best.
 * - `stopped`: `patience` epochs since the best (`reason: 'plateau'`), or the epoch limit was reached
 *   (`reason: 'max-epochs'`).
 */
export type StoppingPhase = 'improving' | 'waiting' | 'stopped';

export interface StoppingState {
  phase: StoppingPhase;
  /** Epoch (1-based) with the best validation accuracy so far; 0 before the first epoch. */
  bestEpoch: number;
  /** Best validation accuracy so far; −∞ before the first epoch. */
  bestValue: number;
  /** Epochs since `bestEpoch`. */
  sinceBest: number;
  /** Epochs seen. */
  epochs: number;
  /** Why the run stopped, once `phase` is `stopped`. */
  reason?: 'plateau' | 'max-epochs';
}

export const initialStoppingState = (): StoppingState => ({
  phase: 'improving',
  bestEpoch: 0,
  bestValue: Number.NEGATIVE_INFINITY,
  sinceBest: 0,
  epochs: 0,
});

/**
 * The state after one more epoch whose validation accuracy is `value` (NaN or null counts as no
 * improvement). A stopped state stays stopped.
 * @param maxEpochs the epoch limit: reaching it stops the run (`reason: 'max-epochs'`) unless the
 *   plateau rule fired on the same epoch.
 */
export function nextStoppingState(
  state: StoppingState,
  value: number | null,
  rule: StoppingRule,
  maxEpochs: number,
): StoppingState {
  if (state.phase === 'stopped') return state;
  const epochs = state.epochs + 1;
  const improved = value !== null && Number.isFinite(value) && value > state.bestValue + rule.minDelta;
  // The first finite value always becomes the best, whatever minDelta says.
  const first = state.bestEpoch === 0 && value !== null && Number.isFinite(value);
  const next: StoppingState =
    improved || first
      ? { phase: 'improving', bestEpoch: epochs, bestValue: value, sinceBest: 0, epochs }
      : { ...state, phase: 'waiting', sinceBest: state.sinceBest + 1, epochs };
  if (next.sinceBest >= rule.patience) return { ...next, phase: 'stopped', reason: 'plateau' };
  if (epochs >= maxEpochs) return { ...next, phase: 'stopped', reason: 'max-epochs' };
  return next;
}

/** Folds {@link nextStoppingState} over the validation accuracies of the epochs run so far. */
export function stoppingStateOf(
  valAccuracies: readonly (number | null)[],
  rule: StoppingRule,
  maxEpochs: number,
): StoppingState {
  return valAccuracies.reduce<StoppingState>(
    (state, value) => nextStoppingState(state, value, rule, maxEpochs),
    initialStoppingState(),
  );
}
