/**
 * Child processes of the production smoke, each with its log file, stopped by its own PID: `stopAll` ends
 * them in reverse start order (SIGTERM, then SIGKILL after a grace time), also after a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export class ProcessError extends Error {
  override name = 'ProcessError';
}

export interface StartOptions {
  env: Record<string, string | undefined>;
  cwd?: string;
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  log: string;
  /** Signal that stops it cleanly. @default 'SIGTERM' */
  stopSignal?: NodeJS.Signals;
  /** Milliseconds between the stop signal and SIGKILL. @default 10000 (Docker's default) */
  graceMs?: number;
}

export class ManagedProcess {
  readonly exited: Promise<number | null>;
  #exitCode: number | null | undefined;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly options: StartOptions,
    /** Size of the log file when it started. */
    readonly logStart = 0,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.#exitCode = code;
        resolve(code);
      });
      // A command that cannot start (ENOENT, EACCES) emits only 'error'.
      child.once('error', (error) => {
        if (this.#exitCode !== undefined) return;
        appendFileSync(options.log, `\n${name} could not start: ${error.message}\n`);
        this.#exitCode = -1;
        resolve(-1);
      });
    });
  }
  get pid(): number {
    return this.child.pid!;
  }
  get running(): boolean {
    return this.#exitCode === undefined;
  }
  /** The end of what this run wrote to its log (a restart appends to the same file). */
  logTail(chars = 3000): string {
    if (!existsSync(this.options.log)) return '';
    const text = readFileSync(this.options.log).subarray(this.logStart).toString('utf8');
    return text.slice(-chars);
  }
  /** Stop signal, then SIGKILL after the grace time; resolves once it has exited. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill(this.options.stopSignal ?? 'SIGTERM');
    const killed = await Promise.race([
      this.exited.then(() => false),
      sleep(this.options.graceMs ?? 10_000).then(() => true),
    ]);
    if (killed && this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

export class ProcessGroup {
  readonly #processes: ManagedProcess[] = [];

  start(name: string, command: string, args: string[], options: StartOptions): ManagedProcess {
    const logStart = existsSync(options.log) ? statSync(options.log).size : 0;
    const fd = openSync(options.log, 'a');
    try {
      const child = spawn(command, args, {
        env: options.env,
        cwd: options.cwd,
        stdio: ['ignore', fd, fd],
        ...(options.uid !== undefined ? { uid: options.uid } : {}),
        ...(options.gid !== undefined ? { gid: options.gid } : {}),
      });
      const managed = new ManagedProcess(name, child, options, logStart);
      this.#processes.push(managed);
      return managed;
    } finally {
      closeSync(fd);
    }
  }

  /** Runs a one-shot job to completion. @throws ProcessError with its log's tail when it fails. */
  async run(name: string, command: string, args: string[], options: StartOptions): Promise<void> {
    const job = this.start(name, command, args, options);
    const code = await job.exited;
    if (code !== 0) throw new ProcessError(`${name} exited with ${code}:\n${job.logTail()}`);
  }

  /** Every process still running, stopped in reverse start order. */
  async stopAll(): Promise<void> {
    for (const p of [...this.#processes].reverse()) await p.stop();
  }

  /** PIDs of processes started here that are still alive (none after stopAll). */
  alive(): ManagedProcess[] {
    return this.#processes.filter((p) => p.running);
  }
}

/** Polls `check` every 250 ms until it is true; fails early when `process` exits. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; process?: ManagedProcess },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.process && !options.process.running)
      throw new ProcessError(`${what}: ${options.process.name} exited:\n${options.process.logTail()}`);
    if (await check()) return;
    if (Date.now() > deadline)
      throw new ProcessError(
        `${what}: not ready after ${options.timeoutMs / 1000} s${options.process ? `:\n${options.process.logTail()}` : ''}`,
      );
    await sleep(250);
  }
}
