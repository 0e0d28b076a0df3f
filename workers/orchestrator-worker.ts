/**
 * The orchestrator worker process: sweep/candidate workflows plus the light activities (prepare,
 * score, smoke) on the orchestrator queue (`NCAP_TASK_QUEUE_ORCHESTRATOR`, default `ncap-orchestrator`).
 * Production runs a prebuilt bundle (NCAP_WORKFLOW_BUNDLE,
 * made by `npm run build:bundle`).
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createStoreProvider } from '../activities/sweep/store-cache.js';
import { createOrchestratorWorker, logStoreOutage } from './create-workers.js';
import { codecFromEnv } from './payload-codec.js';
import { temporalTarget } from './temporal-config.js';
import { loadConfig } from './worker-config.js';

export async function runOrchestratorWorker(): Promise<void> {
  const config = loadConfig();
  if (config.logLevel) Runtime.install({ logger: new DefaultLogger(config.logLevel) });
  const codec = codecFromEnv();
  const target = temporalTarget();
  const connection = await NativeConnection.connect(target.connectionOptions);
  const stores = createStoreProvider({ outageRetry: { onRetry: logStoreOutage } });
  try {
    const worker = await createOrchestratorWorker({
      connection,
      namespace: target.namespace,
      stores,
      defaultStoreUri: config.storeUri,
      ...(config.workflowBundlePath ? { workflowBundlePath: config.workflowBundlePath } : {}),
      taskQueue: config.taskQueues.orchestrator,
      ...(codec ? { codec } : {}),
    });
    console.error(`ncap orchestrator worker: queue ${worker.options.taskQueue}`);
    await worker.run();
  } finally {
    await stores.closeAll();
    await connection.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runOrchestratorWorker().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
