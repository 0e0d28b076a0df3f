/**
 * `npm run demo`: the main job on embedded defaults. Starts the Temporal dev server if none is configured,
 * runs the orchestrator and a GPU worker in this process, sweeps the bundled demo zoo (Fashion-MNIST,
 * infra/demo-zoo) with live progress, prints the ranking and the winner, writes the report and stops
 * what it started. A second run reuses finished candidates unless --fresh.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { renderReportText } from '../../activities/report/report-text.js';
import type { SweepReport } from '../../activities/scoring/report-types.js';
import { DEFAULT_EARLY_EPOCHS, validateSweepSpec, type SweepSpec } from '../../activities/spec/sweep-spec.js';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import { canonicalJson } from '../../activities/sweep/stored-spec.js';
import { sweepKeys } from '../../activities/store/keys.js';
import { initTf } from '../../activities/tf/runtime.js';
import { runCandidateTraining } from '../../activities/training/run-candidate-training.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { createGpuWorker, createOrchestratorWorker } from '../../workers/create-workers.js';
import { temporalTarget } from '../../workers/temporal-config.js';
import { defaultStoreUri } from '../../workers/worker-config.js';
import { startDevStack, stopDevStack } from '../dev/stack.js';
import { projectRoot } from '../dev/tools.js';
import { startSweep } from '../sweeps/sweep-client.js';
import { watchSweep } from '../commands/sweep.js';
import type { SweepResult } from '../../workflows/sweep-api.js';
import { readManifest, type ZooManifest } from './zoo/manifest.js';

export interface DemoOptions {
  /** Folder holding the zoo's manifest.json. @default `<repo>/infra/demo-zoo` */
  zooDir?: string;
  /** @default NCAP_STORE_URI or `file://<cwd>/.ncap/store` */
  storeUri?: string;
  /** Sweep only the first N candidates. @default all */
  candidates?: number;
  /** Early-training epochs (the observation window; fractions allowed). @default DEFAULT_EARLY_EPOCHS */
  epochs?: number;
  /** Target training samples used (stratified subset; the zoo ships 3000). @default 3000 */
  maxSamples?: number;
  /** Forget finished candidates of an earlier demo run with the same settings. @default false */
  fresh?: boolean;
  /** Temporal address; without one (and without TEMPORAL_ADDRESS) the dev server is started. */
  temporalAddress?: string;
  /** Own task queues (tests). @default the standard queues */
  taskQueues?: { orchestrator: string; gpu: string };
  /** Draw progress bars. @default true */
  progress?: boolean;
  log?: (line: string) => void;
}

export interface DemoOutcome {
  sweepId: string;
  result: SweepResult;
  report: SweepReport;
  reportHtml: string;
  wallSeconds: number;
  startedStack: boolean;
  backend: string;
}

export class DemoSetupError extends Error {
  override name = 'DemoSetupError';
}

