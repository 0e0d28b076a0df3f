import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { logme } from '../../../activities/selection/logme.js';
import { mulberry32 } from '../../../activities/training/rng.js';
import { logmeJama } from '../../support/logme-jama.js';

const PYTHON = '.tools/venv/bin/python';

/**
 * A NumPy port of thuml/LogME's `LogME._fit_fixed_point` (classification), numba removed: the reference
 * the TypeScript port is held to. Reads {f, y} cases as JSON on stdin, prints the scores.
 */
const NUMPY_REFERENCE = String.raw`
import json, sys
import numpy as np

def truncated_svd(x):
    u, s, vh = np.linalg.svd(x.transpose() @ x)
    s = np.sqrt(s)
    u_times_sigma = x @ vh.transpose()
    k = np.sum((s > 1e-10) * 1)
    s = s.reshape(-1, 1)
    s = s[:k]
    vh = vh[:k]
    u = u_times_sigma[:, :k] / s.reshape(1, -1)
    return u, s, vh

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
