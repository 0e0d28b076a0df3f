/**
 * A folder of class sub-folders of PNG/JPEG images (`root/<class>/<file>`; classes in sorted name order).
 * Images are decoded with sharp, resized (stretched) to the model's input size and converted to its channel
 * count, one batch at a time: nothing but the file list and labels is held between batches.
 */
import { createHash } from 'node:crypto';
import type sharpModule from 'sharp';
import type { SampleSource } from './dataset-source.js';
import { DatasetError } from './errors.js';
import { resolveClassCount } from './labels.js';
import type { ByteSource } from './sources/byte-source.js';

const IMAGE_EXTENSION = /\.(png|jpe?g)$/i;
/** Images decoded at once (sharp decodes on libuv threads). */
const DECODE_CONCURRENCY = 4;

export interface ImageTarget {
  /** Output height; `null` = the first image's height. */
  height: number | null;
  /** Output width; `null` = the first image's width. */
  width: number | null;
  /** 1 (grayscale) or 3 (RGB). */
  channels: 1 | 3;
}

export interface ImageFolderOptions {
  uri: string;
  numClasses?: number;
}

type Sharp = typeof sharpModule;

/** Loaded on first use: the native module is only needed for image folders. */
async function loadSharp(): Promise<Sharp> {
  return (await import('sharp')).default;
}

async function decode(
  sharp: Sharp,
  bytes: Uint8Array,
  height: number,
  width: number,
  channels: 1 | 3,
): Promise<Uint8Array> {
  const { data, info } = await sharp(bytes)
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .toColourspace(channels === 3 ? 'srgb' : 'b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== channels || info.width !== width || info.height !== height) {
    throw new DatasetError(
      `an image decoded to ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×${channels}`,
      'dataset.uri',
    );
  }
  return data;
}

/** An image file: its path in the source and its path below the dataset folder (class first). */
interface ImageFile {
  path: string;
  rel: string[];
}

/**
 * The images in class sub-folders of `dir`, sorted by path, and the class names in sorted order.
 * @throws DatasetError when there are none or their class count disagrees with `options.numClasses`.
 */
async function listImages(
  source: ByteSource,
  dir: string,
  options: ImageFolderOptions,
): Promise<{ samples: ImageFile[]; classNames: string[] }> {
  const prefix = dir === '' ? '' : `${dir}/`;
  const files = (await source.list(dir))
    .map((path) => ({ path, rel: path.slice(prefix.length).split('/') }))
    .filter(
      ({ rel }) =>
        rel.length >= 2 &&
        IMAGE_EXTENSION.test(rel[rel.length - 1] ?? '') &&
        !rel.some((s) => s.startsWith('.')),
    );
  const classNames = [...new Set(files.map(({ rel }) => rel[0] as string))].sort();
  if (classNames.length === 0) {
    throw new DatasetError(
      `${options.uri} holds no PNG/JPEG images in class sub-folders; lay it out as <folder>/<class>/<image>.png or use a tensor file`,
      'dataset.uri',
    );
  }
  if (options.numClasses !== undefined && options.numClasses !== classNames.length) {
    throw new DatasetError(
      `${options.uri} has ${classNames.length} class sub-folders (${classNames.slice(0, 20).join(', ')}) but dataset.numClasses is ${options.numClasses}; make them agree`,
      'dataset.numClasses',
    );
  }
  const samples = files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { samples, classNames };
}

/** The output size: the target's, or the first image's where the target leaves it open. */
async function outputSize(
  sharp: Sharp,
  source: ByteSource,
  samples: readonly ImageFile[],
  target: ImageTarget,
): Promise<{ h: number; w: number }> {
  let height = target.height;
  let width = target.width;
  if (height === null || width === null) {
    const first = samples[0] as { path: string };
    const meta = await sharp(await source.read(first.path)).metadata();
    height ??= meta.height;
    width ??= meta.width;
  }
  return { h: height as number, w: width as number };
}

/** Decodes the images of `indices` into consecutive rows, `DECODE_CONCURRENCY` at a time. */
async function decodeRows(
  sharp: Sharp,
  source: ByteSource,
  samples: readonly ImageFile[],
  indices: readonly number[],
  shape: { h: number; w: number; channels: 1 | 3; uri: string },
): Promise<Uint8Array> {
  const { h, w, channels } = shape;
  const rowBytes = h * w * channels;
  const out = new Uint8Array(indices.length * rowBytes);
  let next = 0;
  const worker = async () => {
    while (next < indices.length) {
      const k = next++;
      const sample = samples[indices[k] as number];
      if (!sample) throw new RangeError(`sample ${indices[k]} outside [0, ${samples.length})`);
      try {
        out.set(await decode(sharp, await source.read(sample.path), h, w, channels), k * rowBytes);
      } catch (error) {
        throw new DatasetError(
          `cannot decode image ${sample.path} of ${shape.uri}: ${(error as Error).message}`,
          'dataset.uri',
          { cause: error },
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, indices.length) }, worker));
  return out;
}

/** SHA-256 over every image's relative path and content hash, in sample order. */
async function imagesHash(source: ByteSource, samples: readonly ImageFile[]): Promise<string> {
  const h = createHash('sha256');
  for (const sample of samples) {
    const fileHash = createHash('sha256');
    for await (const chunk of source.stream(sample.path)) fileHash.update(chunk);
    h.update(`${sample.rel.join('/')}\0${fileHash.digest('hex')}\n`);
  }
  return h.digest('hex');
}

export async function openImageFolderDataset(
  source: ByteSource,
  dir: string,
  target: ImageTarget,
  options: ImageFolderOptions,
): Promise<SampleSource> {
  const { samples, classNames } = await listImages(source, dir, options);
  const classIndex = new Map(classNames.map((name, i) => [name, i]));
  const labels = Int32Array.from(samples, ({ rel }) => classIndex.get(rel[0] as string) as number);
  const numClasses = resolveClassCount(labels, classNames.length);
  const sharp = await loadSharp();
  const { h, w } = await outputSize(sharp, source, samples, target);
  const shape = { h, w, channels: target.channels, uri: options.uri };
  let hash: Promise<string> | undefined;
  return {
    format: 'image-folder',
    count: samples.length,
    sampleShape: [h, w, target.channels],
    dtype: 'uint8',
    labels,
    numClasses,
    classNames,
    readRows: (indices) => decodeRows(sharp, source, samples, indices, shape),
    contentHash() {
      hash ??= imagesHash(source, samples);
      return hash;
    },
    close: () => source.close(),
  };
}
