/**
 * Bad input to the real-zoo builders changes nothing: an unknown candidate or network id is refused before
 * the target data, models or manifest are written.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from '../../../../activities/store/file-store.js';
import type { Tf } from '../../../../activities/tf/tf-namespace.js';
import { buildRealZoo, type ZooBuildOptions } from '../../../../zoos/real/build.js';
import { buildReal2Zoo } from '../../../../zoos/real2/build.js';

let root: string;
let options: ZooBuildOptions;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ncap-zoo-ids-'));
  options = {
    // Never reached: the ids are checked first.
    tf: undefined as unknown as Tf,
    backend: 'none',
    cacheDir: join(root, 'cache'),
    cacheDirLabel: 'cache',
    dataDir: join(root, 'no-fashion-mnist'),
    store: new FileStore(join(root, 'store'), { fsync: false }),
    manifestPath: join(root, 'manifest.json'),
    log: () => undefined,
  };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('unknown ids', () => {
  it('the real zoo refuses an unknown candidate id and writes nothing', async () => {
    await expect(buildRealZoo({ ...options, only: ['mnv2-top', 'nope'] })).rejects.toThrow(
      /unknown candidate ids: nope \(known: .*mnv2-top/,
    );
    expect(readdirSync(root)).toEqual([]);
  });

  it('the second real zoo refuses an unknown network id and writes nothing', async () => {
    await expect(buildReal2Zoo({ ...options, only: ['blazeface', 'nope'] })).rejects.toThrow(
      /unknown networks: nope \(known: .*blazeface/,
    );
    expect(existsSync(options.cacheDir)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });
});
