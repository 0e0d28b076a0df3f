/**
 * The local dev stack: the official Temporal CLI dev server (SQLite file) and MinIO (S3-compatible), each a
 * child process on free loopback ports with its data under one folder. The stack's state (PIDs, ports) is
 * kept in `<dataDir>/stack.json`, so `up` while a healthy stack runs reuses it and `down` stops each process
 * by its PID.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/sweep-api.js';
import { ensureDevBucket } from './dev-bucket.js';
import { DevStackError } from './dev-stack-error.js';
import { freePort, portOf, reclaimPort } from './ports.js';
import { spawnDetached, startServer } from './server-start.js';
import { isAlive, withLockFile, writeJsonAtomic } from './shared-files.js';
import type { DevStackInfo } from './stack-info.js';
import { projectRoot, toolPaths } from './tools.js';

export type { DevStackInfo };
export { DevStackError, isAlive };

/**
 * SQLite settings of the dev server's file. The server's default (a rollback journal synced on every
 * commit) makes each history write wait for the disk while the workflow's lock is held; a child-workflow
 * sweep writes to its parent several times per candidate, so the server kept retrying children's starts
 * ("busy workflow") with back-off. A write-ahead log synced at checkpoints keeps every commit across a
 * crash of the server process (`ncap dev up` brings it back on its data); only a crash of the machine may
 * lose the last ones. `npm run bench:orchestration -- --sqlite-default` measures the difference.
 */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'] as const;

/** How the Temporal CLI spells the search attribute types the sweep workflow uses. */
export const TEMPORAL_CLI_TYPE_NAMES = { KEYWORD: 'Keyword', DOUBLE: 'Double' } as const;

/** Search attributes the sweep workflow sets; registered at server start so they are typed. */
export const SEARCH_ATTRIBUTES = Object.values(SEARCH_ATTRIBUTE_KEYS).map(
  // The parameter's type holds the types used: the Temporal CLI spells them `Keyword` and `Double`.
  (key: { name: string; type: 'KEYWORD' | 'DOUBLE' }) => `${key.name}=${TEMPORAL_CLI_TYPE_NAMES[key.type]}`,
);

export interface DevStackOptions {
  /** Folder for the servers' data, logs and `stack.json`. @default `<repo>/.ncap/dev` */
  dataDir?: string;
  /** Start MinIO too. The embedded default store is `file://`, so the demo needs only Temporal. @default true */
  s3?: boolean;
  /** How long to wait for both servers to answer, in milliseconds. @default 60000 */
  startTimeoutMs?: number;
  /** Temporal namespace. @default 'default' */
  namespace?: string;
  /** SQLite pragmas of the server's file (`[]`: the server's own defaults). @default {@link SQLITE_PRAGMAS} */
  sqlitePragmas?: readonly string[];
  /**
   * Who asks: `user` (`ncap dev up`: the stack runs until `ncap dev down`) or `command` (an ncap command
   * that needs a server for its run: the last command using it stops it, see stack-leases.ts). A `user`
   * start that reuses a stack a command started makes it the user's.
   * @default 'user'
   */
  startedBy?: StackStarter['by'];
}

/** Who started the recorded stack; absent in stacks recorded before it was kept (taken as `user`). */
export interface StackStarter {
  by: 'user' | 'command';
  pid: number;
}

export interface DevStackState {
  info: DevStackInfo;
  pids: { temporal: number; minio?: number };
  dataDir: string;
  startedAt: string;
  startedBy?: StackStarter;
}

/** The dev stack's folder: NCAP_DEV_DIR (tests, several stacks side by side), else `<repo>/.ncap/dev`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NCAP_DEV_DIR || join(projectRoot(), '.ncap', 'dev');
}

/** The stack recorded in `<dataDir>/stack.json`, if any. */
export function readDevStackState(dataDir: string): DevStackState | undefined {
  const path = join(dataDir, 'stack.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DevStackState;
  } catch {
    return undefined;
  }
}

