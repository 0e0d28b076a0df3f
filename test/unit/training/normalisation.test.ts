/**
 * Per-model normalisation: each preset against a plain-JS oracle written from the frameworks' own
 * definitions (Keras `preprocess_input` modes, torchvision's ImageNet transform), through a small model's
 * features; and the feature-cache key of every form that existed before the presets, pinned.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toTrainingInput } from '../../../activities/spec/training-input.js';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { featureCacheFolder } from '../../../activities/training/feature-cache.js';
import { createInputAdapter } from '../../../activities/training/input-adapter.js';
import { resolveNormalisation } from '../../../activities/training/resolve-input.js';
import { seededRandom, tf, useCpuBackend } from './helpers.js';

beforeAll(() => useCpuBackend());

const H = 4;
const W = 5;
const random = seededRandom(18);
/** A 2-image RGB uint8 batch, NHWC. */
const raw = Uint8Array.from({ length: 2 * H * W * 3 }, () => Math.floor(random() * 256));
/** 1×1 convolution kernel [c][k]: 3 channels to 2 features, then global average pooling. */
const kernel = [
  [0.7, -0.2],
  [-0.4, 0.9],
  [0.25, 0.5],
];

/** The frameworks' definitions, per pixel: RGB 0–255 in, the model's channels out. */
const ORACLES: Record<string, (rgb: number[]) => number[]> = {
  // tf.keras.applications.imagenet_utils.preprocess_input(mode='tf'): x / 127.5 − 1
  '[-1,1]': (rgb) => rgb.map((v) => v / 127.5 - 1),
  '[0,1]': (rgb) => rgb.map((v) => v / 255),
  // torchvision: ToTensor() then Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
  imagenet: (rgb) => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    return rgb.map((v, c) => (v / 255 - mean[c]!) / std[c]!);
  },
  // preprocess_input(mode='caffe'): x[..., ::-1], then x[..., 0] −= 103.939, x[..., 1] −= 116.779, x[..., 2] −= 123.68
  caffe: (rgb) => {
    const bgr = [rgb[2]!, rgb[1]!, rgb[0]!];
    return [bgr[0]! - 103.939, bgr[1]! - 116.779, bgr[2]! - 123.68];
  },
  none: (rgb) => rgb,
};

/** Features of the oracle: mean over pixels of the 1×1 convolution of the preprocessed pixel. */
function oracleFeatures(pre: (rgb: number[]) => number[]): number[][] {
  return [0, 1].map((n) => {
    const sums = [0, 0];
    for (let p = 0; p < H * W; p++) {
      const at = (n * H * W + p) * 3;
      const x = pre([raw[at]!, raw[at + 1]!, raw[at + 2]!]);
      for (let k = 0; k < 2; k++) sums[k]! += x.reduce((s, v, c) => s + v * kernel[c]![k]!, 0);
    }
    return sums.map((s) => s / (H * W));
  });
}

function tfFeatures(normalisation: Parameters<typeof resolveNormalisation>[0]): number[][] {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [H, W, 3], filters: 2, kernelSize: 1, useBias: false }),
      tf.layers.globalAveragePooling2d({}),
    ],
  });
  model.layers[0]!.setWeights([tf.tensor4d(kernel.flat(), [1, 1, 3, 2])]);
  const { adapt } = createInputAdapter(
    tf,
    [H, W, 3],
    'uint8',
    [H, W, 3],
    resolveNormalisation(normalisation),
  );
  try {
    return tf.tidy(() => (model.predict(adapt(raw, 2)) as tf.Tensor).arraySync() as number[][]);
  } finally {
    model.dispose();
  }
}

const maxAbsDiff = (a: number[][], b: number[][]): number =>
  Math.max(...a.flatMap((row, i) => row.map((v, k) => Math.abs(v - b[i]![k]!))));

