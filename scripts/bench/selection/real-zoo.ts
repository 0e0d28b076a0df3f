/**
 * Zoo (c), real pre-trained networks (nsfwjs's MobileNetV2 / -1.4 / InceptionV3 at several cut points) in
 * frozen mode, from the manifest `npm run zoo:real:build` writes.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { projectRoot } from '../../dev/tools.js';
import type { BenchZoo } from './zoos.js';

/** The real zoo's committed manifest, relative to the repository root. */
export const REAL_ZOO_MANIFEST = 'infra/real-zoo/manifest.json';

/** @throws Error saying how to build the zoo when it is not there. */
export async function loadRealZoo(): Promise<BenchZoo> {
  const path = resolve(projectRoot(), REAL_ZOO_MANIFEST);
  try {
    await access(path);
  } catch {
    throw new Error(
      `no real-network zoo in this tree (${REAL_ZOO_MANIFEST}): build it with npm run zoo:real:build, or leave it out with --zoos demo,reversed`,
    );
  }
  throw new Error(
    `${REAL_ZOO_MANIFEST} exists but this benchmark does not read its format yet; run --zoos demo,reversed`,
  );
}
