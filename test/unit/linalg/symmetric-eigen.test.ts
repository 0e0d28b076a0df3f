import { describe, expect, it } from 'vitest';
import { gram } from '../../../activities/linalg/gram.js';
import { symmetricEigen, symmetricEigenVectors } from '../../../activities/linalg/symmetric-eigen.js';
import { mulberry32 } from '../../../activities/training/rng.js';
import { denseSymmetricEigen } from '../../support/jama-symmetric-eigen.js';

function randomSymmetric(n: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = random() - 0.5 + (i === j ? 2 : 0);
  return a;
}

function randomVector(n: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => random() - 0.5);
}

describe('symmetricEigen', () => {
  it('gives the eigenvalues of the JAMA port and |Vᵀx| of its eigenvectors', () => {
    for (const n of [1, 2, 3, 5, 17, 64, 131]) {
      const a = randomSymmetric(n, n);
      const xs = [randomVector(n, 100 + n), randomVector(n, 200 + n)];
      const { values, projections } = symmetricEigen({ matrix: a, size: n, project: xs });
      const oracle = denseSymmetricEigen(a, n);
      values.forEach((value, k) => expect(value).toBeCloseTo(oracle.values[k]!, 11));
      xs.forEach((x, j) => {
        for (let k = 0; k < n; k++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += oracle.vectors[i * n + k]! * x[i]!;
          expect(Math.abs(projections[j]![k]!)).toBeCloseTo(Math.abs(dot), 11);
        }
      });
    }
  });

  it('reads only the lower triangle and handles columns that need no reflection', () => {
    // Block-diagonal with an exact zero column below the diagonal: the tridiagonalisation skips a step.
    const n = 6;
    const a = randomSymmetric(n, 7);
    for (let j = 0; j < 3; j++) for (let i = 3; i < n; i++) a[i * n + j] = a[j * n + i] = 0;
    a[1 * n + 0] = a[0 * n + 1] = 0;
    a[2 * n + 0] = a[0 * n + 2] = 0;
    const upperGarbage = Float64Array.from(a);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) upperGarbage[i * n + j] = 99;
    const { values } = symmetricEigen({ matrix: upperGarbage, size: n });
    const oracle = denseSymmetricEigen(a, n);
    values.forEach((value, k) => expect(value).toBeCloseTo(oracle.values[k]!, 12));
  });

  it('symmetricEigenVectors rebuilds A = V diag(λ) Vᵀ with orthonormal V', () => {
    const n = 9;
    const flat = randomSymmetric(n, 3);
    const rows = Array.from({ length: n }, (_, i) => Array.from(flat.subarray(i * n, i * n + n)));
    const { values, vectors } = symmetricEigenVectors(rows);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rebuilt = 0;
        let dot = 0;
        for (let k = 0; k < n; k++) {
          rebuilt += vectors[i]![k]! * values[k]! * vectors[j]![k]!;
          dot += vectors[k]![i]! * vectors[k]![j]!;
        }
        expect(rebuilt).toBeCloseTo(rows[i]![j]!, 11);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 11);
      }
    }
  });

  it('stays finite and exact at scales whose squares under- or overflow (scaled Householder columns)', () => {
    // A rank-deficient Gram matrix leaves a trailing block of rounding noise that shrinks with every
    // reflection (10⁻⁶⁵ and below were seen); the unscaled ‖column‖² then underflowed to a subnormal and
    // β = 2/‖v‖² to Infinity, turning eigenvalues into NaN. Oracle: eig(sA) = s·eig(A), exactly up to rounding.
    for (const n of [5, 70]) {
      const a = randomSymmetric(n, 40 + n);
      const xs = [randomVector(n, 300 + n)];
      const reference = symmetricEigen({ matrix: a, size: n, project: xs });
      for (const scale of [1e-160, 1e-300, 1e160]) {
        const { values, projections } = symmetricEigen({
          matrix: a.map((v) => v * scale),
          size: n,
          project: xs,
        });
        values.forEach((value, k) => expect(value / scale).toBeCloseTo(reference.values[k]!, 11));
        projections[0]!.forEach((p, k) =>
          expect(Math.abs(p)).toBeCloseTo(Math.abs(reference.projections[0]![k]!), 9),
        );
      }
    }
  });

  it('rejects a matrix of the wrong size', () => {
    expect(() => symmetricEigen({ matrix: new Float64Array(5), size: 2 })).toThrow(/2×2/);
  });
});

describe('denseSymmetricEigen (the JAMA oracle)', () => {
  it('reconstructs A = V diag(λ) Vᵀ with orthonormal V and ascending λ', () => {
    const n = 30;
    const a = randomSymmetric(n, 5);
    const { values, vectors } = denseSymmetricEigen(a, n);
    for (let i = 1; i < n; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let rebuilt = 0;
        let dot = 0;
        for (let k = 0; k < n; k++) {
          rebuilt += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
          dot += vectors[k * n + i]! * vectors[k * n + j]!;
        }
        expect(rebuilt).toBeCloseTo(a[i * n + j]!, 10);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  });
});

describe('gram', () => {
  it('equals the plain triple loop for counts that are not multiples of its tile', () => {
    for (const [count, length] of [
      [1, 3],
      [5, 7],
      [10, 1],
      [13, 20],
    ] as const) {
      const rows = randomVector(count * length, count);
      const g = gram({ rows, count, length });
      for (let i = 0; i < count; i++) {
        for (let j = 0; j < count; j++) {
          let dot = 0;
          for (let r = 0; r < length; r++) dot += rows[i * length + r]! * rows[j * length + r]!;
          expect(g[i * count + j]).toBeCloseTo(dot, 12);
        }
      }
    }
  });
});
