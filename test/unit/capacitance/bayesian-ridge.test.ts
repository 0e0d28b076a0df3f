import { describe, expect, it } from 'vitest';
import { BayesianRidge, InvalidSeriesError } from '../../../activities/capacitance/index.js';
import { symmetricEigenVectors } from '../../../activities/linalg/symmetric-eigen.js';
import { closeRelative, readFixtureJson, seededRandom } from './helpers.js';

interface RidgeCase {
  name: string;
  params: Record<string, number | boolean>;
  X: number[][];
  y: number[];
  X_test: number[][];
  coef: number[];
  intercept: number;
  alpha: number;
  lambda: number;
  n_iter: number;
  sigma: number[][];
  mean: number[];
  std: number[];
}

const PARAM_NAMES: Record<string, string> = {
  max_iter: 'maxIter',
  tol: 'tol',
  alpha_1: 'alpha1',
  alpha_2: 'alpha2',
  lambda_1: 'lambda1',
  lambda_2: 'lambda2',
  alpha_init: 'alphaInit',
  lambda_init: 'lambdaInit',
  fit_intercept: 'fitIntercept',
};

const fixture = readFixtureJson<{ cases: RidgeCase[] }>('bayesian-ridge.json');

/** Agreement with sklearn to 1e-7 relative, or absolutely when the value is tiny next to `scale`. */
function expectClose(got: number, want: number, scale: number, what: string): void {
  expect(closeRelative(got, want, 1e-7, scale * 1e-3), `${what}: ${got} vs ${want}`).toBe(true);
}

describe('BayesianRidge against scikit-learn', () => {
  it('has fixtures', () => expect(fixture.cases.length).toBeGreaterThanOrEqual(8));

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const options = Object.fromEntries(
      Object.entries(c.params).map(([key, value]) => [PARAM_NAMES[key]!, value]),
    );
    const model = new BayesianRidge(options).fit(c.X, c.y);
    expect(model.nIter).toBe(c.n_iter);
    expectClose(model.alpha, c.alpha, 0, 'alpha');
    expectClose(model.lambda, c.lambda, 0, 'lambda');
    const coefScale = Math.max(...c.coef.map(Math.abs));
    c.coef.forEach((want, i) => expectClose(model.coef[i]!, want, coefScale, `coef[${i}]`));
    expectClose(model.intercept, c.intercept, Math.abs(c.intercept) + coefScale, 'intercept');
    const sigmaScale = Math.max(...c.sigma.flat().map(Math.abs));
    c.sigma.forEach((row, a) =>
      row.forEach((want, b) => expectClose(model.sigma[a]![b]!, want, sigmaScale, `sigma[${a}][${b}]`)),
    );
    const prediction = model.predict(c.X_test);
    const meanScale = Math.max(...c.mean.map(Math.abs));
    c.mean.forEach((want, i) => expectClose(prediction.mean[i]!, want, meanScale, `mean[${i}]`));
    c.std.forEach((want, i) => expectClose(prediction.std[i]!, want, 0, `std[${i}]`));
  });

  it('rejects invalid input', () => {
    expect(() => new BayesianRidge().fit([], [])).toThrow(InvalidSeriesError);
    expect(() => new BayesianRidge().fit([[1, 2], [3]], [1, 2])).toThrow(/row 1 has 1 features; expected 2/);
    expect(() => new BayesianRidge().fit([[1], [2]], [1])).toThrow(/y has 1 values for 2 rows/);
    expect(() => new BayesianRidge().fit([[1], [Infinity]], [1, 2])).toThrow(
      /X\[1\]\[0\] must be a finite number/,
    );
    expect(() => new BayesianRidge().predict([[1]])).toThrow(/before fit/);
    const model = new BayesianRidge().fit([[1], [2], [3]], [1, 2, 3.5]);
    expect(() => model.predict([[1, 2]])).toThrow(/2 features; the model was fitted on 1/);
  });
});

describe('symmetricEigenVectors (the eigensolver the ridge uses)', () => {
  it('reconstructs random symmetric matrices with orthonormal eigenvectors', () => {
    const random = seededRandom(3);
    for (const n of [1, 2, 3, 5, 8]) {
      const b = Array.from({ length: n }, () => Array.from({ length: n }, () => random() - 0.5));
      const a = b.map((row, i) => row.map((_, j) => b[i]![j]! + b[j]![i]!));
      if (n === 5) {
        // Rank-deficient: a zero row and column.
        for (let i = 0; i < n; i++) a[i]![4] = a[4]![i] = 0;
      }
      const { values, vectors } = symmetricEigenVectors(a);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let reconstructed = 0;
          let gram = 0;
          for (let k = 0; k < n; k++) {
            reconstructed += vectors[i]![k]! * values[k]! * vectors[j]![k]!;
            gram += vectors[k]![i]! * vectors[k]![j]!;
          }
          expect(reconstructed).toBeCloseTo(a[i]![j]!, 12);
          expect(gram).toBeCloseTo(i === j ? 1 : 0, 12);
        }
      }
    }
  });
});
