/**
 * `ncap sweep validate`'s check on real ONNX models: what each candidate is fed, and the warning for an
 * integer-input model whose normalisation would round its pixels away.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { validateSpecModels, validationLines } from '../../../scripts/sweeps/validate-spec.js';
import { tempStore, tf, useCpuBackend } from '../training/helpers.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/onnx/', import.meta.url));
const uri = (name: string) => pathToFileURL(join(FIXTURES, name)).href;

const spec = (uint8Normalisation: 'none' | '[0,1]') =>
  validateSweepSpec({
    name: 'validate',
    dataset: { uri: uri('data'), normalisation: '[0,1]', validationFraction: 0.25, seed: 1 },
    candidates: [
      { id: 'float', model: uri('nchw-dynamic.onnx') },
      { id: 'uint8', model: uri('nhwc-uint8-fixed1.onnx'), normalisation: uint8Normalisation },
    ],
    mode: 'frozen',
    probe: { widths: [8, 8, 8] },
  });

describe('sweep validate on ONNX candidates', () => {
  beforeAll(() => useCpuBackend());

  it('warns when a uint8-input model gets pixels scaled into [0,1], and not once it gets them raw', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const scaled = await validateSpecModels(spec('[0,1]'), { tf, store });
      expect(scaled.ok).toBe(true);
      const uint8 = scaled.candidates.find((c) => c.candidateId === 'uint8')!;
      expect(uint8.input).toMatchObject({ dtype: 'uint8', batch: 1, layout: 'NHWC' });
      const lines = validationLines(scaled);
      expect(lines).toContainEqual(
        expect.stringMatching(/^ {2}WARN uint8: its input is uint8 .*normalisation: none/),
      );
      expect(lines.filter((l) => l.includes('WARN'))).toHaveLength(1);

      const raw = validationLines(await validateSpecModels(spec('none'), { tf, store }));
      expect(raw.filter((l) => l.includes('WARN'))).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
