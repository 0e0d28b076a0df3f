/**
 * {@link ArtifactStore} over a local folder (`file:///abs/path`, or a plain path): the embedded default
 * for one machine. A put writes a temporary file next to its target, fsyncs it and renames it into
 * place, so readers see the old value or the complete new one and a crash leaves no torn object.
 */
import { randomBytes, createHash } from 'node:crypto';
import { constants as fsConstants, type Dirent } from 'node:fs';
import {
  access,
  link,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  ArtifactStore,
  GetOptions,
  ListOptions,
  ObjectInfo,
  PutBody,
  PutOptions,
  PutResult,
} from './artifact-store.js';
import { assertPutBody, bodyChunks } from './body.js';
import {
  ArtifactConflictError,
  ArtifactNotFoundError,
  ArtifactStoreError,
  StoreUnusableError,
  InvalidKeyError,
  InvalidStoreUriError,
} from './errors.js';
import { isValidKey, validateKey, validatePrefix } from './keys.js';
import { checkPageSize } from './page-size.js';
import { checkRange, clampRange } from './range.js';

/**
 * Name prefix of in-flight temporary files. Listings skip such names, so no key may have a segment
 * that starts with it.
 */
export const TEMP_FILE_PREFIX = '.ncap-tmp-';

export interface FileStoreOptions {
  /**
   * fsync each written file and its folder before `put` returns, so a completed put survives a power
   * loss. Turning it off only trades that durability for speed; atomicity stays. @default true
   */
  fsync?: boolean;
}

/** How many times `put` recreates a folder that a concurrent `deletePrefix` pruned under it. */
const MAX_FOLDER_RACE_RETRIES = 5;

const errnoCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;

