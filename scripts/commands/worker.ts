/** `ncap worker gpu|orchestrator`: run a worker process in the foreground (Ctrl-C / SIGTERM stops it cleanly). */
import type { Command } from 'commander';

export function registerWorkerCommands(program: Command): void {
  const worker = program
    .command('worker')
    .description('Run a worker process (configuration from the environment: see README)');
  // Loaded on use: TF.js and the workflow bundler are heavy, and other commands do not need them.
  worker
    .command('gpu')
    .description(
      'Training activities on the GPU queue (NCAP_TASK_QUEUE_GPU, default ncap-gpu; NCAP_GPU_CONCURRENCY trainings at once)',
    )
    .action(async () => (await import('../../workers/gpu-worker.js')).runGpuWorker());
  worker
    .command('orchestrator')
    .description(
      'Sweep workflows plus prepare/score activities on the orchestrator queue (NCAP_TASK_QUEUE_ORCHESTRATOR, default ncap-orchestrator)',
    )
    .action(async () => (await import('../../workers/orchestrator-worker.js')).runOrchestratorWorker());
}
