/**
 * A supervised pool of GPU worker processes: N children, each the GPU worker entry point (`gpu-worker.ts`)
 * polling the GPU task queue. The TF.js wasm and cpu backends use one thread, so one training process
 * per core is what fills a CPU machine; on tfjs-node-gpu each process gets one GPU.
 *
 * Supervision: a child that exits while the pool is running is started again after a back-off (doubling
 * per consecutive crash of that slot); a slot that crashes `maxConsecutiveCrashes` times in a row, each
 * time before running `stableAfterMs`, fails the pool with the child's last output instead of spinning.
 * `stop()` sends each child SIGTERM (the worker's graceful shutdown: trainings stop at their next
 * checkpoint) and SIGKILLs what is left after `stopTimeoutSeconds`. Children run in their own process
 * group, so a terminal's Ctrl-C reaches only the supervisor, which passes it on once; a child whose
 * supervisor disappears (its IPC channel closes) shuts itself down the same way, so none is orphaned.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { TF_BACKEND_ENV, TF_BACKENDS, type TfBackendName } from '../activities/tf/backend-names.js';

/** The message a pooled GPU worker sends its supervisor once it polls the task queue. */
export const GPU_WORKER_READY = 'ncap-gpu-worker-ready' as const;

export interface GpuWorkerReadyMessage {
  type: typeof GPU_WORKER_READY;
  /** The TF.js backend the child trains on. */
  backend: TfBackendName;
  taskQueue: string;
}

/** Worker processes to run: a count, or `auto` for {@link defaultGpuWorkerProcesses}. */
export type GpuWorkerProcesses = number | 'auto';

/**
 * The process count `auto` means for a backend: one per GPU on `tfjs-node-gpu` (each child sees one),
 * one per core on `wasm` and `cpu` (single-threaded), and one per core on `tfjs-node` too: it is
 * multi-threaded, but its threads mostly wait on small kernels, and on 2 cores two processes sweep the
 * demo zoo faster than one (README, "Use every core").
 * @param machine cores and GPUs of this machine
 * @returns at least 1
 */
export function defaultGpuWorkerProcesses(
  backend: TfBackendName,
  machine: { cores: number; gpus: number },
): number {
  if (backend === 'tfjs-node-gpu') return Math.max(1, machine.gpus);
  return Math.max(1, machine.cores);
}

/**
 * What `auto` comes to before any process has started: known when `NCAP_TF_BACKEND` names the backend,
 * or when every backend this machine could end up on gives the same count; otherwise undefined, and
 * the first process's backend decides.
 */
export function plannedGpuWorkerProcesses(
  env: NodeJS.ProcessEnv,
  machine: { cores: number; gpus: number },
): number | undefined {
  const named = env[TF_BACKEND_ENV]?.trim();
  const possible = (TF_BACKENDS as readonly string[]).includes(named ?? '')
    ? [named as TfBackendName]
    : machine.gpus > 0
      ? TF_BACKENDS
      : TF_BACKENDS.filter((b) => b !== 'tfjs-node-gpu');
  const counts = new Set(possible.map((b) => defaultGpuWorkerProcesses(b, machine)));
  return counts.size === 1 ? [...counts][0] : undefined;
}

/** GPUs `nvidia-smi -L` lists (one `GPU n: …` line each); 0 without nvidia-smi or when it fails. */
export function countGpus(run: () => string | undefined = nvidiaSmiList): number {
  const listed = run();
  return listed === undefined ? 0 : listed.split('\n').filter((line) => /^GPU \d+:/.test(line)).length;
}

function nvidiaSmiList(): string | undefined {
  const result = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout : undefined;
}

/**
 * The CUDA device a slot's process should see: the slot's index among the visible GPUs (those of
 * `CUDA_VISIBLE_DEVICES` when set), wrapping when there are more processes than GPUs; undefined without
 * GPUs (the variable is then left alone).
 */
export function gpuForSlot(slot: number, gpus: number, visible: string | undefined): string | undefined {
  const devices = visible?.trim()
    ? visible.split(',').map((d) => d.trim())
    : Array.from({ length: gpus }, (_, i) => String(i));
  return devices.length > 0 ? devices[slot % devices.length] : undefined;
}

