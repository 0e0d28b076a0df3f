/**
 * A seeded synthetic image classification problem for the training benchmark and tests: each class puts
 * a bright square at its own place on a noisy background, so a conv net separates the classes quickly.
 */
import { mulberry32 as seededUniform } from '../../activities/training/rng.js';

/** Options of {@link makeToyImages}. */
export interface ToyImagesOptions {
  /** Number of images. */
  count: number;
  /**
   * Image shape [height, width, channels].
   * @default [28, 28, 1]
   */
  shape?: [number, number, number];
  /**
   * Number of classes (at most 9: one square per cell of a 3×3 grid).
   * @default 5
   */
  classes?: number;
  /**
   * Standard deviation of the background noise (pixel values are about 0 ± noise, squares add 1).
   * @default 0.3
   */
  noise?: number;
  /**
   * Seed of the generator (same seed, same images).
   * @default 1
   */
  seed?: number;
}

/** Images in NHWC order with integer labels in [0, classes). */
export interface ToyImages {
  /** Row-major [count, height, width, channels] pixel values. */
  images: Float32Array;
  /** Class of each image. */
  labels: Int32Array;
  /** [count, height, width, channels]. */
  shape: [number, number, number, number];
  classes: number;
}

/** mulberry32: a small, fast, seedable uniform generator on [0, 1) (the training code's). */
export { seededUniform };

export function makeToyImages(options: ToyImagesOptions): ToyImages {
  const { count, shape = [28, 28, 1], classes = 5, noise = 0.3, seed = 1 } = options;
  const [height, width, channels] = shape;
  if (classes < 2 || classes > 9) throw new RangeError(`classes must be in [2, 9], got ${classes}`);
  const uniform = seededUniform(seed);
  const images = new Float32Array(count * height * width * channels);
  const labels = new Int32Array(count);
  const cellHeight = Math.floor(height / 3);
  const cellWidth = Math.floor(width / 3);
  for (let n = 0; n < count; n++) {
    const label = Math.floor(uniform() * classes);
    labels[n] = label;
    const top = Math.floor(label / 3) * cellHeight;
    const left = (label % 3) * cellWidth;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inSquare = y >= top && y < top + cellHeight && x >= left && x < left + cellWidth;
        for (let c = 0; c < channels; c++) {
          // Sum of two uniforms minus 1: a cheap zero-mean bump with std 1/√6.
          const value = (uniform() + uniform() - 1) * noise * Math.sqrt(6) + (inSquare ? 1 : 0);
          images[((n * height + y) * width + x) * channels + c] = value;
        }
      }
    }
  }
  return { images, labels, shape: [count, height, width, channels], classes };
}
