/**
 * `ncap sweep list`: recent sweeps with their name, status, winner and creation time, read from each
 * workflow's memo (store, name, created, outcome, winner); sweeps started before the memo fall back to their
 * start input (name, created) and the NcapWinner search attribute or the result (winner).
 */
import { Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import type { SweepResult } from '../../workflows/sweep-api.js';
import { parseSweepMemo, type SweepMemo } from '../../workflows/sweep-memo.js';
import { startInput } from './sweep-record.js';

export interface SweepListRow {
  sweepId: string;
  /** The spec's name ('' when unknown). */
  name: string;
  /** Temporal's execution status, lower-case ("running", "completed", "failed", …). */
  status: string;
  /** The winner; null when the sweep ended without one or has not decided yet. */
  winner: string | null;
  /** When the sweep was first started (ISO). */
  createdAt: string;
  /** When its latest run closed (ISO), null while it runs. */
  closedAt: string | null;
  /** The sweep's store ('' when unknown). */
  storeUri: string;
}

/** Encodings the default payload converter reads; anything else is ciphertext this client has no key for. */
const READABLE_ENCODINGS = new Set([
  'binary/null',
  'binary/plain',
  'json/plain',
  'json/protobuf',
  'binary/protobuf',
]);
const NULL_PAYLOAD = defaultPayloadConverter.toPayload(null);

/**
 * Decodes what the client's own codecs could not (a sweep encrypted under a key this client lacks) to
 * null: the SDK decodes every memo of a listed page, and one unreadable memo would fail the whole list.
 */
const unreadableAsNull: PayloadCodec = {
  encode: (payloads) => Promise.resolve(payloads),
  decode: (payloads) =>
    Promise.resolve(
      payloads.map((p: Payload) =>
        READABLE_ENCODINGS.has(new TextDecoder().decode(p.metadata?.encoding ?? new Uint8Array()))
          ? p
          : NULL_PAYLOAD,
      ),
    ),
};

/** A client like `client` whose reads turn unreadable payloads into null (decoded last: first in the list). */
function listingClient(client: Client): Client {
  const { connection, namespace, dataConverter } = client.options;
  return new Client({
    connection,
    namespace,
    dataConverter: {
      ...dataConverter,
      payloadCodecs: [unreadableAsNull, ...(dataConverter.payloadCodecs ?? [])],
    },
  });
}

/** Up to `limit` sweeps, newest first; a sweep whose memo or input this client cannot decrypt shows what it can. */
export async function listSweeps(client: Client, limit: number): Promise<SweepListRow[]> {
  const rows: SweepListRow[] = [];
  const lister = listingClient(client);
  for await (const wf of lister.workflow.list({ query: `WorkflowType = 'sweepWorkflow'` })) {
    rows.push(await rowOf(lister, wf));
    if (rows.length >= limit) break;
  }
  return rows;
}

async function rowOf(client: Client, wf: WorkflowExecutionInfo): Promise<SweepListRow> {
  const memo = parseSweepMemo(wf.memo);
  const input = memo ? undefined : await startInput(client, wf.workflowId, wf.runId).catch(() => undefined);
  return {
    sweepId: wf.workflowId,
    name: memo?.name ?? input?.spec.name ?? '',
    status: wf.status.name.toLowerCase(),
    winner: await winnerOf(client, wf, memo),
    createdAt: memo?.createdAt || (input?.carried?.startedAt ?? wf.startTime.toISOString()),
    closedAt: wf.closeTime?.toISOString() ?? null,
    storeUri: memo?.storeUri ?? input?.storeUri ?? '',
  };
}

/** The memo's winner once the sweep ended; else NcapWinner (when registered); else a completed sweep's result. */
async function winnerOf(
  client: Client,
  wf: WorkflowExecutionInfo,
  memo: SweepMemo | undefined,
): Promise<string | null> {
  if (memo?.winner !== undefined) return memo.winner;
  const attribute = wf.searchAttributes?.NcapWinner;
  if (Array.isArray(attribute) && typeof attribute[0] === 'string') return attribute[0];
  if (wf.status.name !== 'COMPLETED') return null;
  const result = await client.workflow
    .getHandle<() => Promise<SweepResult>>(wf.workflowId, wf.runId)
    .result()
    .catch(() => undefined);
  return result?.winner ?? null;
}

/** The list as a table with a header row; columns as wide as their widest cell. */
export function sweepListLines(rows: readonly SweepListRow[]): string[] {
  if (rows.length === 0) return ['No sweeps.'];
  const header = ['SWEEP', 'NAME', 'STATUS', 'WINNER', 'CREATED'];
  const cells = rows.map((r) => [
    r.sweepId,
    r.name || '—',
    r.status,
    r.winner ?? '—',
    r.createdAt.replace(/\.\d+Z$/, 'Z'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string =>
    c.map((cell, i) => (i < c.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('  ');
  return [line(header), ...cells.map(line)];
}
