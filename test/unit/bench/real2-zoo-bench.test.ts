import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { earlySweepSpec } from '../../../bench/selection/early-sweeps.js';
import { loadRealZoo } from '../../../bench/selection/real-zoo.js';
import { SELECTION_ZOOS } from '../../../bench/selection/score.js';
import { parseBuildTruthArgs, TRUTH_ZOOS } from '../../../bench/truth/build-truth.js';
import { FROZEN_TRUTH_RECIPE, truthSweepSpec } from '../../../bench/truth/ground-truth.js';
import type { Real2ZooManifest } from '../../../zoos/real2/build.js';
import { MANIFEST_PATH } from '../../../zoos/real2/paths.js';
import { REAL2_NETWORKS } from '../../../zoos/real2/plan.js';

const manifest = JSON.parse(await readFile(resolve(MANIFEST_PATH), 'utf8')) as Real2ZooManifest;

describe('the second real zoo in the selection benchmark', () => {
  it('is held out: never one of the zoos the default is chosen on', () => {
    expect(SELECTION_ZOOS as readonly string[]).not.toContain('real2');
  });

  it('sweeps every network frozen at its cut, each fed its own normalisation', async () => {
    const zoo = await loadRealZoo('real2');
    expect(zoo.name).toBe('real2');
    expect(zoo.task.mode).toBe('frozen');
    expect(zoo.task.candidates.map((c) => c.id)).toEqual(REAL2_NETWORKS.map((n) => n.id));
    const spec = earlySweepSpec(zoo.task, 'trainable');
    for (const network of REAL2_NETWORKS) {
      const c = spec.candidates.find((x) => x.id === network.id)!;
      expect(c.normalisation).toEqual(network.normalisation);
      expect(c.featureLayer).toBe(network.featureLayer);
      // A cut named without pooling is left unpooled ('auto' with an explicit featureLayer means none).
      expect(c.featurePooling === 'average').toBe(network.featurePooling === 'average');
      expect(c.featurePooling).not.toBe('max');
      expect(c.model.endsWith(manifest.networks.find((n) => n.id === network.id)!.modelPath)).toBe(true);
    }
    // More than one normalisation: a dataset-level one could not feed them all.
    expect(new Set(REAL2_NETWORKS.map((n) => JSON.stringify(n.normalisation))).size).toBeGreaterThan(1);
    expect(spec.dataset.uri.endsWith(manifest.dataset.paths.train)).toBe(true);
  });

  it('spans at least two formats and twelve networks', () => {
    expect(new Set(REAL2_NETWORKS.map((n) => n.format))).toEqual(new Set(['graph-model', 'onnx']));
    expect(new Set(REAL2_NETWORKS.map((n) => n.architecture)).size).toBeGreaterThanOrEqual(12);
  });
});

describe('--build-truth --zoo real2', () => {
  it('names the zoo and passes each candidate’s normalisation into the truth sweep', () => {
    expect(parseBuildTruthArgs(['--zoo', 'real2']).zooDir).toBe(resolve(TRUTH_ZOOS.real2));
    const spec = truthSweepSpec(
      {
        name: 'real2-zoo',
        trainUri: 'file:///z/train.safetensors',
        validationUri: 'file:///z/validation.safetensors',
        testUri: 'file:///z/test.safetensors',
        normalisation: '[0,1]',
      },
      [{ id: 'ocr', model: 'file:///z/m/model.onnx', featureLayer: 'x', normalisation: '[-1,1]' }],
      FROZEN_TRUTH_RECIPE,
      1001,
    );
    expect(spec.candidates[0]).toMatchObject({ normalisation: '[-1,1]' });
    expect(spec.dataset.normalisation).toBe('[0,1]');
  });
});
