/**
 * Starting one server process of the dev stack: detached from this process, logging to a file, and waited
 * for until it answers. A server that dies because one of its ports was taken after it was picked starts
 * again on fresh ports.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevStackError } from './dev-stack-error.js';
import { PORT_TAKEN_LOG } from './ports.js';
import { isAlive } from './shared-files.js';

/** How many times a server whose port was taken during start-up is started in all. */
export const PORT_TAKEN_TRIES = 3;

/** The server exited during start-up because a port it binds was taken. */
class PortTakenError extends DevStackError {
  override name = 'PortTakenError';
}

/** One server of the stack, started on a set of ports `P`. */
export interface ServerStart<P> {
  /** For messages: `Temporal dev server`, `MinIO`. */
  what: string;
  /** The server's log file; appended to by every try. */
  log: string;
  /** The ports of the first try (after a crash, the recorded ones where still free). */
  ports: P;
  /** Ports for another try, after a port of the last one was taken. */
  freshPorts: () => Promise<P>;
  /** Starts the process on `ports`; returns its pid. */
  spawn: (ports: P) => number;
  /** Whether the server on `ports` answers. */
  healthy: (ports: P) => Promise<boolean>;
  /** How long one try waits for it to answer, in milliseconds. */
  timeoutMs: number;
  /** Called with each process started, before waiting on it (so it is recorded, and stopped on failure). */
  onSpawn: (pid: number, ports: P) => void;
}

/**
 * Starts the server and waits until it answers; up to {@link PORT_TAKEN_TRIES} tries while it exits
 * because a port was taken.
 * @returns the answering process's pid and ports.
 * @throws DevStackError when it exits for another reason, or does not answer within `timeoutMs`.
 */
export async function startServer<P>(server: ServerStart<P>): Promise<{ pid: number; ports: P }> {
  let ports = server.ports;
  for (let attempt = 1; ; attempt++) {
    const logFrom = existsSync(server.log) ? statSync(server.log).size : 0;
    const pid = server.spawn(ports);
    server.onSpawn(pid, ports);
    try {
      await waitHealthy(server, pid, ports, logFrom);
      return { pid, ports };
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= PORT_TAKEN_TRIES) throw error;
      ports = await server.freshPorts();
    }
  }
}

async function waitHealthy<P>(server: ServerStart<P>, pid: number, ports: P, logFrom: number): Promise<void> {
  const deadline = Date.now() + server.timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      const tail = existsSync(server.log) ? readFileSync(server.log).subarray(logFrom).toString('utf8') : '';
      const message = `${server.what} exited during start-up; last log lines:\n${tail.slice(-2000)}`;
      throw PORT_TAKEN_LOG.test(tail) ? new PortTakenError(message) : new DevStackError(message);
    }
    if (await server.healthy(ports)) return;
    await sleep(250);
  }
  throw new DevStackError(
    `${server.what} did not become healthy within ${server.timeoutMs} ms; see ${server.log}`,
  );
}

/** Starts `command` in its own process group, its output appended to `logPath`; returns its pid. */
export function spawnDetached(
  command: string,
  args: string[],
  logPath: string,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    if (child.pid === undefined) throw new DevStackError(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}