export interface RestartPolicy {
  /** Wait before the first restart of a slot, milliseconds; doubled per further consecutive crash. @default 1000 */
  initialDelayMs?: number;
  /** Longest wait between restarts, milliseconds. @default 30000 */
  maxDelayMs?: number;
  /** Crashes in a row (each within `stableAfterMs` of its start) after which the pool fails. @default 5 */
  maxConsecutiveCrashes?: number;
  /** A child that ran this long before exiting resets its slot's crash count, milliseconds. @default 60000 */
  stableAfterMs?: number;
}

export interface GpuWorkerPoolOptions {
  /** Worker processes. @default `auto` ({@link defaultGpuWorkerProcesses} for the first child's backend) */
  processes?: GpuWorkerProcesses;
  /** Environment of every child (Temporal target, task queue, store credentials…). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Each child's output lines, prefixed `[worker N] `. @default console.error */
  workerLog?: (line: string) => void;
  /** The pool's own lines: starts, exits, restarts. @default console.error */
  log?: (line: string) => void;
  restart?: RestartPolicy;
  /**
   * Seconds `stop()` waits for children after SIGTERM before it SIGKILLs them: give it the workers'
   * shutdown grace (`NCAP_SHUTDOWN_GRACE_SECONDS`) and some margin.
   * @default 150
   */
  stopTimeoutSeconds?: number;
  /** Cores, for `auto`. @default os.availableParallelism() */
  cores?: number;
  /** GPUs, for `auto` and each child's CUDA_VISIBLE_DEVICES. @default {@link countGpus} */
  gpus?: number;
  /** Script each child runs (tests). @default the compiled `gpu-worker.js` */
  entry?: string;
}

export interface GpuWorkerPoolReady {
  /** Processes the pool keeps running. */
  processes: number;
  /** The TF.js backend the children train on. */
  backend: TfBackendName;
}

export interface GpuWorkerPool {
  /** Resolves once every process has reported it polls; rejects as `failed` does if that comes first. */
  readonly ready: Promise<GpuWorkerPoolReady>;
  /** Rejects with {@link GpuWorkerPoolError} when a slot crash-loops (the others are stopped); never resolves. */
  readonly failed: Promise<never>;
  /** Process ids of the children alive now, by slot. */
  pids(): number[];
  /** Stops every child gracefully (SIGTERM, then SIGKILL after `stopTimeoutSeconds`). Idempotent. */
  stop(): Promise<void>;
}

export class GpuWorkerPoolError extends Error {
  override name = 'GpuWorkerPoolError';
}

/** The compiled entry point next to this file (from source, the one `npm run build` writes to dist/). */
function defaultEntry(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(
    new URL(fromSource ? '../dist/workers/gpu-worker.js' : './gpu-worker.js', import.meta.url),
  );
}

interface Slot {
  index: number;
  child?: ChildProcess;
  startedAt: number;
  crashes: number;
  timer?: NodeJS.Timeout;
  /** The last lines this slot's processes wrote, for the crash-loop report. */
  tail: string[];
}

const TAIL_LINES = 20;
/** How long a stopped process's output may still be read after it exited (see stop). */
const OUTPUT_DRAIN_MS = 2_000;

/** {@link GpuWorkerPoolOptions} with their defaults applied. */
interface PoolSettings {
  log: (line: string) => void;
  workerLog: (line: string) => void;
  entry: string;
  env: NodeJS.ProcessEnv;
  gpus: number;
  cores: number;
  initialDelayMs: number;
  maxDelayMs: number;
  maxCrashes: number;
  stableAfterMs: number;
  stopTimeoutMs: number;
}

function poolSettings(options: GpuWorkerPoolOptions): PoolSettings {
  return {
    log: options.log ?? ((line: string) => console.error(line)),
    workerLog: options.workerLog ?? ((line: string) => console.error(line)),
    entry: options.entry ?? defaultEntry(),
    env: options.env ?? process.env,
    gpus: options.gpus ?? countGpus(),
    cores: options.cores ?? availableParallelism(),
    initialDelayMs: options.restart?.initialDelayMs ?? 1000,
    maxDelayMs: options.restart?.maxDelayMs ?? 30_000,
    maxCrashes: options.restart?.maxConsecutiveCrashes ?? 5,
    stableAfterMs: options.restart?.stableAfterMs ?? 60_000,
    stopTimeoutMs: (options.stopTimeoutSeconds ?? 150) * 1000,
  };
}