export function demoSpec(
  manifest: ZooManifest,
  zooDir: string,
  options: { candidates?: number; epochs: number; maxSamples: number },
): SweepSpec {
  const chosen = manifest.candidates.slice(0, options.candidates ?? manifest.candidates.length);
  const spec = validateSweepSpec({
    name: 'demo',
    description: 'Fashion-MNIST target task (classes 0–4) over a zoo pre-trained on classes 5–9',
    dataset: {
      name: 'fashion-mnist-target',
      uri: pathToFileURL(join(zooDir, manifest.dataset.target.train.path)).href,
      // The zoo's own validation split: the one its ground truth was early-stopped on.
      validationUri: pathToFileURL(join(zooDir, manifest.dataset.target.validation.path)).href,
      normalisation: manifest.dataset.normalisation,
      seed: 0,
      maxSamples: options.maxSamples,
    },
    candidates: chosen.map((c) => ({
      id: c.id,
      model: pathToFileURL(join(zooDir, c.modelPath)).href,
      featureLayer: c.featureLayer,
      labels: {
        architecture: c.architecture,
        params: c.params,
        sourceAccuracy: Number(c.sourceAccuracy.toFixed(4)),
        ...(c.groundTruth ? { groundTruthAccuracy: Number(c.groundTruth.accuracyMean.toFixed(4)) } : {}),
      },
    })),
    mode: 'finetune',
    // The first steps of the training the zoo's ground truth ran to convergence (Adam 1e-3, batch 64), so
    // the demo's winner is the default rule's pick at the window the selection benchmark scored it at.
    training: {
      epochs: options.epochs,
      batchSize: 64,
      learningRate: 0.001,
      optimizer: 'adam',
      snapshotEvery: 5,
      evaluationsPerEpoch: 4,
      seed: 0,
    },
    probe: { widths: [256, 128, 64] },
    concurrency: { maxParallel: 2 },
  });
  // The id follows the settings: a second run with the same settings reuses its finished candidates.
  const hash = createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 10);
  return { ...spec, id: `demo-${hash}` };
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoOutcome> {
  const log = options.log ?? ((line: string) => console.error(line));
  const t0 = performance.now();
  const zooDir = resolve(options.zooDir ?? join(projectRoot(), 'infra', 'demo-zoo'));
  const manifest = await readManifest(zooDir);
  if (!manifest)
    throw new DemoSetupError(`No demo zoo at ${zooDir}: build it with \`npm run demo:build-zoo\``);
  const spec = demoSpec(manifest, zooDir, {
    ...(options.candidates ? { candidates: options.candidates } : {}),
    epochs: options.epochs ?? DEFAULT_EARLY_EPOCHS,
    maxSamples: options.maxSamples ?? 3000,
  });
  const storeUri = options.storeUri ?? process.env.NCAP_STORE_URI ?? defaultStoreUri();
  const sweepId = spec.id!;
  const stores = createStoreProvider();
  const store = stores.get(storeUri);
  if (options.fresh) {
    const removed = await store.deletePrefix(sweepKeys(sweepId).root);
    if (removed > 0) log(`--fresh: removed ${removed} objects of the earlier run ${sweepId}`);
  }

  // Temporal: the configured one, or the embedded dev server (started here, stopped at the end).
  let address = options.temporalAddress;
  let startedStack = false;
  const target = temporalTarget(address ? { address } : {});
  if (!address && target.isDefault) {
    const stack = await startDevStack({ s3: false });
    address = stack.info.temporal.address;
    startedStack = !stack.reused;
    log(
      `${stack.reused ? 'Using the running' : 'Started the'} Temporal dev server at ${address} (UI ${stack.info.temporal.uiUrl})`,
    );
  }
  const connectionOptions = address ? { ...target.connectionOptions, address } : target.connectionOptions;
  const native = await NativeConnection.connect(connectionOptions);
  const connection = await Connection.connect(connectionOptions as Parameters<typeof Connection.connect>[0]);
  const client = new Client({ connection, namespace: target.namespace });
  try {
    const runtime = await initTf({ logger: { info: log, warn: log } });
    const tf = async (): Promise<Tf> => runtime.tf as Tf;
    const orchestrator = await createOrchestratorWorker({
      connection: native,
      namespace: target.namespace,
      stores,
      defaultStoreUri: storeUri,
      ...(options.taskQueues ? { taskQueue: options.taskQueues.orchestrator } : {}),
    });
    const gpu = await createGpuWorker({
      connection: native,
      clientConnection: connection,
      namespace: target.namespace,
      stores,
      tf,
      runTraining: runCandidateTraining,
      concurrency: 1,
      shutdownGraceSeconds: 30,
      ...(options.taskQueues ? { taskQueue: options.taskQueues.gpu } : {}),
    });
    log(
      `Sweeping ${spec.candidates.length} candidates on ${manifest.dataset.name} (target classes ${manifest.dataset.target.classNames.join(', ')}), ${spec.training.epochs} epochs each — sweep ${sweepId}`,
    );
    const result = await orchestrator.runUntil(
      gpu.runUntil(async () => {
        const started = await startSweep(client, {
          spec,
          sweepId,
          defaultStoreUri: storeUri,
          ...(options.taskQueues ? { taskQueues: options.taskQueues } : {}),
        });
        return options.progress === false ? started.handle.result() : watchSweep(client, sweepId);
      }),
    );
    const report = JSON.parse(
      Buffer.from(await store.get(sweepKeys(sweepId).reportJson)).toString('utf8'),
    ) as SweepReport;
    const reportHtml = storeUri.startsWith('file://')
      ? join(fileURLToPath(storeUri), sweepKeys(sweepId).reportHtml)
      : `${storeUri.replace(/\/$/, '')}/${sweepKeys(sweepId).reportHtml}`;
    return {
      sweepId,
      result,
      report,
      reportHtml,
      wallSeconds: (performance.now() - t0) / 1000,
      startedStack,
      backend: runtime.backend,
    };
  } finally {
    await stores.closeAll();
    await native.close();
    await connection.close();
    if (startedStack) {
      await stopDevStack();
      log('Stopped the Temporal dev server this demo started.');
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fresh: { type: 'boolean', default: false },
      candidates: { type: 'string' },
      epochs: { type: 'string' },
      samples: { type: 'string' },
      zoo: { type: 'string' },
      store: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: npm run demo -- [--fresh] [--candidates N] [--epochs E] [--samples N] [--zoo DIR] [--store URI] [--json]
  --fresh          retrain every candidate (default: reuse finished ones of an earlier run with the same settings)
  --candidates N   sweep only the first N candidates of the zoo
  --epochs E       early-training epochs per candidate, fractions allowed (default \${DEFAULT_EARLY_EPOCHS}: the window
                   the selection benchmark chose the default rule at)
  --samples N      target training samples (default 3000)
  --zoo DIR        the zoo folder (default infra/demo-zoo)
  --store URI      artifact store (default NCAP_STORE_URI or file://./.ncap/store)
  --json           print the outcome as JSON
Temporal: TEMPORAL_ADDRESS (and the other standard TEMPORAL_* variables), else the embedded dev server.`);
    return;
  }
  const int = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1)
      throw new DemoSetupError(`--${name} must be a positive integer, got '${raw}'`);
    return n;
  };
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const candidates = int('candidates', values.candidates);
  const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
  if (epochs !== undefined && !(Number.isFinite(epochs) && epochs > 0))
    throw new DemoSetupError(
      `--epochs must be a positive number of epochs such as 0.5 or 2, got '${values.epochs}'`,
    );
  const maxSamples = int('samples', values.samples);
  const outcome = await runDemo({
    fresh: values.fresh,
    ...(candidates ? { candidates } : {}),
    ...(epochs ? { epochs } : {}),
    ...(maxSamples ? { maxSamples } : {}),
    ...(values.zoo ? { zooDir: values.zoo } : {}),
    ...(values.store ? { storeUri: values.store } : {}),
    progress: !values.json,
  });
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          sweepId: outcome.sweepId,
          winner: outcome.result.winner,
          ranking: outcome.result.ranking,
          failed: outcome.result.failed,
          reused: outcome.result.reused,
          reportHtml: outcome.reportHtml,
          wallSeconds: outcome.wallSeconds,
          backend: outcome.backend,
        },
        null,
        2,
      ),
    );
    return;
  }
  console.log('');
  console.log(renderReportText(outcome.report));
  console.log('');
  if (outcome.result.reused.length > 0)
    console.log(`Reused from an earlier run: ${outcome.result.reused.join(', ')} (--fresh retrains them)`);
  console.log(
    outcome.result.winner ? `Winner: ${outcome.result.winner}` : 'No winner: no candidate finished.',
  );
  console.log(`Report: ${outcome.reportHtml}`);
  console.log(`Done in ${outcome.wallSeconds.toFixed(0)} s (TF.js backend ${outcome.backend}).`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof DemoSetupError ? error.message : error);
    process.exitCode = 1;
  });
}
