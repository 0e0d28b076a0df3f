/** `ncap worker gpu|orchestrator`: run workers in the foreground (Ctrl-C / SIGTERM stops them cleanly). */
import type { Command } from 'commander';
import { ConfigError, parseGpuProcesses } from '../../workers/worker-config.js';
import { CliError } from './context.js';
import { EXIT_CODES } from './exit-codes.js';

export function registerWorkerCommands(program: Command): void {
  const worker = program
    .command('worker')
    .description('Run a worker process (configuration from the environment: see docs/cli.md)');
  // Loaded on use: TF.js and the workflow bundler are heavy, and other commands do not need them.
  worker
    .command('gpu')
    .description(
      'Training activities on the GPU queue (NCAP_TASK_QUEUE_GPU, default ncap-gpu), in a pool of supervised worker processes',
    )
    .option(
      '--processes <n>',
      "worker processes, or 'auto': one per core on the CPU backends (wasm, cpu, tfjs-node), one per GPU on tfjs-node-gpu (env NCAP_GPU_PROCESSES)",
    )
    .addHelpText(
      'after',
      `
Each process is a GPU worker (node dist/workers/gpu-worker.js) running NCAP_GPU_CONCURRENCY trainings at
once (default 1); on tfjs-node-gpu each sees one GPU (CUDA_VISIBLE_DEVICES). Their output is prefixed
[worker N]. A process that exits is started again after a back-off (1 s, doubling to 30 s); one that exits
5 times in a row within a minute of starting stops the pool with its last output (exit code 1).
SIGINT/SIGTERM stop every process gracefully: trainings stop after their next epoch checkpoint, at most
NCAP_SHUTDOWN_GRACE_SECONDS (default 120) later.`,
    )
    .action(async (options: { processes?: string }) => {
      let processes;
      try {
        processes =
          options.processes === undefined ? undefined : parseGpuProcesses('--processes', options.processes);
      } catch (error) {
        if (error instanceof ConfigError) throw new CliError(error.message, EXIT_CODES.usage);
        throw error;
      }
      const [{ runGpuWorkerSupervisor }, { GpuWorkerPoolError }] = await Promise.all([
        import('../../workers/gpu-worker-supervisor.js'),
        import('../../workers/gpu-worker-pool.js'),
      ]);
      try {
        await runGpuWorkerSupervisor(processes === undefined ? {} : { processes });
      } catch (error) {
        if (error instanceof GpuWorkerPoolError) throw new CliError(error.message, EXIT_CODES.failure);
        throw error;
      }
    });
  worker
    .command('orchestrator')
    .description(
      'Sweep workflows plus prepare/score activities on the orchestrator queue (NCAP_TASK_QUEUE_ORCHESTRATOR, default ncap-orchestrator)',
    )
    .action(async () => (await import('../../workers/orchestrator-worker.js')).runOrchestratorWorker());
}
