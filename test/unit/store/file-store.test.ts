/** What only the file store has: temp files, the root boundary, URI forms. The shared contract is in test/integration/store. */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArtifactStoreError,
  InvalidKeyError,
  InvalidStoreUriError,
  StoreUnusableError,
} from '../../../activities/store/errors.js';
import { FileStore, parseFileStoreUri, TEMP_FILE_PREFIX } from '../../../activities/store/file-store.js';

async function walkFiles(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(folder, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

async function listKeys(store: FileStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys;
}

describe('FileStore', () => {
  let sandbox: string;
  let root: string;
  let store: FileStore;

  beforeEach(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'ncap-file-store-'));
    root = join(sandbox, 'root');
    store = new FileStore(pathToFileURL(root).href);
  });

  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('opens from a file:// URI or a plain path to the same root', () => {
    expect(new FileStore(root).root).toBe(root);
    expect(store.root).toBe(root);
    expect(store.uri).toBe(pathToFileURL(root).href);
    expect(new FileStore('relative/dir').root).toBe(join(process.cwd(), 'relative/dir'));
  });

  it('stores a key as the file at root/key and nothing else', async () => {
    await store.put('a/b/c.json', '{"x":1}');
    expect(await walkFiles(sandbox)).toEqual([join('root', 'a', 'b', 'c.json')]);
  });

  it('creates nothing outside the root for invalid keys', async () => {
    for (const key of ['../escape', '../../escape', 'a/../../escape', '/tmp/escape', 'a\\..\\escape']) {
      await expect(store.put(key, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
    }
    expect(await readdir(sandbox)).toEqual([]);
  });

  it('skips in-flight temporary files when listing and reserves their name prefix', async () => {
    await store.put('d/real', 'r');
    await writeFile(join(root, 'd', `${TEMP_FILE_PREFIX}abc123`), 'partial');
    expect(await listKeys(store, '')).toEqual(['d/real']);
    await expect(store.put(`d/${TEMP_FILE_PREFIX}x`, 'x')).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('leaves no temporary file behind after a put, a failed put or a lost ifNoneMatch', async () => {
    await store.put('t/a', 'a');
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('half');
      throw new Error('source broke');
    }
    await expect(store.put('t/b', broken())).rejects.toThrow(/source broke/);
    await expect(store.put('t/a', 'again', { ifNoneMatch: true })).rejects.toThrow(/already exists/);
    expect(await walkFiles(root)).toEqual([join('t', 'a')]);
  });

  it('removes folders emptied by deletePrefix but keeps the root and non-empty folders', async () => {
    await store.put('x/y/z/1', '1');
    await store.put('x/keep', 'k');
    expect(await store.deletePrefix('x/y/')).toBe(1);
    expect(await readdir(join(root, 'x'))).toEqual(['keep']);
    expect(await store.deletePrefix('')).toBe(1);
    expect(await readdir(root)).toEqual([]);
  });

  it('keeps writing while a deletePrefix prunes the same folders', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `race/f${i % 5}/k${i}`);
    await Promise.all(
      keys.map((key, i) => (i % 3 === 0 ? store.deletePrefix('race/') : store.put(key, key))),
    );
    for await (const info of store.list('race/')) {
      expect(Buffer.from(await store.get(info.key)).toString()).toBe(info.key);
    }
  });

  it('explains that a key cannot sit where another key needs a folder', async () => {
    await store.put('clash', 'file');
    await expect(store.put('clash/inner', 'x')).rejects.toBeInstanceOf(ArtifactStoreError);
    await expect(store.put('clash/inner', 'x')).rejects.toThrow(/folder/);
  });

  it('ignores files whose names cannot be keys', async () => {
    await mkdir(join(root, 'f'), { recursive: true });
    await writeFile(join(root, 'f', 'bad\u0001name'), 'x');
    await store.put('f/good', 'g');
    expect(await listKeys(store, 'f/')).toEqual(['f/good']);
  });

  it('works with fsync turned off', async () => {
    const fast = new FileStore(root, { fsync: false });
    await fast.put('n/k', 'v');
    expect(Buffer.from(await fast.get('n/k')).toString()).toBe('v');
  });
});

/**
 * A folder this process cannot write: mode 0555 for an ordinary user; for root (whom modes do not stop) a
 * read-only tmpfs where mounting is allowed. Undefined where neither works.
 */
async function unwritableFolder(sandbox: string): Promise<{ path: string; release(): void } | undefined> {
  const path = join(sandbox, 'readonly');
  await mkdir(path);
  if (process.getuid?.() !== 0) {
    await chmod(path, 0o555);
    return { path, release: () => undefined };
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', path], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { path, release: () => execFileSync('umount', [path]) };
}

describe('FileStore in a folder it cannot write', () => {
  it('names the folder, the real cause (not ENOENT) and the fix, and is not retried', async (context) => {
    const sandbox = await mkdtemp(join(tmpdir(), 'ncap-file-store-ro-'));
    const folder = await unwritableFolder(sandbox);
    if (!folder) return context.skip();
    try {
      const store = new FileStore(pathToFileURL(join(folder.path, 'store')).href);
      const error = await store.put('sweeps/s/spec.json', '{}').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreUnusableError);
      expect((error as StoreUnusableError).nonRetryable).toBe(true);
      const message = (error as Error).message;
      expect(message).toMatch(/(EACCES|EROFS): folder .*readonly is not writable/);
      expect(message).not.toMatch(/ENOENT/);
      expect(message).toMatch(/fix storeUri/);
    } finally {
      folder.release();
      await rm(sandbox, { recursive: true, force: true });
    }
  });
});

describe('parseFileStoreUri', () => {
  it.each([
    ['file:///var/lib/ncap', '/var/lib/ncap'],
    ['file://localhost/var/lib/ncap', '/var/lib/ncap'],
    ['file:///var/lib/with%20space', '/var/lib/with space'],
    ['/var/lib/ncap/', '/var/lib/ncap'],
  ])('%s → %s', (uri, path) => {
    expect(parseFileStoreUri(uri)).toBe(path);
  });

  it.each(['', 'file://otherhost/data', 'file:///data?x=1', 'file:///data#frag'])(
    'rejects %j naming storeUri',
    (uri) => {
      expect(() => parseFileStoreUri(uri)).toThrow(InvalidStoreUriError);
      expect(() => parseFileStoreUri(uri)).toThrow(/storeUri/);
    },
  );
});