describe('normalisation presets', () => {
  for (const preset of ['[-1,1]', '[0,1]', 'imagenet', 'caffe', 'none'] as const) {
    it(`${preset}: the features equal the framework definition's, computed outside TF.js`, () => {
      const expected = oracleFeatures(ORACLES[preset]!);
      const scale = Math.max(...expected.flat().map(Math.abs));
      expect(maxAbsDiff(tfFeatures(preset), expected)).toBeLessThan(1e-5 * Math.max(1, scale));
    });
  }

  it('the wrong normalisation changes the features', () => {
    const caffe = oracleFeatures(ORACLES.caffe!);
    // caffe without its BGR swap: same mean subtraction on RGB (the mistake a wrong channel order makes).
    const rgbCaffe = tfFeatures({ mean: [103.939, 116.779, 123.68] });
    expect(maxAbsDiff(rgbCaffe, caffe)).toBeGreaterThan(1);
    expect(maxAbsDiff(tfFeatures('imagenet'), oracleFeatures(ORACLES['[-1,1]']!))).toBeGreaterThan(0.1);
    expect(maxAbsDiff(tfFeatures('[0,1]'), oracleFeatures(ORACLES.imagenet!))).toBeGreaterThan(0.1);
  });

  it("the explicit form with channelOrder 'bgr' equals the caffe preset", () => {
    const explicit = tfFeatures({ mean: [103.939, 116.779, 123.68], channelOrder: 'bgr' });
    expect(maxAbsDiff(explicit, oracleFeatures(ORACLES.caffe!))).toBeLessThan(1e-3);
  });

  it("rejects channelOrder 'bgr' for a 1-channel model, naming the field", () => {
    expect(() =>
      createInputAdapter(tf, [H, W, 3], 'uint8', [H, W, 1], resolveNormalisation('caffe')),
    ).toThrow(/channelOrder 'bgr' needs a 3-channel/);
  });
});

describe('feature-cache key', () => {
  const folder = (normalisation: Parameters<typeof resolveNormalisation>[0]) =>
    featureCacheFolder(
      {
        weightsHash: 'abc',
        featureLayer: 'flatten',
        normalisation: resolveNormalisation(normalisation),
        inputShape: [28, 28, 1],
      },
      'dataset-hash',
    );

  it('is unchanged for every form that existed before the presets (pinned before they were added)', () => {
    expect(folder('none')).toBe('features/f5a56e44ee6417fdcded42c768b0f85ea72e80bbd650402deef99bdd3c4113dc/');
    expect(folder('[0,1]')).toBe(
      'features/f6276b2f60b54de3a32d86dc10107ce1dd435b048244bd9e319f76498c8d52cb/',
    );
    expect(folder('[-1,1]')).toBe(
      'features/49c29d35f8500f96ae5314ce48ffc8b63fcdf9c15132c286630a44fcfe314bae/',
    );
    expect(folder({ scale: 2, offset: 1, mean: [0.5], std: [0.25] })).toBe(
      'features/dacf56857cbb0f10688f5502733c4be63443fbafcc070b48b3a5f1d04080ccce/',
    );
    expect(folder({ scale: 2, offset: 1, mean: [0.5], std: [0.25], channelOrder: 'rgb' })).toBe(
      folder({ scale: 2, offset: 1, mean: [0.5], std: [0.25] }),
    );
  });

  it('differs between normalisations, the BGR order included', () => {
    const keys = new Set((['none', '[0,1]', '[-1,1]', 'imagenet', 'caffe'] as const).map((n) => folder(n)));
    expect(keys.size).toBe(5);
    expect(folder({ mean: [103.939, 116.779, 123.68] })).not.toBe(folder('caffe'));
  });
});

describe('candidate normalisation', () => {
  const spec = (candidate: Record<string, unknown>) =>
    validateSweepSpec({
      name: 'norm',
      dataset: { uri: 'file:///data/x.safetensors', normalisation: '[-1,1]' },
      candidates: [{ id: 'a', model: 'file:///zoo/a/model.json', ...candidate }],
    });

  it("overrides the dataset's in the training input; without one the dataset's is used as before", () => {
    expect(toTrainingInput(spec({ normalisation: 'caffe' }), 's', 'a').dataset.normalisation).toBe('caffe');
    const plain = toTrainingInput(spec({}), 's', 'a');
    expect(plain.dataset).toEqual(spec({}).dataset);
  });

  it('rejects an unknown preset, naming the candidate field and the choices', () => {
    expect(() => spec({ normalisation: 'torch' })).toThrow(
      /candidates\[0\]\.normalisation.*imagenet.*caffe/s,
    );
  });
});