/** The pool's `ready` and `failed` promises with the functions that settle them. */
interface PoolOutcome {
  ready: Promise<GpuWorkerPoolReady>;
  failed: Promise<never>;
  resolveReady: (ready: GpuWorkerPoolReady) => void;
  rejectReady: (error: Error) => void;
  rejectFailed: (error: Error) => void;
}

function poolOutcome(): PoolOutcome {
  let resolveReady!: (ready: GpuWorkerPoolReady) => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<GpuWorkerPoolReady>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let rejectFailed!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  // Callers race these; an unobserved rejection must not end the process.
  ready.catch(() => undefined);
  failed.catch(() => undefined);
  return { ready, failed, resolveReady, rejectReady, rejectFailed };
}

/** What the supervisor knows and keeps while the pool runs. */
interface PoolState {
  settings: PoolSettings;
  outcome: PoolOutcome;
  slots: Slot[];
  readySlots: Set<number>;
  /** Processes to keep running; undefined under `auto` until the first child reports its backend. */
  target: number | undefined;
  backend: TfBackendName | undefined;
  stopping: Promise<void> | undefined;
}

const machineOf = ({ cores, gpus }: PoolSettings): { cores: number; gpus: number } => ({ cores, gpus });

const slotName = (slot: Slot): string => `worker ${slot.index + 1}`;

/** Resolves `ready` once the process count and backend are known and that many children poll. */
function checkReady(pool: PoolState): void {
  const { target, backend } = pool;
  if (target !== undefined && backend !== undefined && pool.readySlots.size >= target)
    pool.outcome.resolveReady({ processes: target, backend });
}

/** Forks the slot's child (on its GPU, if any) and wires its output, ready message and exit. */
function spawnSlot(pool: PoolState, slot: Slot): void {
  const { env, gpus, entry, log } = pool.settings;
  const gpu = gpus > 0 ? gpuForSlot(slot.index, gpus, env.CUDA_VISIBLE_DEVICES) : undefined;
  const child = fork(entry, [], {
    env: { ...env, ...(gpu !== undefined ? { CUDA_VISIBLE_DEVICES: gpu } : {}) },
    // Own process group: a terminal's SIGINT goes to the supervisor only, which stops each child once.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  slot.child = child;
  slot.startedAt = Date.now();
  log(`${slotName(slot)}: started (pid ${child.pid}${gpu !== undefined ? `, GPU ${gpu}` : ''})`);
  pipeSlotOutput(pool, slot, child);
  child.on('message', (message: unknown) => onChildMessage(pool, slot, message));
  child.once('exit', (code, signal) =>
    onChildExit(pool, slot, child, signal ? `signal ${signal}` : `exit code ${code}`),
  );
}

/** Passes each output line of a slot's child on to `workerLog`, keeping the last ones for a crash report. */
function pipeSlotOutput(pool: PoolState, slot: Slot, child: ChildProcess): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      slot.tail.push(line);
      if (slot.tail.length > TAIL_LINES) slot.tail.shift();
      pool.settings.workerLog(`[${slotName(slot)}] ${line}`);
    });
  }
}

/** A child's ready message: the first one fixes the pool's backend. */
function onChildMessage(pool: PoolState, slot: Slot, message: unknown): void {
  const m = message as Partial<GpuWorkerReadyMessage> | null;
  if (m?.type !== GPU_WORKER_READY || !m.backend) return;
  pool.readySlots.add(slot.index);
  if (pool.backend === undefined) {
    pool.backend = m.backend;
    if (pool.target === undefined) startAutoProcesses(pool, m.backend);
  }
  checkReady(pool);
}

/** Under `auto`, the first child's backend decides how many processes the pool runs: start the rest. */
function startAutoProcesses(pool: PoolState, backend: TfBackendName): void {
  const target = defaultGpuWorkerProcesses(backend, machineOf(pool.settings));
  pool.target = target;
  pool.settings.log(
    `tf backend ${backend}: ${target} worker process${target > 1 ? 'es' : ''} (one per ${backend === 'tfjs-node-gpu' ? 'GPU' : 'core'})`,
  );
  for (let i = pool.slots.length; i < target && !pool.stopping; i++) addSlot(pool);
}