async function tcpReady(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: host ?? '127.0.0.1', port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** True when the Temporal frontend answers gRPC and the namespace is registered. */
export async function temporalHealthy(address: string, namespace = 'default'): Promise<boolean> {
  if (!(await tcpReady(address))) return false;
  const { Connection } = await import('@temporalio/client');
  let connection: Awaited<ReturnType<typeof Connection.connect>> | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

export async function s3Healthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Health of a recorded stack: every process alive and answering. */
export async function stackHealthy(state: DevStackState): Promise<boolean> {
  if (!isAlive(state.pids.temporal)) return false;
  if (state.pids.minio !== undefined && !isAlive(state.pids.minio)) return false;
  if (!(await temporalHealthy(state.info.temporal.address, state.info.temporal.namespace))) return false;
  if (state.pids.minio !== undefined && !(await s3Healthy(state.info.s3.endpoint))) return false;
  return true;
}

/**
 * Whether the recorded processes that are alive answer. A probe that times out is tried again until
 * `timeoutMs` (on a loaded machine a healthy server can miss one 2-s probe, and judging it by that one
 * would report a running stack as not reused, or as unhealthy); a refused connection is final at once.
 */
async function liveProcessesHealthy(
  state: DevStackState,
  alive: { temporal: boolean; minio: boolean },
  timeoutMs: number,
): Promise<boolean> {
  const minioAddress = state.info.s3.endpoint.replace(/^https?:\/\//, '');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const temporalOk =
      !alive.temporal || (await temporalHealthy(state.info.temporal.address, state.info.temporal.namespace));
    const minioOk = !alive.minio || (await s3Healthy(state.info.s3.endpoint));
    if (temporalOk && minioOk) return true;
    const refused =
      (!temporalOk && !(await tcpReady(state.info.temporal.address))) ||
      (!minioOk && !(await tcpReady(minioAddress)));
    if (refused || Date.now() > deadline) return false;
    await sleep(250);
  }
}

export interface StartedDevStack extends DevStackState {
  /** True when every recorded process was running and healthy, so nothing was started. */
  reused: boolean;
  /** Why a restarted server is not on its recorded address (its port was taken); empty otherwise. */
  notes: string[];
}

/**
 * Runs `fn` holding `<dataDir>/stack.lock`: starting, stopping and the leaseholders' decision to stop are
 * exclusive, so a stack is never reused by one process while another is stopping it.
 */
export function withStackLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dataDir, { recursive: true });
  return withLockFile(join(dataDir, 'stack.lock'), fn);
}

/**
 * Starts the stack, or returns the running one recorded in `dataDir` when it is healthy. After a crash
 * (recorded processes gone) each server comes back on its recorded address and data, so running workers
 * reconnect; a server whose port another process took starts on a new one, and `notes` says so.
 * @throws DevStackError when a recorded process is alive but unhealthy (stop it first with `down`).
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<StartedDevStack> {
  const dataDir = options.dataDir ?? defaultDataDir();
  return withStackLock(dataDir, () => startUnlocked(options, dataDir));
}

async function startUnlocked(options: DevStackOptions, dataDir: string): Promise<StartedDevStack> {
  const startedBy: StackStarter = { by: options.startedBy ?? 'user', pid: process.pid };
  const wantS3 = options.s3 ?? true;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  mkdirSync(dataDir, { recursive: true });

  const existing = readDevStackState(dataDir);
  const reused = await reuseRunningStack(existing, { startedBy, wantS3, timeoutMs, dataDir });
  if (reused) return reused;
  // A live, healthy process of the recorded stack is kept; the others (re)start.
  const keepTemporal = existing !== undefined && isAlive(existing.pids.temporal);
  const keepMinio =
    existing !== undefined && isAlive(existing.pids.minio) && existing.info.s3.endpoint !== '';
  const tools = toolPaths();
  const startMinio = wantS3 && !keepMinio;
  if (startMinio && !tools.minio) {
    throw new DevStackError('MinIO is not installed: run `npm run setup:tools` (or set NCAP_MINIO_BIN)');
  }

  const state = initialState(existing, { keepTemporal, keepMinio, dataDir, startedBy, options });
  const launch: Launch = {
    state,
    recorded: existing,
    record: () => writeJsonAtomic(join(dataDir, 'stack.json'), state),
    timeoutMs,
  };
  // Both settle before a failure stops the stack, so neither starts a process after the stop.
  const started = await Promise.allSettled([
    keepTemporal ? undefined : startTemporal(tools.temporal, launch, options.sqlitePragmas ?? SQLITE_PRAGMAS),
    startMinio ? startMinioServer(tools.minio!, launch) : undefined,
  ]);
  try {
    for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
    if (state.pids.minio !== undefined) await ensureDevBucket(state.info.s3);
  } catch (error) {
    await stopRecordedStack({ dataDir });
    throw error;
  }
  return { ...state, reused: false, notes: movedPortNotes(existing, state) };
}

/** The recorded stack when all it needs runs and answers (a `user` start adopts a command's stack). */
async function reuseRunningStack(
  existing: DevStackState | undefined,
  want: { startedBy: StackStarter; wantS3: boolean; timeoutMs: number; dataDir: string },
): Promise<StartedDevStack | undefined> {
  const temporalAlive = isAlive(existing?.pids.temporal);
  const minioAlive = isAlive(existing?.pids.minio);
  if (!existing || !(temporalAlive || minioAlive)) return undefined;
  if (
    !(await liveProcessesHealthy(existing, { temporal: temporalAlive, minio: minioAlive }, want.timeoutMs))
  ) {
    throw new DevStackError(
      `A dev stack recorded in ${want.dataDir}/stack.json is running but not healthy; stop it with \`ncap dev down\``,
    );
  }
  const allAlive = temporalAlive && (existing.pids.minio === undefined || minioAlive);
  if (!allAlive || (want.wantS3 && existing.pids.minio === undefined)) return undefined;
  if (existing.pids.minio !== undefined) await ensureDevBucket(existing.info.s3);
  const adopted = want.startedBy.by === 'user' && existing.startedBy?.by === 'command';
  if (adopted) writeJsonAtomic(join(want.dataDir, 'stack.json'), { ...existing, startedBy: want.startedBy });
  return { ...existing, ...(adopted ? { startedBy: want.startedBy } : {}), reused: true, notes: [] };
}
/** The state to record before starting anything: kept servers as recorded, started ones filled in later. */
function initialState(
  existing: DevStackState | undefined,
  how: {
    keepTemporal: boolean;
    keepMinio: boolean;
    dataDir: string;
    startedBy: StackStarter;
    options: DevStackOptions;
  },
): DevStackState {
  const temporal = how.keepTemporal
    ? existing!.info.temporal
    : { address: '', namespace: how.options.namespace ?? 'default', uiUrl: '' };
  return {
    info: {
      temporal,
      s3: {
        endpoint: how.keepMinio ? existing!.info.s3.endpoint : '',
        region: 'us-east-1',
        accessKeyId: 'ncapdev',
        secretAccessKey: existing?.info.s3.secretAccessKey ?? `ncapdev-${randomBytes(12).toString('hex')}`,
      },
    },
    pids: {
      temporal: how.keepTemporal ? existing!.pids.temporal : 0,
      ...(how.keepMinio ? { minio: existing!.pids.minio! } : {}),
    },
    dataDir: how.dataDir,
    startedAt: new Date().toISOString(),
    startedBy: how.startedBy,
  };
}

