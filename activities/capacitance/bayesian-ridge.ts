/**
 * Bayesian ridge regression with evidence maximisation, following scikit-learn's `BayesianRidge`
 * (sklearn/linear_model/_bayes.py) step for step: Gamma(α₁, α₂) and Gamma(λ₁, λ₂) hyperpriors on the
 * noise precision α and weight precision λ, MacKay fixed-point updates, centring when fitting the
 * intercept. Maps β_eff trajectory features to a final accuracy with a predictive mean and std.
 */
import { InvalidSeriesError } from './errors.js';
import { symmetricEigenVectors } from '../linalg/symmetric-eigen.js';

export interface BayesianRidgeOptions {
  /** Most evidence-maximisation iterations. @default 300 */
  maxIter?: number;
  /** Stop when Σ|coef − coef_previous| < tol. @default 1e-3 */
  tol?: number;
  /** Shape of the Gamma prior over α (noise precision). @default 1e-6 */
  alpha1?: number;
  /** Rate of the Gamma prior over α. @default 1e-6 */
  alpha2?: number;
  /** Shape of the Gamma prior over λ (weight precision). @default 1e-6 */
  lambda1?: number;
  /** Rate of the Gamma prior over λ. @default 1e-6 */
  lambda2?: number;
  /** Initial α. @default 1 / (var(y) + float64 eps) */
  alphaInit?: number;
  /** Initial λ. @default 1 */
  lambdaInit?: number;
  /** Fit an intercept by centring X and y. @default true */
  fitIntercept?: boolean;
}

export interface BayesianRidgePrediction {
  /** Predictive mean per row. */
  mean: number[];
  /** Predictive standard deviation per row: sqrt(xᵀ Σ x + 1/α), x centred by the training mean. */
  std: number[];
}

type Matrix = readonly (readonly number[])[];

const FLOAT64_EPS = 2 ** -52;

function checkMatrix(X: Matrix, what: string): number {
  if (!Array.isArray(X) || X.length === 0)
    throw new InvalidSeriesError(`${what} must be a non-empty array of rows`);
  const width = X[0]!.length;
  if (width === 0) throw new InvalidSeriesError(`${what} must have at least one feature`);
  X.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new InvalidSeriesError(
        `${what} row ${r} has ${Array.isArray(row) ? row.length : 'no'} features; expected ${width}`,
      );
    }
    row.forEach((value, c) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidSeriesError(`${what}[${r}][${c}] must be a finite number, got ${String(value)}`);
      }
    });
  });
  return width;
}

function checkTargets(y: readonly number[], n: number): void {
  if (!Array.isArray(y) || y.length !== n)
    throw new InvalidSeriesError(`y has ${y?.length} values for ${n} rows of X`);
  y.forEach((value, r) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new InvalidSeriesError(`y[${r}] must be a finite number`);
  });
}

/** The training data centred by its means (zero offsets without an intercept). */
interface Centred {
  xOffset: number[];
  yOffset: number;
  xc: number[][];
  yc: number[];
}

function centre(X: Matrix, y: readonly number[], p: number, fitIntercept: boolean): Centred {
  const n = X.length;
  const xOffset = new Array<number>(p).fill(0);
  let yOffset = 0;
  if (fitIntercept) {
    for (const row of X) for (let c = 0; c < p; c++) xOffset[c]! += row[c]!;
    for (let c = 0; c < p; c++) xOffset[c]! /= n;
    for (const value of y) yOffset += value;
    yOffset /= n;
  }
  const xc = X.map((row) => row.map((value, c) => value - xOffset[c]!));
  const yc = y.map((value) => value - yOffset);
  return { xOffset, yOffset, xc, yc };
}

/** Population variance of `y`. */
function varianceOf(y: readonly number[]): number {
  const n = y.length;
  let yVar = 0;
  let mean = 0;
  for (const value of y) mean += value;
  mean /= n;
  for (const value of y) yVar += (value - mean) ** 2;
  return yVar / n;
}

