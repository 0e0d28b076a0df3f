/**
 * The global steps of epoch `epoch` (1-based) at which validation is evaluated: `perEpoch` evenly spaced
 * points, the last at the epoch's end (fewer when the epoch has fewer steps than points).
 */
export function evaluationSteps(epoch: number, stepsPerEpoch: number, perEpoch: number): number[] {
  const base = (epoch - 1) * stepsPerEpoch;
  const offsets = new Set<number>();
  for (let k = 1; k <= perEpoch; k++) {
    const offset = Math.round((k * stepsPerEpoch) / perEpoch);
    if (offset > 0) offsets.add(offset);
  }
  return [...offsets].sort((a, b) => a - b).map((o) => base + o);
}