/** A start of the stack's servers: the state each fills in and records as it spawns. */
interface Launch {
  state: DevStackState;
  /** The stack recorded before this start, whose addresses a restarted server takes back where free. */
  recorded: DevStackState | undefined;
  /** Writes `state` to `stack.json`, so a failed start stops what it spawned. */
  record: () => void;
  /** How long each server gets to answer, in milliseconds. */
  timeoutMs: number;
}

/** Starts the Temporal dev server on the recorded ports where free, filling in the launch's state. */
async function startTemporal(command: string, launch: Launch, pragmas: readonly string[]): Promise<void> {
  const { state, record, timeoutMs } = launch;
  const { dataDir } = state;
  const { namespace } = state.info.temporal;
  const recorded = launch.recorded?.info.temporal;
  const address = (port: number) => `127.0.0.1:${port}`;
  const log = join(dataDir, 'temporal.log');
  await startServer({
    what: 'Temporal dev server',
    log,
    ports: {
      grpc: await reclaimPort(recorded?.address ? portOf(recorded.address) : undefined),
      ui: await reclaimPort(recorded?.uiUrl ? portOf(recorded.uiUrl) : undefined),
    },
    freshPorts: async () => ({ grpc: await freePort(), ui: await freePort() }),
    spawn: (ports) => spawnDetached(command, temporalArgs({ ...ports, dataDir, namespace, pragmas }), log),
    healthy: (ports) => temporalHealthy(address(ports.grpc), namespace),
    timeoutMs,
    onSpawn: (pid, ports) => {
      state.pids.temporal = pid;
      state.info.temporal = { address: address(ports.grpc), namespace, uiUrl: `http://${address(ports.ui)}` };
      record();
    },
  });
}

function temporalArgs(how: {
  grpc: number;
  ui: number;
  dataDir: string;
  namespace: string;
  pragmas: readonly string[];
}): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(how.grpc),
    '--ui-port',
    String(how.ui),
    '--db-filename',
    join(how.dataDir, 'temporal.sqlite'),
    ...how.pragmas.flatMap((pragma) => ['--sqlite-pragma', pragma]),
    '--namespace',
    how.namespace,
    '--log-level',
    'warn',
    ...SEARCH_ATTRIBUTES.flatMap((attribute) => ['--search-attribute', attribute]),
  ];
}