/** XᵀX = V diag(eigen) Vᵀ of the centred data, and Vᵀ Xᵀ y (reused by every coefficient update). */
interface Spectrum {
  data: Centred;
  eigen: number[];
  V: number[][];
  vtXty: number[];
}

function spectrumOf(data: Centred, p: number): Spectrum {
  const { xc, yc } = data;
  const n = xc.length;
  // sklearn takes the SVD of X; eigen are its squared singular values (zero-padded).
  const gram = Array.from({ length: p }, (_, a) =>
    Array.from({ length: p }, (_, b) => {
      let s = 0;
      for (let r = 0; r < n; r++) s += xc[r]![a]! * xc[r]![b]!;
      return s;
    }),
  );
  const { values: eigenRaw, vectors: V } = symmetricEigenVectors(gram);
  const eigen = eigenRaw.map((e) => Math.max(e, 0));
  const xty = Array.from({ length: p }, (_, a) => {
    let s = 0;
    for (let r = 0; r < n; r++) s += xc[r]![a]! * yc[r]!;
    return s;
  });
  const vtXty = eigen.map((_, k) => {
    let s = 0;
    for (let a = 0; a < p; a++) s += V[a]![k]! * xty[a]!;
    return s;
  });
  return { data, eigen, V, vtXty };
}

/** The posterior mean (XᵀX + λ/α I)⁻¹ Xᵀ y and its sum of squared residuals. */
function posteriorMean(spectrum: Spectrum, alpha: number, lambda: number): { coef: number[]; sse: number } {
  const { eigen, V, vtXty, data } = spectrum;
  const { xc, yc } = data;
  const p = eigen.length;
  const scaled = vtXty.map((value, k) => value / (eigen[k]! + lambda / alpha));
  const coef = Array.from({ length: p }, (_, a) => {
    let s = 0;
    for (let k = 0; k < p; k++) s += V[a]![k]! * scaled[k]!;
    return s;
  });
  let sse = 0;
  for (let r = 0; r < xc.length; r++) {
    let fitted = 0;
    for (let a = 0; a < p; a++) fitted += xc[r]![a]! * coef[a]!;
    sse += (yc[r]! - fitted) ** 2;
  }
  return { coef, sse };
}

type RidgeSettings = BayesianRidge['options'];

/** MacKay's fixed-point updates of α and λ until the coefficients settle (or `maxIter`). */
function maximiseEvidence(
  spectrum: Spectrum,
  settings: RidgeSettings,
  alphaInit: number,
  lambdaInit: number,
): { alpha: number; lambda: number; nIter: number } {
  const { maxIter, tol, alpha1, alpha2, lambda1, lambda2 } = settings;
  const n = spectrum.data.xc.length;
  const p = spectrum.eigen.length;
  let alpha = alphaInit;
  let lambda = lambdaInit;
  let coefOld: number[] | undefined;
  let iter = 0;
  for (iter = 0; iter < maxIter; iter++) {
    const { coef, sse } = posteriorMean(spectrum, alpha, lambda);
    let gamma = 0;
    for (const e of spectrum.eigen) gamma += (alpha * e) / (lambda + alpha * e);
    let coefSquares = 0;
    for (const value of coef) coefSquares += value * value;
    lambda = (gamma + 2 * lambda1) / (coefSquares + 2 * lambda2);
    alpha = (n - gamma + 2 * alpha1) / (sse + 2 * alpha2);
    if (iter !== 0 && coefOld) {
      let change = 0;
      for (let a = 0; a < p; a++) change += Math.abs(coefOld[a]! - coef[a]!);
      if (change < tol) break;
    }
    coefOld = coef;
  }
  return { alpha, lambda, nIter: Math.min(iter + 1, maxIter) };
}

/** Posterior covariance V diag(1 / (α eigen + λ)) Vᵀ. */
function posteriorCovariance({ V, eigen }: Spectrum, alpha: number, lambda: number): number[][] {
  const p = eigen.length;
  return Array.from({ length: p }, (_, a) =>
    Array.from({ length: p }, (_, b) => {
      let s = 0;
      for (let k = 0; k < p; k++) s += (V[a]![k]! * V[b]![k]!) / (alpha * eigen[k]! + lambda);
      return s;
    }),
  );
}