/** A child ended while the pool runs: start it again after a back-off, or fail the pool if it crash-loops. */
function onChildExit(pool: PoolState, slot: Slot, child: ChildProcess, how: string): void {
  slot.child = undefined;
  pool.readySlots.delete(slot.index);
  if (pool.stopping) return;
  const { stableAfterMs, maxCrashes, maxDelayMs, initialDelayMs, log } = pool.settings;
  const ranMs = Date.now() - slot.startedAt;
  slot.crashes = ranMs >= stableAfterMs ? 1 : slot.crashes + 1;
  if (slot.crashes >= maxCrashes) {
    const error = new GpuWorkerPoolError(
      `${slotName(slot)} exited ${slot.crashes} times in a row, each within ${Math.round(stableAfterMs / 1000)} s of starting (last: ${how}); not restarting it. Its last output:\n${slot.tail.map((l) => `  ${l}`).join('\n')}`,
    );
    log(error.message);
    pool.outcome.rejectReady(error);
    pool.outcome.rejectFailed(error);
    void stopPool(pool);
    return;
  }
  const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** (slot.crashes - 1));
  const wait = delay < 1000 ? `${delay} ms` : `${(delay / 1000).toFixed(0)} s`;
  log(`${slotName(slot)}: pid ${child.pid} ended (${how}); starting it again in ${wait}`);
  slot.timer = setTimeout(() => {
    slot.timer = undefined;
    if (!pool.stopping) spawnSlot(pool, slot);
  }, delay);
}

function addSlot(pool: PoolState): void {
  const slot: Slot = { index: pool.slots.length, startedAt: 0, crashes: 0, tail: [] };
  pool.slots.push(slot);
  spawnSlot(pool, slot);
}

/** Stops every child once, however often it is called. */
function stopPool(pool: PoolState): Promise<void> {
  pool.stopping ??= stopChildren(pool);
  return pool.stopping;
}

async function stopChildren(pool: PoolState): Promise<void> {
  pool.outcome.rejectReady(
    new GpuWorkerPoolError('the pool was stopped before every worker process was ready'),
  );
  for (const slot of pool.slots) if (slot.timer) clearTimeout(slot.timer);
  const alive = pool.slots.flatMap((s) =>
    s.child && s.child.exitCode === null && s.child.signalCode === null ? [s.child] : [],
  );
  await Promise.all(alive.map((child) => stopChild(child, pool.settings)));
}

/** SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves once the child's output is read to the end. */
async function stopChild(
  child: ChildProcess,
  { stopTimeoutMs, log }: Pick<PoolSettings, 'stopTimeoutMs' | 'log'>,
): Promise<void> {
  // 'close' comes after the process's output is read to the end (its last lines, 'draining', are
  // logged); a grandchild holding the pipe open must not hold the stop, hence the bound after 'exit'.
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('exit', () => setTimeout(resolve, OUTPUT_DRAIN_MS).unref());
  });
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    log(`pid ${child.pid} still running ${stopTimeoutMs / 1000} s after SIGTERM: killing it`);
    child.kill('SIGKILL');
  }, stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the pool's first processes (all of them when their count is known up front, else one whose
 * backend decides `auto`) and supervises them until {@link GpuWorkerPool.stop} or a crash loop.
 * @throws GpuWorkerPoolError when `processes` is neither a positive integer nor `auto`
 */
export function startGpuWorkerPool(options: GpuWorkerPoolOptions = {}): GpuWorkerPool {
  const settings = poolSettings(options);
  const requested = options.processes ?? 'auto';
  if (requested !== 'auto' && (!Number.isInteger(requested) || requested < 1))
    throw new GpuWorkerPoolError(`processes must be a positive integer or 'auto', got ${String(requested)}`);

  const pool: PoolState = {
    settings,
    outcome: poolOutcome(),
    slots: [],
    readySlots: new Set<number>(),
    target: requested === 'auto' ? plannedGpuWorkerProcesses(settings.env, machineOf(settings)) : requested,
    backend: undefined,
    stopping: undefined,
  };
  const initial = pool.target ?? 1;
  for (let i = 0; i < initial; i++) addSlot(pool);
  return {
    ready: pool.outcome.ready,
    failed: pool.outcome.failed,
    pids: () => pool.slots.flatMap((s) => (s.child?.pid !== undefined ? [s.child.pid] : [])),
    stop: () => stopPool(pool),
  };
}