/** Byte-wise (UTF-8) comparison: the order S3 lists keys in. */
const compareUtf8 = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Turns `file:///abs/path` or a plain (absolute or relative) path into an absolute folder path. */
export function parseFileStoreUri(uriOrPath: string): string {
  if (typeof uriOrPath !== 'string' || uriOrPath.trim() === '') {
    throw new InvalidStoreUriError(
      'storeUri is empty; use e.g. file:///var/lib/ncap or s3://ncap-artifacts/prod',
    );
  }
  if (!uriOrPath.startsWith('file:')) return resolve(uriOrPath);
  let url: URL;
  try {
    url = new URL(uriOrPath);
  } catch (cause) {
    throw new InvalidStoreUriError(
      `storeUri ${JSON.stringify(uriOrPath)} is not a valid URI; use e.g. file:///var/lib/ncap`,
      { cause },
    );
  }
  if (url.host !== '' && url.host !== 'localhost') {
    throw new InvalidStoreUriError(
      `storeUri ${JSON.stringify(uriOrPath)} names host ${JSON.stringify(url.host)}; a file store is local: use file:///abs/path (three slashes)`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new InvalidStoreUriError(
      `storeUri ${JSON.stringify(uriOrPath)} has a query or fragment; use file:///abs/path`,
    );
  }
  const path = fileURLToPath(url);
  if (!isAbsolute(path))
    throw new InvalidStoreUriError(`storeUri ${JSON.stringify(uriOrPath)} must name an absolute path`);
  return resolve(path);
}

export class FileStore implements ArtifactStore {
  readonly uri: string;
  /** Absolute path of the root folder. */
  readonly root: string;
  private readonly fsync: boolean;

  constructor(uriOrPath: string, options: FileStoreOptions = {}) {
    this.root = parseFileStoreUri(uriOrPath);
    this.uri = pathToFileURL(this.root).href;
    this.fsync = options.fsync ?? true;
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
    const target = this.pathOf(key);
    assertPutBody(body, key);
    const folder = dirname(target);
    const { handle, tempPath } = await this.openTemp(folder, key);
    const hash = createHash('sha256');
    let size = 0;
    try {
      try {
        for await (const chunk of bodyChunks(body)) {
          hash.update(chunk);
          await writeAll(handle, chunk);
          size += chunk.byteLength;
        }
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      if (options.ifNoneMatch) {
        // link() fails if the target exists: an atomic create-if-absent, unlike rename().
        await link(tempPath, target);
        await unlink(tempPath);
      } else {
        await rename(tempPath, target);
      }
    } catch (error) {
      await rm(tempPath, { force: true });
      if (options.ifNoneMatch && errnoCode(error) === 'EEXIST') {
        throw new ArtifactConflictError(
          `put(${JSON.stringify(key)}) with ifNoneMatch: the key already exists in ${this.uri}`,
          this.details(key),
          { cause: error },
        );
      }
      throw this.wrap(error, 'put', key);
    }
    if (this.fsync) await syncFolder(folder);
    return { key, size, sha256: hash.digest('base64') };
  }

  async get(key: string, options: GetOptions = {}): Promise<Uint8Array> {
    const path = this.pathOf(key);
    const range = checkRange(options.range, key);
    const { handle, size } = await this.openForRead(path, key);
    try {
      if (range === undefined) return await handle.readFile();
      const { start, end } = clampRange(range, size, key);
      const buffer = Buffer.allocUnsafe(end - start + 1);
      let filled = 0;
      while (filled < buffer.byteLength) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } catch (error) {
      throw this.wrap(error, 'get', key);
    } finally {
      await handle.close();
    }
  }

  async getStream(key: string, options: GetOptions = {}): Promise<Readable> {
    const path = this.pathOf(key);
    const range = checkRange(options.range, key);
    const { handle, size } = await this.openForRead(path, key);
    try {
      const span = range === undefined ? { start: 0, end: undefined } : clampRange(range, size, key);
      // The stream owns the handle from here and closes it at the end or on destroy.
      return handle.createReadStream({ start: span.start, end: span.end, autoClose: true });
    } catch (error) {
      await handle.close();
      throw this.wrap(error, 'getStream', key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.wrap(error, 'head', key);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectInfo> {
    const pageSize = checkPageSize(options.pageSize);
    for await (const keys of this.keyPages(prefix, pageSize)) {
      const infos = await Promise.all(keys.map((key) => this.head(key)));
      for (const info of infos) if (info !== undefined) yield info;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for await (const keys of this.keyPages(prefix, 1000)) {
      const results = await Promise.all(
        keys.map(async (key) => {
          try {
            await unlink(this.pathOf(key));
            return 1;
          } catch (error) {
            if (isMissing(error)) return 0; // deleted concurrently: not ours to count
            throw this.wrap(error, 'deletePrefix', key);
          }
        }),
      );
      for (const n of results) deleted += n;
    }
    await this.pruneEmptyFolders(prefix);
    return deleted;
  }

  async close(): Promise<void> {
    // Nothing held between calls.
  }

  /** Absolute path of a validated key; never outside the root. */
  private pathOf(key: string): string {
    validateKey(key);
    const segments = key.split('/');
    if (segments.some((segment) => segment.startsWith(TEMP_FILE_PREFIX))) {
      throw new InvalidKeyError(
        `key ${JSON.stringify(key)} has a segment starting with ${TEMP_FILE_PREFIX}, which the file store reserves for temporary files`,
        'key',
      );
    }
    const path = join(this.root, ...segments);
    if (!path.startsWith(this.root + sep))
      throw new InvalidKeyError(`key ${JSON.stringify(key)} escapes the store root`, 'key');
    return path;
  }

  private async openTemp(folder: string, key: string): Promise<{ handle: FileHandle; tempPath: string }> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await mkdir(folder, { recursive: true });
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'ENOTDIR' || code === 'EEXIST') {
          throw new ArtifactStoreError(
            `put(${JSON.stringify(key)}): an object in ${this.uri} already sits where a folder of this key must be; a file store cannot hold both "a" and "a/b"`,
            this.details(key),
            { cause: error },
          );
        }
        throw await this.unwritableOr(error, folder, key);
      }
      const tempPath = join(folder, `${TEMP_FILE_PREFIX}${randomBytes(8).toString('hex')}`);
      try {
        return { handle: await open(tempPath, 'wx', 0o644), tempPath };
      } catch (error) {
        // A concurrent deletePrefix may remove the empty folder between mkdir and open.
        if (errnoCode(error) === 'ENOENT' && attempt < MAX_FOLDER_RACE_RETRIES) continue;
        throw await this.unwritableOr(error, folder, key);
      }
    }
  }

  private async openForRead(path: string, key: string): Promise<{ handle: FileHandle; size: number }> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isMissing(error)) throw this.notFound(key, error);
      throw this.wrap(error, 'get', key);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw this.notFound(key);
      return { handle, size: info.size };
    } catch (error) {
      await handle.close();
      throw error instanceof ArtifactStoreError ? error : this.wrap(error, 'get', key);
    }
  }

  /**
   * Keys under `prefix`, in UTF-8 byte order, `pageSize` at a time. A folder is read whole (it has to
   * be sorted) but only when the walk reaches it.
   */
  private async *keyPages(prefix: string, pageSize: number): AsyncGenerator<string[]> {
    validatePrefix(prefix);
    const cut = prefix.lastIndexOf('/');
    let page: string[] = [];
    for await (const key of this.walk(prefix.slice(0, Math.max(cut, 0)), prefix.slice(cut + 1))) {
      page.push(key);
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  private async *walk(folderKey: string, namePrefix: string): AsyncGenerator<string> {
    const entries = await this.readFolder(folderKey);
    // Sorting "name/" for folders makes the depth-first walk emit whole keys in byte order:
    // every key below folder "a" starts with "a/", so "a-c" (0x2d) sorts before it and "a0" after.
    const items = entries
      .filter((entry) => entry.name.startsWith(namePrefix) && !entry.name.startsWith(TEMP_FILE_PREFIX))
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .map((entry) => ({
        name: entry.name,
        folder: entry.isDirectory(),
        order: entry.isDirectory() ? `${entry.name}/` : entry.name,
      }))
      .sort((a, b) => compareUtf8(a.order, b.order));
    for (const item of items) {
      const key = folderKey === '' ? item.name : `${folderKey}/${item.name}`;
      if (!isValidKey(key)) continue; // a foreign file whose name cannot be a key
      if (item.folder) yield* this.walk(key, '');
      else yield key;
    }
  }

  private async readFolder(folderKey: string): Promise<Dirent[]> {
    const path = folderKey === '' ? this.root : join(this.root, ...folderKey.split('/'));
    try {
      return await readdir(path, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw this.wrap(error, 'list', folderKey);
    }
  }

  /** Removes folders emptied by a deletePrefix, below and above the prefix, never the root itself. */
  private async pruneEmptyFolders(prefix: string): Promise<void> {
    const cut = prefix.lastIndexOf('/');
    const folderKey = prefix.slice(0, Math.max(cut, 0));
    const namePrefix = prefix.slice(cut + 1);
    for (const entry of await this.readFolder(folderKey)) {
      if (entry.isDirectory() && entry.name.startsWith(namePrefix)) {
        await pruneTree(
          join(folderKey === '' ? this.root : join(this.root, ...folderKey.split('/')), entry.name),
        );
      }
    }
    const segments = folderKey === '' ? [] : folderKey.split('/');
    while (segments.length > 0) {
      try {
        await rmdir(join(this.root, ...segments));
      } catch {
        return; // not empty (or already gone): the folders above are not empty either
      }
      segments.pop();
    }
  }

  private details(key: string): { uri: string; key: string } {
    return { uri: this.uri, key };
  }

  private notFound(key: string, cause?: unknown): ArtifactNotFoundError {
    return new ArtifactNotFoundError(
      `artifact ${JSON.stringify(key)} not found in ${this.uri}`,
      this.details(key),
      { cause },
    );
  }

  /**
   * A write that failed because the store's folder cannot be written names that (Node's recursive mkdir
   * reports a read-only file system as ENOENT of the first folder it could not create): the deepest
   * existing folder on the way is checked for write access. Anything else is wrapped as it is.
   */
  private async unwritableOr(error: unknown, folder: string, key: string): Promise<Error> {
    const code = errnoCode(error);
    if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS')
      return this.wrap(error, 'put', key);
    let existing = folder;
    while (dirname(existing) !== existing && !(await pathExists(existing))) existing = dirname(existing);
    try {
      await access(existing, fsConstants.W_OK);
      return this.wrap(error, 'put', key);
    } catch (accessError) {
      const why = errnoCode(accessError) ?? code;
      return new StoreUnusableError(
        `file store put of ${JSON.stringify(key)} in ${this.uri} failed: ${why}: folder ${existing} is not writable${why === 'EROFS' ? ' (read-only file system)' : ''}; make it writable or fix storeUri`,
        this.details(key),
        { cause: error },
      );
    }
  }

  private wrap(error: unknown, operation: string, key: string): Error {
    if (error instanceof ArtifactStoreError || error instanceof InvalidKeyError) return error;
    const code = errnoCode(error) ?? 'unknown error';
    const message = error instanceof Error ? error.message : String(error);
    return new ArtifactStoreError(
      `file store ${operation} of ${JSON.stringify(key)} in ${this.uri} failed: ${code}: ${message}`,
      this.details(key),
      { cause: error },
    );
  }
}

const isMissing = (error: unknown): boolean => {
  const code = errnoCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
};

async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/** fsync a folder so the rename that published a file is itself durable. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes empty folders bottom-up; stops quietly at anything non-empty (files, in-flight temp files). */
async function pruneTree(folder: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) if (entry.isDirectory()) await pruneTree(join(folder, entry.name));
  try {
    await rmdir(folder);
  } catch {
    // not empty: keep it
  }
}
