/**
 * Worker and CLI configuration from the environment, parsed once at the edge. Temporal's connection
 * settings follow Temporal's standard environment configuration (see temporal-config.ts).
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { DEFAULT_TASK_QUEUES, type TaskQueues } from '../workflows/sweep-api.js';
import type { LogLevel } from '@temporalio/common';
import type { GpuWorkerProcesses } from './gpu-worker-pool.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly nonRetryable = true;
}

export interface NcapConfig {
  /** Store for sweeps whose spec names none. Env `NCAP_STORE_URI`. @default `file://<cwd>/.ncap/store` */
  storeUri: string;
  /** Training activities one GPU worker runs at once. Env `NCAP_GPU_CONCURRENCY`. @default 1 */
  gpuConcurrency: number;
  /**
   * GPU worker processes `ncap worker gpu` runs: a count, or `auto` (one per core on the CPU backends,
   * one per GPU on tfjs-node-gpu). Env `NCAP_GPU_PROCESSES`; the `--processes` option overrides it.
   * @default 'auto'
   */
  gpuProcesses: GpuWorkerProcesses;
  /** Seconds a stopping GPU worker gives running trainings to reach a checkpoint. Env `NCAP_SHUTDOWN_GRACE_SECONDS`. @default 120 */
  shutdownGraceSeconds: number;
  /** Prebuilt workflow bundle (production). Env `NCAP_WORKFLOW_BUNDLE`. @default bundle at start-up */
  workflowBundlePath?: string;
  /**
   * Lowest level the worker processes log (Temporal SDK and activity logs). Env `NCAP_LOG_LEVEL`:
   * TRACE, DEBUG, INFO, WARN or ERROR.
   * @default INFO (the SDK's)
   */
  logLevel?: LogLevel;
  /** Upsert typed search attributes (the server must have NcapDataset/NcapStatus/NcapWinner). Env `NCAP_SEARCH_ATTRIBUTES=1`. @default false */
  searchAttributes: boolean;
  /**
   * Task queues the workers poll and the clients (CLI, schedules) put into each sweep's input, so one
   * setting moves both. Env `NCAP_TASK_QUEUE_ORCHESTRATOR`, `NCAP_TASK_QUEUE_GPU`.
   * @default {@link DEFAULT_TASK_QUEUES}
   */
  taskQueues: TaskQueues;
}

function taskQueue(name: string, raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw === '') return fallback;
  // Temporal accepts any UTF-8 name up to 1000 bytes; whitespace is almost always a quoting mistake.
  if (raw.trim() !== raw || raw.length > 1000)
    throw new ConfigError(`${name} must be a task queue name without surrounding spaces, got '${raw}'`);
  return raw;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

/**
 * Parses a GPU worker process count (`NCAP_GPU_PROCESSES`, `--processes`): `auto` or a positive integer.
 * @param name the variable or option, for the error
 */
export function parseGpuProcesses(name: string, raw: string | undefined): GpuWorkerProcesses {
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(
      `${name} must be a positive integer or 'auto' (one per core, or per GPU on tfjs-node-gpu), got '${raw}'`,
    );
  return value;
}

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const satisfies readonly LogLevel[];

function logLevel(name: string, raw: string | undefined): LogLevel | undefined {
  if (raw === undefined || raw === '') return undefined;
  const level = raw.toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got '${raw}'`);
  return level as LogLevel;
}

export function defaultStoreUri(cwd = process.cwd()): string {
  return pathToFileURL(join(cwd, '.ncap', 'store')).href;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): NcapConfig {
  const storeUri = env.NCAP_STORE_URI || defaultStoreUri();
  if (!/^(file|s3):\/\//.test(storeUri)) {
    throw new ConfigError(`NCAP_STORE_URI must start with file:// or s3://, got '${storeUri}'`);
  }
  return {
    storeUri,
    gpuConcurrency: positiveInt('NCAP_GPU_CONCURRENCY', env.NCAP_GPU_CONCURRENCY, 1),
    gpuProcesses: parseGpuProcesses('NCAP_GPU_PROCESSES', env.NCAP_GPU_PROCESSES),
    shutdownGraceSeconds: positiveInt('NCAP_SHUTDOWN_GRACE_SECONDS', env.NCAP_SHUTDOWN_GRACE_SECONDS, 120),
    ...(env.NCAP_LOG_LEVEL ? { logLevel: logLevel('NCAP_LOG_LEVEL', env.NCAP_LOG_LEVEL) } : {}),
    ...(env.NCAP_WORKFLOW_BUNDLE ? { workflowBundlePath: env.NCAP_WORKFLOW_BUNDLE } : {}),
    searchAttributes: env.NCAP_SEARCH_ATTRIBUTES === '1' || env.NCAP_SEARCH_ATTRIBUTES === 'true',
    taskQueues: {
      orchestrator: taskQueue(
        'NCAP_TASK_QUEUE_ORCHESTRATOR',
        env.NCAP_TASK_QUEUE_ORCHESTRATOR,
        DEFAULT_TASK_QUEUES.orchestrator,
      ),
      gpu: taskQueue('NCAP_TASK_QUEUE_GPU', env.NCAP_TASK_QUEUE_GPU, DEFAULT_TASK_QUEUES.gpu),
    },
  };
}
