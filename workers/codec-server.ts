/**
 * A codec server for the Temporal UI and CLI (Temporal's remote codec protocol): `POST /encode` and
 * `POST /decode` take and return `{ payloads: [{ metadata: { k: base64 }, data: base64 }] }`. Point the
 * UI's "codec server" setting at it; payloads are then shown decrypted in the browser while the server
 * keeps storing ciphertext. CORS allows exactly one UI origin.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toPayload = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
  ),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});

const fromPayload = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).flatMap(([k, v]) => (v ? [[k, Buffer.from(v).toString('base64')]] : [])),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** Largest request body accepted, bytes (Temporal caps a payload at 2 MB; a request holds a few). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Origin of the Temporal UI allowed to call (CORS). @default 'http://localhost:8233' */
  allowOrigin?: string;
}

export function createCodecServer(options: CodecServerOptions): Server {
  const allowOrigin = options.allowOrigin ?? 'http://localhost:8233';
  return createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', allowOrigin);
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const route = req.url?.split('?')[0]?.replace(/\/+$/, '').split('/').at(-1);
    if (req.method !== 'POST' || (route !== 'encode' && route !== 'decode')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('POST /encode or /decode\n');
      return;
    }
    void (async () => {
      try {
        const body = JSON.parse(await readBody(req)) as { payloads?: JsonPayload[] };
        if (!Array.isArray(body.payloads)) throw new Error('body must be {"payloads": [...]}');
        const payloads = body.payloads.map(toPayload);
        const out =
          route === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ payloads: out.map(fromPayload) }));
      } catch (error) {
        // The message names the problem (bad JSON, unknown key id); it never holds key material.
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${(error as Error).message}\n`);
      }
    })();
  });
}
