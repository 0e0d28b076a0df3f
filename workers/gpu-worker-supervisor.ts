/**
 * `ncap worker gpu`: a supervisor in the foreground running the GPU worker pool (gpu-worker-pool.ts),
 * `NCAP_GPU_PROCESSES` / `--processes` worker processes, each configured from this environment. SIGINT
 * or SIGTERM stops every process gracefully (trainings stop at their next checkpoint) and then returns;
 * a crash-looping process ends it with an error carrying that process's last output.
 */
import { startGpuWorkerPool, type GpuWorkerProcesses } from './gpu-worker-pool.js';
import { loadConfig } from './worker-config.js';

export interface GpuWorkerSupervisorOptions {
  /** @default `NCAP_GPU_PROCESSES`, else `auto` */
  processes?: GpuWorkerProcesses;
}

export async function runGpuWorkerSupervisor(options: GpuWorkerSupervisorOptions = {}): Promise<void> {
  const config = loadConfig();
  const log = (line: string) => console.error(`ncap gpu worker pool: ${line}`);
  const pool = startGpuWorkerPool({
    processes: options.processes ?? config.gpuProcesses,
    // Each child gets the grace to checkpoint; the margin covers its connection close and exit.
    stopTimeoutSeconds: config.shutdownGraceSeconds + 30,
    log,
    workerLog: (line) => console.error(line),
  });
  void pool.ready.then(
    (ready) =>
      log(
        `${ready.processes} process${ready.processes > 1 ? 'es' : ''} polling ${config.taskQueues.gpu} (tf backend ${ready.backend})`,
      ),
    () => undefined,
  );
  let signalled = false;
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  // Kept for every signal: a wrapper (bin/ncap.js) may pass on the terminal's Ctrl-C a second time,
  // which must not cut the graceful shutdown short.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      log(`${signal}: already stopping (each process finishes its checkpoint)`);
      return;
    }
    signalled = true;
    log(`${signal}: stopping every worker process at its next checkpoint`);
    void pool.stop().then(stopped);
  };
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, onSignal);
  try {
    await Promise.race([done, pool.failed]);
  } finally {
    await pool.stop();
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, onSignal);
  }
}
