/**
 * Optional end-to-end encryption of Temporal payloads (workflow inputs, results, signals, heartbeats,
 * failures' details): AES-256-GCM with a fresh 96-bit IV per payload. The key id travels in the payload
 * metadata, so keys rotate without a flag day: every configured key decrypts, the newest (last) one
 * encrypts. The Temporal server and its database only ever see ciphertext; the Temporal UI decodes
 * through `ncap codec-server`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** Metadata `encoding` of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that encrypted a payload. */
export const KEY_ID_METADATA = 'encryption-key-id';

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
  readonly nonRetryable = true;
}

export interface CodecKey {
  /** Short public name, recorded in each payload it encrypts (`[A-Za-z0-9._-]`, ≤ 64). */
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

const te = new TextEncoder();
const td = new TextDecoder();
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** The whole payload (metadata and data) as bytes, so metadata such as the encoding is hidden too. */
function serialise(payload: Payload): Uint8Array {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {})) if (v) metadata[k] = b64(v);
  return te.encode(JSON.stringify({ metadata, data: b64(payload.data ?? new Uint8Array()) }));
}

function deserialise(bytes: Uint8Array): Payload {
  const parsed = JSON.parse(td.decode(bytes)) as { metadata: Record<string, string>; data: string };
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(parsed.metadata)) metadata[k] = unb64(v);
  return { metadata, data: unb64(parsed.data) };
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Uint8Array>;
  private readonly newest: CodecKey;

  /** @param keys oldest first; the last one encrypts. */
  constructor(keys: readonly CodecKey[]) {
    if (keys.length === 0) throw new CodecKeyError('the payload codec needs at least one key');
    for (const k of keys) {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(k.id))
        throw new CodecKeyError(`codec key id ${JSON.stringify(k.id)} must be 1-64 of [A-Za-z0-9._-]`);
      if (k.key.byteLength !== 32)
        throw new CodecKeyError(`codec key ${k.id} must be 32 bytes (AES-256), got ${k.key.byteLength}`);
    }
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.newest = keys.at(-1)!;
  }

  /** The id of the key new payloads are encrypted with. */
  get encryptingKeyId(): string {
    return this.newest.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.newest.key, iv);
      const body = Buffer.concat([cipher.update(serialise(payload)), cipher.final()]);
      return {
        metadata: {
          encoding: te.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: te.encode(this.newest.id),
        },
        data: new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || td.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const id = idBytes ? td.decode(idBytes) : '';
      const key = this.byId.get(id);
      if (!key)
        throw new CodecKeyError(
          `payload encrypted with key ${JSON.stringify(id)}, which is not configured; add it to NCAP_CODEC_KEYS (old keys keep decrypting)`,
        );
      const data = payload.data ?? new Uint8Array();
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.byteLength - 16));
      const plain = Buffer.concat([
        decipher.update(data.subarray(12, data.byteLength - 16)),
        decipher.final(),
      ]);
      return deserialise(plain);
    });
  }
}

/**
 * Parses `id:base64key,id:base64key` (oldest first). Values are never echoed in errors: they are keys.
 * @param source where the text came from, for error messages
 */
export function parseCodecKeys(text: string, source: string): CodecKey[] {
  return text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'))
    .map((entry, i) => {
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new CodecKeyError(`${source}: entry ${i + 1} must be <id>:<base64 of 32 bytes>`);
      const id = entry.slice(0, colon);
      const key = unb64(entry.slice(colon + 1));
      if (key.byteLength !== 32)
        throw new CodecKeyError(`${source}: key ${JSON.stringify(id)} must be the base64 of 32 bytes`);
      return { id, key };
    });
}

/**
 * The codec configured by the environment: `NCAP_CODEC_KEYS` (`id:base64,…`, oldest first) or
 * `NCAP_CODEC_KEYS_FILE` (the same, one per line). `undefined` when neither is set: payloads stay plain.
 */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmPayloadCodec | undefined {
  let keys: CodecKey[] = [];
  if (env.NCAP_CODEC_KEYS) keys = parseCodecKeys(env.NCAP_CODEC_KEYS, 'NCAP_CODEC_KEYS');
  else if (env.NCAP_CODEC_KEYS_FILE) {
    let text: string;
    try {
      text = readFileSync(env.NCAP_CODEC_KEYS_FILE, 'utf8');
    } catch (error) {
      throw new CodecKeyError(
        `NCAP_CODEC_KEYS_FILE: cannot read ${env.NCAP_CODEC_KEYS_FILE}: ${(error as Error).message}`,
      );
    }
    keys = parseCodecKeys(text, `NCAP_CODEC_KEYS_FILE (${env.NCAP_CODEC_KEYS_FILE})`);
  }
  return keys.length > 0 ? new AesGcmPayloadCodec(keys) : undefined;
}

/**
 * Client and Worker `dataConverter` option for the configured codec (empty without one). Failure
 * messages stay plain text in the history (the workflow sandbox keeps the default failure converter);
 * ncap's messages name candidates, URIs and fields, never credentials or keys.
 */
export function dataConverterOption(codec: PayloadCodec | undefined): {
  dataConverter?: { payloadCodecs: PayloadCodec[] };
} {
  return codec ? { dataConverter: { payloadCodecs: [codec] } } : {};
}