export class BayesianRidge {
  readonly options: Required<Omit<BayesianRidgeOptions, 'alphaInit' | 'lambdaInit'>> &
    Pick<BayesianRidgeOptions, 'alphaInit' | 'lambdaInit'>;
  /** Posterior mean of the weights (after {@link fit}). */
  coef: number[] = [];
  intercept = 0;
  /** Estimated noise precision. */
  alpha = NaN;
  /** Estimated weight precision. */
  lambda = NaN;
  /** Posterior covariance of the weights, (α XᵀX + λ I)⁻¹ on centred X. */
  sigma: number[][] = [];
  /** Iterations run. */
  nIter = 0;
  /** Training feature means (zeros without intercept). */
  xOffset: number[] = [];
  yOffset = 0;

  constructor(options: BayesianRidgeOptions = {}) {
    this.options = {
      maxIter: options.maxIter ?? 300,
      tol: options.tol ?? 1e-3,
      alpha1: options.alpha1 ?? 1e-6,
      alpha2: options.alpha2 ?? 1e-6,
      lambda1: options.lambda1 ?? 1e-6,
      lambda2: options.lambda2 ?? 1e-6,
      fitIntercept: options.fitIntercept ?? true,
      ...(options.alphaInit !== undefined ? { alphaInit: options.alphaInit } : {}),
      ...(options.lambdaInit !== undefined ? { lambdaInit: options.lambdaInit } : {}),
    };
  }

  /**
   * Fits on rows `X` (n × p) and targets `y` (n).
   * @throws InvalidSeriesError on ragged, empty or non-finite input or a length mismatch.
   */
  fit(X: Matrix, y: readonly number[]): this {
    const p = checkMatrix(X, 'X');
    checkTargets(y, X.length);
    const { fitIntercept } = this.options;
    // Centre (the intercept is recovered from the offsets at the end).
    const data = centre(X, y, p, fitIntercept);
    const spectrum = spectrumOf(data, p);
    const { alpha, lambda, nIter } = maximiseEvidence(
      spectrum,
      this.options,
      this.options.alphaInit ?? 1 / (varianceOf(y) + FLOAT64_EPS),
      this.options.lambdaInit ?? 1,
    );
    this.nIter = nIter;
    this.alpha = alpha;
    this.lambda = lambda;
    this.coef = posteriorMean(spectrum, alpha, lambda).coef;
    this.sigma = posteriorCovariance(spectrum, alpha, lambda);
    this.xOffset = data.xOffset;
    this.yOffset = data.yOffset;
    let offsetDot = 0;
    for (let a = 0; a < p; a++) offsetDot += data.xOffset[a]! * this.coef[a]!;
    this.intercept = fitIntercept ? data.yOffset - offsetDot : 0;
    return this;
  }

  /**
   * Predictive mean and standard deviation for rows `X` (m × p).
   * @throws InvalidSeriesError before {@link fit} or on a feature-count mismatch.
   */
  predict(X: Matrix): BayesianRidgePrediction {
    if (this.coef.length === 0) throw new InvalidSeriesError('BayesianRidge.predict called before fit');
    const p = checkMatrix(X, 'X');
    if (p !== this.coef.length)
      throw new InvalidSeriesError(`X has ${p} features; the model was fitted on ${this.coef.length}`);
    const mean: number[] = [];
    const std: number[] = [];
    for (const row of X) {
      let m = this.intercept;
      for (let a = 0; a < p; a++) m += row[a]! * this.coef[a]!;
      mean.push(m);
      const centred = row.map((value, a) => value - this.xOffset[a]!);
      let quad = 0;
      for (let a = 0; a < p; a++) {
        let s = 0;
        for (let b = 0; b < p; b++) s += centred[b]! * this.sigma[b]![a]!;
        quad += s * centred[a]!;
      }
      std.push(Math.sqrt(quad + 1 / this.alpha));
    }
    return { mean, std };
  }
}
