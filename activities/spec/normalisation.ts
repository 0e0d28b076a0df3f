/**
 * Pixel normalisation: the one place its presets are defined. Every form expands to the affine
 * per-channel map `y = (x·scale + offset − mean[c]) / std[c]`, applied after the channels are put in the
 * model's order (`channelOrder`); `x` is the raw value (0–255 for 8-bit images).
 */

/** Channel order the model expects for 3-channel input; datasets are read as RGB. */
export const CHANNEL_ORDERS = ['rgb', 'bgr'] as const;
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];

/** A normalisation with every preset expanded. */
export interface ResolvedNormalisation {
  scale: number;
  offset: number;
  /** Empty means 0 for every channel; in the model's channel order. */
  mean: number[];
  /** Empty means 1 for every channel; in the model's channel order. */
  std: number[];
  /** `'bgr'`: RGB input is reversed to BGR before scaling. Absent means RGB (so older identities hash as before). */
  channelOrder?: 'bgr';
}

/**
 * The presets by name:
 * - `none`: raw values;
 * - `[0,1]`: x / 255;
 * - `[-1,1]`: x / 127.5 − 1 (MobileNet, Inception);
 * - `imagenet`: x / 255, then the ImageNet per-channel mean/std of 0–1 RGB (timm, torchvision);
 * - `caffe`: RGB → BGR, 0–255, ImageNet BGR mean subtracted (Keras `preprocess_input(mode='caffe')`:
 *   ResNet50, VGG).
 */
export const NORMALISATION_PRESETS = {
  none: { scale: 1, offset: 0, mean: [], std: [] },
  '[0,1]': { scale: 1 / 255, offset: 0, mean: [], std: [] },
  '[-1,1]': { scale: 2 / 255, offset: -1, mean: [], std: [] },
  imagenet: { scale: 1 / 255, offset: 0, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  caffe: { scale: 1, offset: 0, mean: [103.939, 116.779, 123.68], std: [], channelOrder: 'bgr' },
} satisfies Record<string, ResolvedNormalisation>;

export type NormalisationPreset = keyof typeof NORMALISATION_PRESETS;
export const NORMALISATION_PRESET_NAMES = Object.keys(NORMALISATION_PRESETS) as [
  NormalisationPreset,
  ...NormalisationPreset[],
];

/** The explicit form: every field optional (scale 1, offset 0, no mean, no std, RGB). */
export interface ExplicitNormalisation {
  scale?: number | undefined;
  offset?: number | undefined;
  mean?: number[] | undefined;
  std?: number[] | undefined;
  channelOrder?: ChannelOrder | undefined;
}

/** Expands a (validated) preset name or explicit form. */
export function resolveNormalisation(n: NormalisationPreset | ExplicitNormalisation): ResolvedNormalisation {
  if (typeof n === 'string') {
    const preset: ResolvedNormalisation = NORMALISATION_PRESETS[n];
    return { ...preset, mean: [...preset.mean], std: [...preset.std] };
  }
  return {
    scale: n.scale ?? 1,
    offset: n.offset ?? 0,
    mean: n.mean ?? [],
    std: n.std ?? [],
    ...(n.channelOrder === 'bgr' ? { channelOrder: 'bgr' as const } : {}),
  };
}

/** Short text of a normalisation for progress lines and reports: the preset's name, else the map. */
export function normalisationText(n: NormalisationPreset | ExplicitNormalisation): string {
  if (typeof n === 'string') return n;
  const r = resolveNormalisation(n);
  const parts = [
    ...(r.channelOrder ? ['bgr'] : []),
    ...(r.scale !== 1 ? [`×${Number(r.scale.toPrecision(4))}`] : []),
    ...(r.offset !== 0 ? [`${r.offset > 0 ? '+' : ''}${r.offset}`] : []),
    ...(r.mean.length ? [`−[${r.mean.join(',')}]`] : []),
    ...(r.std.length ? [`÷[${r.std.join(',')}]`] : []),
  ];
  return parts.length ? parts.join(' ') : 'none';
}
