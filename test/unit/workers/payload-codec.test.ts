import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { createCodecServer } from '../../../workers/codec-server.js';
import {
  AesGcmPayloadCodec,
  CodecKeyError,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  codecFromEnv,
  parseCodecKeys,
} from '../../../workers/payload-codec.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value)!;
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('AES-256-GCM payload codec', () => {
  it('round-trips payloads; the ciphertext hides data and metadata and names its key', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const original = plain({ candidateId: 'secret-candidate', storeUri: 's3://bucket/p' });
    const [encoded] = await codec.encode([original]);
    expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![KEY_ID_METADATA])).toBe('k1');
    expect(text(encoded!.data)).not.toContain('secret-candidate');
    expect(text(encoded!.data)).not.toContain('json/plain');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({
      candidateId: 'secret-candidate',
      storeUri: 's3://bucket/p',
    });
    // A fresh IV per payload: the same value never encrypts to the same bytes.
    const [again] = await codec.encode([original]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(encoded!.data!))).toBe(false);
  });

  it('rotation: the newest key encrypts, old keys still decrypt, an unknown key is named', async () => {
    const [old] = await new AesGcmPayloadCodec([k1]).encode([plain('v1')]);
    const rotated = new AesGcmPayloadCodec([k1, k2]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toBe('v1');
    const [fresh] = await rotated.encode([plain('v2')]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('k2');
    const error = await new AesGcmPayloadCodec([k1]).decode([fresh!]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodecKeyError);
    expect((error as Error).message).toMatch(/key "k2", which is not configured/);
  });

  it('tampered ciphertext is refused; plain payloads pass through decode', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const [encoded] = await codec.encode([plain('x')]);
    const data = Uint8Array.from(encoded!.data!);
    data[20]! ^= 1;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow();
    const p = plain('not encrypted');
    expect(await codec.decode([p])).toEqual([p]);
  });

  it('keys from env or a file; bad keys are refused without echoing them', () => {
    const env = { NCAP_CODEC_KEYS: `k1:${k1.key.toString('base64')},k2:${k2.key.toString('base64')}` };
    expect(codecFromEnv(env)?.encryptingKeyId).toBe('k2');
    expect(codecFromEnv({})).toBeUndefined();
    const short = Buffer.from('sixteen byte key').toString('base64');
    expect(() => parseCodecKeys(`bad:${short}`, 'NCAP_CODEC_KEYS')).toThrow(
      /key "bad" must be the base64 of 32 bytes/,
    );
    try {
      parseCodecKeys(`bad:${short}`, 'NCAP_CODEC_KEYS');
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
    expect(() => parseCodecKeys('nocolon', 'NCAP_CODEC_KEYS')).toThrow(/entry 1 must be <id>:<base64/);
    expect(() => codecFromEnv({ NCAP_CODEC_KEYS_FILE: '/no/such/file' })).toThrow(/NCAP_CODEC_KEYS_FILE/);
  });
});

describe('codec server (the Temporal UI remote codec protocol)', () => {
  const codec = new AesGcmPayloadCodec([k1]);
  const server = createCodecServer({ codec, allowOrigin: 'http://ui.example' });
  const ready = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
  afterAll(() => void server.close());
  const json = (p: Payload) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
    ),
    data: Buffer.from(p.data!).toString('base64'),
  });

  it('decodes what the codec encoded, encodes on request, answers CORS preflight for the UI origin', async () => {
    const url = await ready;
    const [encoded] = await codec.encode([plain({ winner: 'cand-7' })]);
    const res = await fetch(`${url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: [json(encoded!)] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://ui.example');
    const body = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(JSON.parse(Buffer.from(body.payloads[0]!.data, 'base64').toString())).toEqual({
      winner: 'cand-7',
    });

    const enc = await fetch(`${url}/encode`, {
      method: 'POST',
      body: JSON.stringify({ payloads: [json(plain(1))] }),
    });
    const encBody = (await enc.json()) as { payloads: { metadata: Record<string, string> }[] };
    expect(Buffer.from(encBody.payloads[0]!.metadata[KEY_ID_METADATA]!, 'base64').toString()).toBe('k1');

    const preflight = await fetch(`${url}/decode`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    expect((await fetch(`${url}/decode`, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await fetch(`${url}/other`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});