/** Starts MinIO on the recorded API port where free (its console on a fresh one), filling in the launch's state. */
async function startMinioServer(command: string, launch: Launch): Promise<void> {
  const { state, record, timeoutMs } = launch;
  const { dataDir } = state;
  const s3 = state.info.s3;
  const recorded = launch.recorded?.info.s3.endpoint;
  const endpoint = (port: number) => `http://127.0.0.1:${port}`;
  const log = join(dataDir, 'minio.log');
  mkdirSync(join(dataDir, 'minio'), { recursive: true });
  const env = {
    ...process.env,
    MINIO_ROOT_USER: s3.accessKeyId,
    MINIO_ROOT_PASSWORD: s3.secretAccessKey,
    MINIO_BROWSER: 'off',
    MINIO_UPDATE: 'off',
  };
  await startServer({
    what: 'MinIO',
    log,
    ports: { api: await reclaimPort(recorded ? portOf(recorded) : undefined), console: await freePort() },
    freshPorts: async () => ({ api: await freePort(), console: await freePort() }),
    spawn: (ports) =>
      spawnDetached(
        command,
        [
          'server',
          '--quiet',
          '--address',
          `127.0.0.1:${ports.api}`,
          '--console-address',
          `127.0.0.1:${ports.console}`,
          join(dataDir, 'minio'),
        ],
        log,
        env,
      ),
    healthy: (ports) => s3Healthy(endpoint(ports.api)),
    timeoutMs,
    onSpawn: (pid, ports) => {
      state.pids.minio = pid;
      state.info.s3 = { ...s3, endpoint: endpoint(ports.api) };
      record();
    },
  });
}

/** A note for each server that listens elsewhere than its recorded address, so clients know to follow. */
function movedPortNotes(existing: DevStackState | undefined, state: DevStackState): string[] {
  if (!existing) return [];
  const pairs: [string, string, string][] = [
    ['Temporal', existing.info.temporal.address, state.info.temporal.address],
    ['Temporal UI', existing.info.temporal.uiUrl, state.info.temporal.uiUrl],
    ['MinIO', existing.info.s3.endpoint, state.info.s3.endpoint],
  ];
  return pairs.flatMap(([what, before, after]) => {
    const [was, now] = [portOf(before), portOf(after)];
    if (was === undefined || now === undefined || was === now) return [];
    return [
      `${what}: the recorded port ${was} is taken by another process, so it now listens on port ${now}; ` +
        'restart the workers and clients with the new address (export what `ncap dev up` prints)',
    ];
  });
}

async function stopPid(pid: number | undefined, graceMs: number): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isAlive(pid)) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface StopDevStackOptions {
  /** @default {@link defaultDataDir} */
  dataDir?: string;
  /** Also delete the servers' data. @default false */
  removeData?: boolean;
  /** How long each process gets after SIGTERM before SIGKILL, in milliseconds. @default 10000 */
  graceMs?: number;
}

/** Stops the processes recorded in `<dataDir>/stack.json`; returns false when nothing was recorded. */
export async function stopDevStack(options: StopDevStackOptions = {}): Promise<boolean> {
  const dataDir = options.dataDir ?? defaultDataDir();
  // Nothing recorded: nothing to stop, and no folder to create for the lock.
  if (!existsSync(join(dataDir, 'stack.json'))) return false;
  return withStackLock(dataDir, () => stopRecordedStack(options));
}

/** {@link stopDevStack} for a caller that holds the stack's lock already ({@link withStackLock}). */
export async function stopRecordedStack(options: StopDevStackOptions = {}): Promise<boolean> {
  const dataDir = options.dataDir ?? defaultDataDir();
  const state = readDevStackState(dataDir);
  if (!state) return false;
  const graceMs = options.graceMs ?? 10_000;
  await Promise.all([stopPid(state.pids.temporal, graceMs), stopPid(state.pids.minio, graceMs)]);
  rmSync(join(dataDir, 'stack.json'), { force: true });
  if (options.removeData) rmSync(dataDir, { recursive: true, force: true });
  return true;
}

/** The recorded stack and whether it is healthy, without starting anything. */
export async function devStackStatus(
  options: { dataDir?: string } = {},
): Promise<{ state?: DevStackState; healthy: boolean }> {
  const state = readDevStackState(options.dataDir ?? defaultDataDir());
  if (!state) return { healthy: false };
  return { state, healthy: await stackHealthy(state) };
}
