import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { logme } from '../../../activities/selection/logme.js';
import { mulberry32 } from '../../../activities/training/rng.js';
import { logmeJama } from '../../support/logme-jama.js';

const PYTHON = '.tools/venv/bin/python';

/**
 * A NumPy port of thuml/LogME's `LogME._fit_fixed_point` (classification), numba removed: the reference
 * the TypeScript port is held to. Reads {f, y} cases as JSON on stdin, prints the scores. One change:
 * `truncated_svd` takes the SVD of F itself, not of FᵀF, and counts as zero the singular values that
 * `numpy.linalg.matrix_rank` does (as well as the reference's ≤ 1e-10), so that on rank-deficient features
 * it gives what the reference means (the exact SVD drops the zero singular values) rather than what the
 * rounding noise of FᵀF makes of them (~1e-8·σ_max, kept by the reference's absolute cutoff: on a real
 * ReLU layer with 86 dead units that moved LogME from 0.253 to 0.072). On full-rank features the two agree
 * to about 1e-12.
 */
const NUMPY_REFERENCE = String.raw`
import json, sys
import numpy as np

def truncated_svd(x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    k = np.sum((s > max(1e-10, s[0] * max(x.shape) * np.finfo(float).eps)) * 1)
    return u[:, :k], s[:k].reshape(-1, 1), vh[:k]

def logme(f, y):
    f = f.astype(np.float64)
    N, D = f.shape
    if N > D:
        u, s, vh = truncated_svd(f)
    else:
        u, s, vh = np.linalg.svd(f, full_matrices=False)
    s = s.reshape(-1, 1)
    sigma = (s ** 2)
    evidences = []
    for i in range(int(y.max() + 1)):
        y_ = (y == i).astype(np.float64).reshape(-1, 1)
        x = u.T @ y_
        x2 = x ** 2
        res_x2 = (y_ ** 2).sum() - x2.sum()
        alpha, beta = 1.0, 1.0
        for _ in range(11):
            t = alpha / beta
            gamma = (sigma / (sigma + t)).sum()
            m2 = (sigma * x2 / ((t + sigma) ** 2)).sum()
            res2 = (x2 / ((1 + sigma / t) ** 2)).sum() + res_x2
            alpha = gamma / (m2 + 1e-5)
            beta = (N - gamma) / (res2 + 1e-5)
            t_ = alpha / beta
            if abs(t_ - t) / t <= 1e-3:
                break
        evidence = D / 2.0 * np.log(alpha) + N / 2.0 * np.log(beta) - 0.5 * np.sum(np.log(alpha + beta * sigma)) - beta / 2.0 * res2 - alpha / 2.0 * m2 - N / 2.0 * np.log(2 * np.pi)
        evidences.append(evidence / N)
    return float(np.mean(evidences))

cases = json.load(sys.stdin)
print(json.dumps([logme(np.array(c["f"]).reshape(c["n"], c["d"]), np.array(c["y"])) for c in cases]))
`;

/** Features where class c shifts a few dimensions by `signal`: more signal, more evidence. */
function makeCase(n: number, d: number, classes: number, signal: number, seed: number) {
  const random = mulberry32(seed);
  const y = Array.from({ length: n }, (_, i) => i % classes);
  const f = new Array<number>(n * d);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < d; c++) {
      const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      f[r * d + c] = gauss + (c % classes === y[r] ? signal : 0);
    }
  }
  return { n, d, f, y };
}

/**
 * Features like a ReLU layer with dead units: `live` columns max(0, gauss + class shift), `repeated` more
 * that copy one of the first 7 (some twice or more; so rank = live < D), the other D − live − repeated all
 * zero; the columns' order shuffled.
 */
function deadReluCase(n: number, d: number, classes: number, live: number, repeated: number, seed: number) {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const y = Array.from({ length: n }, (_, i) => i % classes);
  const columns = Array.from({ length: live }, (_, c) =>
    y.map((label) => Math.max(0, gauss() + (c % classes === label ? 0.8 : 0) - 0.3)),
  );
  for (let j = 0; j < repeated; j++) columns.push(columns[(2 * j) % Math.min(live, 7)]!.slice());
  while (columns.length < d) columns.push(new Array<number>(n).fill(0));
  const order = columns.map((_, c) => c).sort(() => random() - 0.5);
  const f = new Array<number>(n * d);
  for (let r = 0; r < n; r++) order.forEach((c, k) => (f[r * d + k] = columns[c]![r]!));
  return { n, d, f, y };
}

