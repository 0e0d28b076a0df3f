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

export function startGpuWorkerPool(options: GpuWorkerPoolOptions = {}): GpuWorkerPool {
  const log = options.log ?? ((line: string) => console.error(line));
  const workerLog = options.workerLog ?? ((line: string) => console.error(line));
  const entry = options.entry ?? defaultEntry();
  const env = options.env ?? process.env;
  const gpus = options.gpus ?? countGpus();
  const cores = options.cores ?? availableParallelism();
  const initialDelayMs = options.restart?.initialDelayMs ?? 1000;
  const maxDelayMs = options.restart?.maxDelayMs ?? 30_000;
  const maxCrashes = options.restart?.maxConsecutiveCrashes ?? 5;
  const stableAfterMs = options.restart?.stableAfterMs ?? 60_000;
  const stopTimeoutMs = (options.stopTimeoutSeconds ?? 150) * 1000;
  const requested = options.processes ?? 'auto';
  if (requested !== 'auto' && (!Number.isInteger(requested) || requested < 1))
    throw new GpuWorkerPoolError(`processes must be a positive integer or 'auto', got ${String(requested)}`);

  const slots: Slot[] = [];
  let stopping: Promise<void> | undefined;
  let target: number | undefined =
    requested === 'auto' ? plannedGpuWorkerProcesses(env, { cores, gpus }) : requested;
  let backend: TfBackendName | undefined;
  const readySlots = new Set<number>();

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

  const checkReady = (): void => {
    if (target !== undefined && backend !== undefined && readySlots.size >= target)
      resolveReady({ processes: target, backend });
  };

  const spawnSlot = (slot: Slot): void => {
    const gpu = gpus > 0 ? gpuForSlot(slot.index, gpus, env.CUDA_VISIBLE_DEVICES) : undefined;
    const child = fork(entry, [], {
      env: { ...env, ...(gpu !== undefined ? { CUDA_VISIBLE_DEVICES: gpu } : {}) },
      // Own process group: a terminal's SIGINT goes to the supervisor only, which stops each child once.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    slot.child = child;
    slot.startedAt = Date.now();
    const name = `worker ${slot.index + 1}`;
    log(`${name}: started (pid ${child.pid}${gpu !== undefined ? `, GPU ${gpu}` : ''})`);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        slot.tail.push(line);
        if (slot.tail.length > TAIL_LINES) slot.tail.shift();
        workerLog(`[${name}] ${line}`);
      });
    }
    child.on('message', (message: unknown) => {
      const m = message as Partial<GpuWorkerReadyMessage> | null;
      if (m?.type !== GPU_WORKER_READY || !m.backend) return;
      readySlots.add(slot.index);
      if (backend === undefined) {
        backend = m.backend;
        if (target === undefined) {
          target = defaultGpuWorkerProcesses(backend, { cores, gpus });
          log(
            `tf backend ${backend}: ${target} worker process${target > 1 ? 'es' : ''} (one per ${backend === 'tfjs-node-gpu' ? 'GPU' : 'core'})`,
          );
          for (let i = slots.length; i < target && !stopping; i++) addSlot();
        }
      }
      checkReady();
    });
    child.once('exit', (code, signal) => {
      slot.child = undefined;
      readySlots.delete(slot.index);
      if (stopping) return;
      const ranMs = Date.now() - slot.startedAt;
      slot.crashes = ranMs >= stableAfterMs ? 1 : slot.crashes + 1;
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      if (slot.crashes >= maxCrashes) {
        const error = new GpuWorkerPoolError(
          `${name} exited ${slot.crashes} times in a row, each within ${Math.round(stableAfterMs / 1000)} s of starting (last: ${how}); not restarting it. Its last output:\n${slot.tail.map((l) => `  ${l}`).join('\n')}`,
        );
        log(error.message);
        rejectReady(error);
        rejectFailed(error);
        void stop();
        return;
      }
      const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** (slot.crashes - 1));
      const wait = delay < 1000 ? `${delay} ms` : `${(delay / 1000).toFixed(0)} s`;
      log(`${name}: pid ${child.pid} ended (${how}); starting it again in ${wait}`);
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        if (!stopping) spawnSlot(slot);
      }, delay);
    });
  };

  const addSlot = (): void => {
    const slot: Slot = { index: slots.length, startedAt: 0, crashes: 0, tail: [] };
    slots.push(slot);
    spawnSlot(slot);
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      rejectReady(new GpuWorkerPoolError('the pool was stopped before every worker process was ready'));
      for (const slot of slots) if (slot.timer) clearTimeout(slot.timer);
      const alive = slots.flatMap((s) =>
        s.child && s.child.exitCode === null && s.child.signalCode === null ? [s.child] : [],
      );
      await Promise.all(
        alive.map(async (child) => {
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
        }),
      );
    })();
    return stopping;
  };

  const initial = target ?? 1;
  for (let i = 0; i < initial; i++) addSlot();
  return {
    ready,
    failed,
    pids: () => slots.flatMap((s) => (s.child?.pid !== undefined ? [s.child.pid] : [])),
    stop,
  };
}
