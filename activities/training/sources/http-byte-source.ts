/** {@link ByteSource} over HTTP(S): whole or `Range` GETs; no listing (HTTP has none). */
import {
  HttpSourceError,
  SourceNotFoundError,
  joinPath,
  type ByteRange,
  type ByteSource,
} from './byte-source.js';

export class HttpByteSource implements ByteSource {
  readonly description: string;

  /** @param root base URL ending with `/`. */
  constructor(
    private readonly root: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {
    this.description = root;
  }

  private url(path: string): string {
    return new URL(joinPath(path), this.root).toString();
  }

  private async get(path: string, range?: ByteRange): Promise<Response> {
    const headers: Record<string, string> = {};
    if (range) headers.range = `bytes=${range.offset}-${range.offset + range.length - 1}`;
    const response = await this.fetchImpl(this.url(path), { headers });
    if (response.status === 404) throw new SourceNotFoundError(path, this.description);
    if (!response.ok)
      throw new HttpSourceError(
        `GET ${this.url(path)} failed: HTTP ${response.status} ${response.statusText}`,
        response.status,
      );
    return response;
  }

  async read(path: string, range?: ByteRange): Promise<Uint8Array> {
    if (range && range.length === 0) return new Uint8Array(0);
    const response = await this.get(path, range);
    const bytes = new Uint8Array(await response.arrayBuffer());
    // A server that ignores Range answers 200 with the whole body.
    if (range && response.status === 200) return bytes.subarray(range.offset, range.offset + range.length);
    return bytes;
  }

  async size(path: string): Promise<number | undefined> {
    const response = await this.fetchImpl(this.url(path), { method: 'HEAD' });
    if (response.status === 404) return undefined;
    if (!response.ok)
      throw new HttpSourceError(`HEAD ${this.url(path)} failed: HTTP ${response.status}`, response.status);
    const length = response.headers.get('content-length');
    return length === null ? undefined : Number(length);
  }

  async *stream(path: string): AsyncIterable<Uint8Array> {
    const response = await this.get(path);
    if (!response.body) return;
    for await (const chunk of response.body) yield chunk;
  }

  list(dir: string): Promise<string[]> {
    return Promise.reject(
      new Error(
        `cannot list ${this.url(dir)}: HTTP has no listing; use a file:// or s3:// URI for image folders`,
      ),
    );
  }

  async close(): Promise<void> {}
}
