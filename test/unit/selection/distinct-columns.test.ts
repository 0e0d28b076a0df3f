import { describe, expect, it } from 'vitest';
import { distinctColumns } from '../../../activities/selection/distinct-columns.js';
import { gram } from '../../../activities/linalg/gram.js';
import { symmetricEigen } from '../../../activities/linalg/symmetric-eigen.js';
import { logme } from '../../../activities/selection/logme.js';

describe('distinctColumns', () => {
  it('drops zero columns and merges identical ones scaled by √copies, keeping FᵀF’s non-zero spectrum', () => {
    // Columns: a, 0, b, a, a, 0, c (N = 4, D = 7).
    const [a, b, c] = [
      [1, 2, 0, 3],
      [0.5, -1, 4, 0],
      [2, 0, 1, 1],
    ];
    const columns = [a, [0, 0, 0, 0], b, a, a, [0, 0, 0, 0], c];
    const f = Array.from({ length: 4 * 7 }, (_, i) => columns[i % 7]![Math.floor(i / 7)]!);
    const { features, width } = distinctColumns(f, 4, 7);
    expect(width).toBe(3);
    const expected = [a.map((v) => v * Math.sqrt(3)), b, c];
    for (let r = 0; r < 4; r++)
      for (let k = 0; k < 3; k++) expect(features[r * 3 + k]).toBeCloseTo(expected[k]![r]!, 14);
    const full = symmetricEigen({
      matrix: gram({ rows: f, count: 7, length: 4, transposed: true }),
      size: 7,
    });
    const reduced = symmetricEigen({
      matrix: gram({ rows: features, count: 3, length: 4, transposed: true }),
      size: 3,
    });
    reduced.values.forEach((value, k) => expect(value).toBeCloseTo(full.values[4 + k]!, 10));
  });

  it('returns the features themselves when no column is zero or repeated', () => {
    const f = [1, 2, 3, 4, 5, 6];
    expect(distinctColumns(f, 3, 2)).toEqual({ features: f, width: 2 });
  });

  it('leaves LogME of all-zero features undefined (not finite), as the reference', () => {
    expect(
      Number.isFinite(
        logme(
          new Float32Array(20 * 3),
          20,
          3,
          Array.from({ length: 20 }, (_, i) => i % 2),
        ),
      ),
    ).toBe(false);
  });
});
