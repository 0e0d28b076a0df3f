/** Shared fixtures for the training tests: tiny models, generated datasets, temp folders and stores. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { folderSaveHandler } from '../../../activities/training/model-io.js';
import { encodeSafetensors } from '../../../activities/formats/safetensors.js';
import { FileStore } from '../../../activities/store/file-store.js';
import type { TrainingProgress } from '../../../activities/training/types.js';

export { tf };

let backendReady: Promise<boolean> | undefined;
/** The pure-JS cpu backend: deterministic, no native code. */
export function useCpuBackend(): Promise<boolean> {
  backendReady ??= tf.setBackend('cpu');
  return backendReady;
}

/** mulberry32 for test data (independent of the code under test's generator). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function tempDir(
  label = 'ncap-training',
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `${label}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A file:// artifact store in a fresh temp folder. */
export async function tempStore(): Promise<{ store: FileStore; dir: string; cleanup: () => Promise<void> }> {
  const { path, cleanup } = await tempDir('ncap-store');
  return { store: new FileStore(pathToFileURL(path).href, { fsync: false }), dir: path, cleanup };
}

export interface TinyModelOptions {
  inputShape?: [number, number, number];
  classes?: number;
  /** Insert a BatchNormalization with `scale: false` after the convolution. */
  batchNormScaleFalse?: boolean;
  /** Width of the Dense layer before the classifier. @default 12 */
  hidden?: number;
  seed?: number;
}

/** conv(4, 3×3) → [BN] → relu → maxpool → flatten → dense(hidden, relu) 'features' → dense(classes, softmax). */
export function tinyConvModel(options: TinyModelOptions = {}): tf.LayersModel {
  const { inputShape = [8, 8, 1], classes = 3, hidden = 12, seed = 1 } = options;
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 100 + s });
  const layers: tf.layers.Layer[] = [
    tf.layers.conv2d({
      inputShape,
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      kernelInitializer: init(1),
      name: 'conv',
    }),
  ];
  if (options.batchNormScaleFalse) {
    layers.push(
      tf.layers.batchNormalization({
        scale: false,
        name: 'bn',
        betaInitializer: tf.initializers.constant({ value: 0.1 }),
      }),
    );
  }
  layers.push(
    tf.layers.activation({ activation: 'relu', name: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
    tf.layers.flatten({ name: 'flatten' }),
    tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: init(2), name: 'features' }),
    tf.layers.dense({
      units: classes,
      activation: 'softmax',
      kernelInitializer: init(3),
      name: 'classifier',
    }),
  );
  return tf.sequential({ layers });
}

/** Saves a model as `model.json` + `weights.bin` in `dir`; returns the model.json file:// URI. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<string> {
  await model.save(folderSaveHandler(dir));
  return pathToFileURL(join(dir, 'model.json')).href;
}

export interface SyntheticImages {
  /** uint8 NHWC. */
  x: Uint8Array;
  y: Int32Array;
  shape: [number, number, number, number];
}

/**
 * Learnable images: class c lights up a class-specific block (quadrant c mod 4, intensity varying with c)
 * on a noisy background.
 */
export function syntheticImages(n: number, classes: number, h = 8, w = 8, c = 1, seed = 7): SyntheticImages {
  const random = seededRandom(seed);
  const x = new Uint8Array(n * h * w * c);
  const y = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const label = s % classes;
    y[s] = label;
    const qy = (label % 4) >> 1;
    const qx = label % 2;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const inBlock = Math.floor((i * 2) / h) === qy && Math.floor((j * 2) / w) === qx;
        for (let k = 0; k < c; k++) {
          const base = inBlock ? 150 + ((label * 37) % 100) : 20;
          x[((s * h + i) * w + j) * c + k] = Math.min(255, Math.floor(base + random() * 40));
        }
      }
    }
  }
  return { x, y, shape: [n, h, w, c] };
}

/** Writes `x` (uint8 NHWC) and `y` (int32) as a safetensors dataset; returns its file:// URI. */
export async function writeSafetensorsDataset(
  dir: string,
  data: SyntheticImages,
  name = 'data.safetensors',
  labelDtype: 'I32' | 'I64' | 'U8' = 'I32',
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const labels =
    labelDtype === 'I32'
      ? data.y
      : labelDtype === 'I64'
        ? BigInt64Array.from(data.y, (v) => BigInt(v))
        : Uint8Array.from(data.y);
  const bytes = encodeSafetensors([
    { name: 'x', dtype: 'U8', shape: [...data.shape], data: data.x },
    { name: 'y', dtype: labelDtype, shape: [data.y.length], data: labels },
  ]);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return pathToFileURL(path).href;
}

/** Collects every `onProgress` call. */
export function progressRecorder() {
  const calls: TrainingProgress[] = [];
  return { calls, onProgress: (p: TrainingProgress) => void calls.push(p) };
}

/**
 * Writes a minimal GraphModel (y = x, an Identity over a `[batch, width]` or `[batch, ...shape]` placeholder)
 * to `dir`; returns its folder.
 */
export async function writeIdentityGraphModel(dir: string, width: number | number[]): Promise<string> {
  const sampleShape = typeof width === 'number' ? [width] : width;
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      modelTopology: {
        node: [
          {
            name: 'x',
            op: 'Placeholder',
            attr: {
              dtype: { type: 'DT_FLOAT' },
              shape: { shape: { dim: [{ size: '-1' }, ...sampleShape.map((d) => ({ size: String(d) }))] } },
            },
          },
          { name: 'Identity', op: 'Identity', input: ['x'], attr: { T: { type: 'DT_FLOAT' } } },
        ],
        versions: { producer: 1 },
      },
      weightsManifest: [],
    }),
  );
  return dir;
}