describe('LogME', () => {
  it.skipIf(!existsSync(PYTHON))(
    'matches a NumPy port of the reference implementation (N > D and N ≤ D)',
    () => {
      const cases = [
        makeCase(120, 8, 3, 1.0, 1),
        makeCase(60, 25, 4, 0.3, 2),
        makeCase(20, 40, 2, 0.8, 3), // more features than samples: the reference's direct-SVD branch
        {
          ...makeCase(50, 6, 3, 1.0, 4),
          f: makeCase(50, 6, 3, 1.0, 4).f.map((v, i) => (i % 6 === 5 ? 0 : v)),
        }, // rank-deficient
        makeCase(400, 90, 10, 0.4, 5),
        makeCase(70, 130, 5, 0.5, 6),
      ];
      const expected = JSON.parse(
        execFileSync(PYTHON, ['-c', NUMPY_REFERENCE], { input: JSON.stringify(cases) }).toString(),
      ) as number[];
      const actual = cases.map((c) => logme(c.f, c.n, c.d, c.y));
      actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 8));
    },
  );

  it.skipIf(!existsSync(PYTHON))(
    'is finite and matches the reference to 1e-6 on rank-deficient features (dead ReLU units, repeated columns)',
    () => {
      const cases = [
        deadReluCase(600, 128, 10, 30, 12, 21), // antispoof's shape: 600 images, 128 units, most of them dead
        deadReluCase(600, 128, 10, 42, 0, 22),
        deadReluCase(400, 90, 10, 20, 30, 23),
        deadReluCase(60, 128, 10, 30, 12, 24), // N ≤ D: the direct-SVD branch, rank < N
      ];
      const expected = JSON.parse(
        execFileSync(PYTHON, ['-c', NUMPY_REFERENCE], { input: JSON.stringify(cases) }).toString(),
      ) as number[];
      cases.forEach((c, i) => {
        const value = logme(c.f, c.n, c.d, c.y);
        expect(Number.isFinite(value)).toBe(true);
        expect(Math.abs(value - expected[i]!)).toBeLessThan(1e-6);
      });
    },
  );

  it('agrees with the former port that forms every eigenvector (JAMA tred2/tql2), on both branches', () => {
    const offset = makeCase(200, 30, 3, 0.7, 9);
    const cases = [
      makeCase(333, 47, 6, 0.5, 8), // sizes not multiples of the Gram tile
      makeCase(41, 77, 4, 0.6, 10),
      { ...offset, f: offset.f.map((v) => Math.max(0, v) + 20) }, // a large common mean: an ill-conditioned Gram
      { ...makeCase(30, 5, 2, 1, 11), f: makeCase(30, 5, 2, 1, 11).f.map((v, i) => (i % 5 === 0 ? 3 : v)) }, // a constant column
      { ...makeCase(25, 40, 3, 0.4, 12), y: Array.from({ length: 25 }, (_, i) => (i < 24 ? i % 3 : 4)) }, // class 3 empty
    ];
    for (const c of cases) expect(logme(c.f, c.n, c.d, c.y)).toBeCloseTo(logmeJama(c.f, c.n, c.d, c.y), 9);
  });

  it('ranks features with more class signal higher, and is invariant to the order of samples', () => {
    const weak = makeCase(90, 6, 3, 0.2, 7);
    const strong = makeCase(90, 6, 3, 1.5, 7);
    expect(logme(strong.f, 90, 6, strong.y)).toBeGreaterThan(logme(weak.f, 90, 6, weak.y));
    const order = Array.from({ length: 90 }, (_, i) => (i * 37) % 90);
    const shuffledF = order.flatMap((r) => strong.f.slice(r * 6, r * 6 + 6));
    const shuffledY = order.map((r) => strong.y[r]!);
    expect(logme(shuffledF, 90, 6, shuffledY)).toBeCloseTo(logme(strong.f, 90, 6, strong.y), 9);
  });

  it('rejects bad input naming what is wrong', () => {
    expect(() => logme([1, 2, 3], 2, 2, [0, 1])).toThrow(/expected N·D = 4/);
    expect(() => logme([1, 2, 3, 4], 2, 2, [0, -1])).toThrow(/label 1/);
  });
});
