/**
 * Loopback ports for the dev stack's servers. A port is checked free and then handed to a server that binds
 * it moments later, so another process can take it in between; the range below makes that rare and
 * server-start.ts retries when it happens.
 */
import { createServer } from 'node:net';
import { DevStackError } from './dev-stack-error.js';

/**
 * Where free ports are drawn: below the kernels' ephemeral ranges (Linux's starts at 32768, macOS's at
 * 49152), which the source port of every outgoing connection and every server asking for port 0 take from
 * (the Temporal CLI picks its internal ports so). Below 32768 also fits the PostgreSQL smallint Temporal
 * keeps membership ports in.
 */
export const PICKED_PORT_RANGE = { from: 20_000, to: 32_000 } as const;

/** How many random ports of the range are tried before giving up. */
const PICK_TRIES = 200;

/** True when nothing listens on `127.0.0.1:port` right now (so a server can take it). */
export async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port of {@link PICKED_PORT_RANGE} that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const { from, to } = PICKED_PORT_RANGE;
  for (let i = 0; i < PICK_TRIES; i++) {
    const port = from + Math.floor(Math.random() * (to - from));
    if (await portFree(port)) return port;
  }
  throw new DevStackError(`no free port among ${PICK_TRIES} tried in ${from}-${to - 1} on 127.0.0.1`);
}

/** The port at the end of `host:port` or a URL, if any. */
export function portOf(address: string): number | undefined {
  const port = Number(/:(\d+)\/?$/.exec(address)?.[1]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** The recorded port when it is free again (a crashed stack comes back where its clients expect it), else a new one. */
export async function reclaimPort(recorded: number | undefined): Promise<number> {
  return recorded !== undefined && (await portFree(recorded)) ? recorded : freePort();
}

/** What the Temporal CLI (Go's net package) and MinIO print when a port they bind is taken. */
export const PORT_TAKEN_LOG = /address already in use|port is already in use/i;
