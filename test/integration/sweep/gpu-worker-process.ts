/** A GPU or orchestrator worker in its own process (the compiled entry point), as production runs it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stack } from '../../helpers/stack.js';
import type { SweepBench } from './sweep-harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GPU_WORKER = join(ROOT, 'dist', 'workers', 'gpu-worker.js');
export const ORCHESTRATOR_WORKER = join(ROOT, 'dist', 'workers', 'orchestrator-worker.js');

export function gpuWorkerBuilt(): boolean {
  return existsSync(GPU_WORKER);
}

export function orchestratorWorkerBuilt(): boolean {
  return existsSync(ORCHESTRATOR_WORKER);
}

/** Starts the orchestrator worker on the bench's orchestrator queue, its default store the bench's bucket. */
export function spawnOrchestratorWorker(
  bench: SweepBench,
  env: NodeJS.ProcessEnv = {},
): ChildProcess & { output(): string } {
  return spawnWorker(ORCHESTRATOR_WORKER, {
    NCAP_TASK_QUEUE_ORCHESTRATOR: bench.taskQueues.orchestrator,
    NCAP_STORE_URI: bench.bucket.uri,
    ...env,
  });
}

/** Starts the worker on the bench's GPU queue; `env` adds or overrides variables. Output is kept in `output()`. */
export function spawnGpuWorker(
  bench: SweepBench,
  env: NodeJS.ProcessEnv = {},
): ChildProcess & { output(): string } {
  return spawnWorker(GPU_WORKER, { NCAP_TASK_QUEUE_GPU: bench.taskQueues.gpu, ...env });
}

function spawnWorker(entry: string, env: NodeJS.ProcessEnv): ChildProcess & { output(): string } {
  const { s3, temporal } = stack();
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      NCAP_TF_BACKEND: 'cpu',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: s3.region,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      NCAP_S3_FORCE_PATH_STYLE: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}
