/**
 * Starting a dev-stack server whose port is taken between picking and binding it. A small Node HTTP server
 * stands in for the Temporal CLI and MinIO: like them it dies on a taken port, printing Node's
 * `EADDRINUSE: address already in use`. The patterns are checked on the two servers' own lines.
 */
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DevStackError } from '../../../scripts/dev/dev-stack-error.js';
import { freePort, PICKED_PORT_RANGE, PORT_TAKEN_LOG } from '../../../scripts/dev/ports.js';
import { PORT_TAKEN_TRIES, spawnDetached, startServer } from '../../../scripts/dev/server-start.js';
import { isAlive } from '../../../scripts/dev/shared-files.js';

/** Listens on the port given as argv[1] and answers 200; exits on a taken port (Node prints why). */
const HTTP_SERVER = `
const port = Number(process.argv[1]);
const server = require('node:http').createServer((_, res) => res.end('ok'));
server.on('error', (error) => { console.error(String(error)); process.exit(1); });
server.listen(port, '127.0.0.1');
`;
/** Prints a start-up failure of another kind and exits. */
const FAILING_SERVER = `console.error('config file unreadable'); process.exit(2);`;

const answers = async (port: number): Promise<boolean> => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
};

describe('startServer', () => {
  let dir: string;
  let squatter: Server;
  let takenPort: number;
  const pids: number[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ncap-server-start-'));
    squatter = createServer();
    takenPort = await freePort();
    await new Promise<void>((resolve) => squatter.listen(takenPort, '127.0.0.1', resolve));
  });
  afterEach(() => {
    for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    squatter.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const server = (script: string, freshPorts: () => Promise<number>) => {
    const spawned: number[] = [];
    const log = join(dir, 'server.log');
    const start = startServer({
      what: 'test server',
      log,
      ports: takenPort,
      freshPorts,
      spawn: (port) => spawnDetached(process.execPath, ['-e', script, String(port)], log),
      healthy: answers,
      timeoutMs: 20_000,
      onSpawn: (pid, port) => {
        pids.push(pid);
        spawned.push(port);
      },
    });
    return { start, spawned, log };
  };

  it('a server whose port was taken starts again on a fresh one', async () => {
    const { start, spawned, log } = server(HTTP_SERVER, freePort);
    const { pid, ports } = await start;
    expect(spawned).toEqual([takenPort, ports]);
    expect(ports).not.toBe(takenPort);
    expect(await answers(ports)).toBe(true);
    expect(isAlive(pid)).toBe(true);
    expect(readFileSync(log, 'utf8')).toMatch(/EADDRINUSE/);
  });

  it(`gives up after ${PORT_TAKEN_TRIES} tries, with the last try's log`, async () => {
    const { start, spawned } = server(HTTP_SERVER, async () => takenPort);
    await expect(start).rejects.toThrow(/test server exited during start-up; last log lines:\n.*EADDRINUSE/);
    expect(spawned).toEqual(Array(PORT_TAKEN_TRIES).fill(takenPort));
  });

  it('a server that dies for another reason is not started again', async () => {
    const { start, spawned } = server(FAILING_SERVER, freePort);
    const error = await start.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevStackError);
    expect((error as Error).message).toMatch(/config file unreadable/);
    expect((error as Error).message).not.toMatch(/EADDRINUSE/);
    expect(spawned).toHaveLength(1);
  });
});

describe('PORT_TAKEN_LOG', () => {
  it("matches the Temporal CLI's and MinIO's lines for a taken port, and not other failures", () => {
    // From a CI run: the Temporal UI server (echo) could not bind the port picked for it.
    expect(PORT_TAKEN_LOG.test('"message":"listen tcp 127.0.0.1:41535: bind: address already in use"')).toBe(
      true,
    );
    expect(PORT_TAKEN_LOG.test('FATAL Unable to start the server: Specified port is already in use')).toBe(
      true,
    );
    expect(PORT_TAKEN_LOG.test('FATAL Unable to start the server: drive not writable')).toBe(false);
  });

  it('picked ports lie below the ephemeral ranges and fit a smallint', async () => {
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(PICKED_PORT_RANGE.from);
      expect(port).toBeLessThan(Math.min(PICKED_PORT_RANGE.to, 32_768));
    }
  });
});
