/**
 * Orchestration overhead per candidate, measured on the real Temporal dev server with a no-op trainer, for
 * plain activities and for child workflows in one run (same zoo, same window, same server): wall time less
 * the trainer's time per lane, per candidate; CPU per candidate of the workers and of the server; events
 * and workflow tasks per candidate and the latency of each hop, read from the histories; the server's
 * busy-workflow retries. It says whether child-workflow mode reaches the target, and if not, the floors
 * that stop it on this machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { validateSweepSpec } from '../activities/spec/sweep-spec.js';
import { createStoreProvider } from '../activities/sweep/store-cache.js';
import type { RunTraining } from '../activities/sweep/training-activities.js';
import type { Tf } from '../activities/tf/tf-namespace.js';
import { createGpuWorker, createOrchestratorWorker } from '../workers/create-workers.js';
import { SQLITE_PRAGMAS, startDevStack, stopDevStack } from '../scripts/dev/stack.js';
import { startSweep } from '../scripts/sweeps/sweep-client.js';
import { createNoopTrainer } from '../test/support/noop-trainer.js';
import { profileSweepHistories, type HistoryProfile } from './history-profile.js';
import { busyWorkflowRetries, metricsUrlFromLog, processCpuMs } from './server-metrics.js';

/** The target for child-workflow mode at 200 candidates, ms per candidate. */
const TARGET_MS = 50;

interface Row {
  mode: 'activities' | 'child workflows';
  candidates: number;
  maxParallel: number;
  wallSeconds: number;
  trainerSeconds: number;
  /** (wall − trainer time per lane) / candidates. */
  overheadPerCandidateMs: number;
  /** CPU of this process (both workers, the client) and of the dev server, per candidate. */
  workerCpuPerCandidateMs: number;
  serverCpuPerCandidateMs: number | null;
  /** The server's retries of tasks that found the workflow locked, per candidate. */
  busyRetriesPerCandidate: number | null;
  historyEventsPerRun: number[];
  profile: HistoryProfile;
  /** 1-minute load average before and after the row. */
  load: [number, number];
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
};

function parseArgs() {
  return new Command('bench:orchestration')
    .description(
      'Orchestration overhead per candidate with a no-op trainer: plain activities against child workflows, in one run on one dev server',
    )
    .option('--candidates <n>', 'candidates per sweep', positiveInt, 200)
    .option(
      '--parallel <n>',
      'concurrency.maxParallel, and the no-op GPU worker runs as many at once',
      positiveInt,
      20,
    )
    .option(
      '--sqlite-default',
      `run the dev server with SQLite's default rollback journal instead of ${SQLITE_PRAGMAS.join(', ')} (the setting before; for comparison)`,
      false,
    )
    .option('--json', 'print the rows as JSON', false)
    .addHelpText(
      'after',
      `\nPrints one row per mode and the child/activity ratio, and says whether child workflows stay within ${TARGET_MS} ms per candidate.\nExample: npm run bench:orchestration -- --candidates 200 --parallel 20`,
    )
    .parse(process.argv)
    .opts<{ candidates: number; parallel: number; sqliteDefault: boolean; json: boolean }>();
}

const load = (): number => loadavg()[0] ?? 0;

async function main(): Promise<void> {
  const opts = parseArgs();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = mkdtempSync(join(tmpdir(), 'ncap-bench-orch-'));
  const storeDir = mkdtempSync(join(tmpdir(), 'ncap-bench-store-'));
  const state = await startDevStack({
    dataDir,
    s3: false,
    ...(opts.sqliteDefault ? { sqlitePragmas: [] } : {}),
  });
  // The CLI prints its metrics address once the server is up, which can be just after it answers.
  let metricsUrl: string | undefined;
  const busyRetries = async (): Promise<number | null> => {
    metricsUrl ??= metricsUrlFromLog(readFileSync(join(dataDir, 'temporal.log'), 'utf8'));
    return metricsUrl ? busyWorkflowRetries(metricsUrl) : null;
  };
  const storeUri = pathToFileURL(storeDir).href;
  const native = await NativeConnection.connect({ address: state.info.temporal.address });
  const connection = await Connection.connect({ address: state.info.temporal.address });
  const client = new Client({ connection });
  const stores = createStoreProvider();
  const rows: Row[] = [];
  try {
    const run = async (label: string, candidates: number, childWorkflows: boolean): Promise<Row> => {
      const maxParallel = opts.parallel;
      const queues = { orchestrator: `bench-orch-${label}`, gpu: `bench-gpu-${label}` };
      const noop = createNoopTrainer();
      let trainerMs = 0;
      const timed: RunTraining = async (input, deps) => {
        const t0 = performance.now();
        try {
          return await noop(input, deps);
        } finally {
          trainerMs += performance.now() - t0;
        }
      };
      const orchestrator = await createOrchestratorWorker({
        connection: native,
        namespace: 'default',
        taskQueue: queues.orchestrator,
        stores,
        defaultStoreUri: storeUri,
      });
      const gpu = await createGpuWorker({
        connection: native,
        namespace: 'default',
        taskQueue: queues.gpu,
        stores,
        tf: async () => ({}) as Tf,
        runTraining: timed,
        concurrency: maxParallel,
      });
      const spec = validateSweepSpec({
        name: `bench-${label}`,
        dataset: { uri: 'file:///bench/data.safetensors' },
        candidates: Array.from({ length: candidates }, (_, i) => ({
          id: `c${i}`,
          model: `file:///bench/c${i}/model.json`,
        })),
        // Child workflows above the threshold; continue-as-new every candidatesPerRun (the default) either way.
        concurrency: { maxParallel, childWorkflowThreshold: childWorkflows ? 1 : candidates },
        // One fan-out of every candidate: the overhead measured is per candidate, not per rung.
        budget: { strategy: 'fixed' },
      });
      const load0 = load();
      const busy0 = await busyRetries();
      const server0 = processCpuMs(state.pids.temporal);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await orchestrator.runUntil(
        gpu.runUntil(async () =>
          (await startSweep(client, { spec, defaultStoreUri: storeUri, taskQueues: queues })).handle.result(),
        ),
      );
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const server1 = processCpuMs(state.pids.temporal);
      const busy1 = await busyRetries();
      const load1 = load();
      if (result.ranking.length !== candidates)
        throw new Error(`${label}: ${result.ranking.length} of ${candidates} candidates ranked`);
      const profile = await profileSweepHistories(client, result.sweepId, candidates);
      return {
        mode: childWorkflows ? 'child workflows' : 'activities',
        candidates,
        maxParallel,
        wallSeconds: wallMs / 1000,
        trainerSeconds: trainerMs / 1000,
        // The trainer runs maxParallel at once: subtract its time per lane, not its sum.
        overheadPerCandidateMs: (wallMs - trainerMs / maxParallel) / candidates,
        workerCpuPerCandidateMs: (cpu.user + cpu.system) / 1000 / candidates,
        serverCpuPerCandidateMs:
          server0 !== null && server1 !== null ? (server1 - server0) / candidates : null,
        busyRetriesPerCandidate: busy0 !== null && busy1 !== null ? (busy1 - busy0) / candidates : null,
        historyEventsPerRun: profile.eventsPerRun,
        profile,
        load: [load0, load1],
      };
    };
    // Warm-up (JIT, task queues, SQLite pages), not reported.
    await run('warmup', 10, true);
    rows.push(await run('act', opts.candidates, false));
    rows.push(await run('child', opts.candidates, true));
  } finally {
    await stores.closeAll();
    await native.close();
    await connection.close();
    await stopDevStack({ dataDir });
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(storeDir, { recursive: true, force: true });
  }
  const [act, child] = rows as [Row, Row];
  const verdict = summarise(act, child, opts.candidates);
  if (opts.json) {
    console.log(
      JSON.stringify(
        { sqlite: opts.sqliteDefault ? 'server default' : SQLITE_PRAGMAS, rows, ...verdict },
        null,
        2,
      ),
    );
    return;
  }
  print(rows, verdict, opts);
}

interface Verdict {
  ratio: number;
  targetMs: number;
  reached: boolean;
  /** Lower bounds of child-workflow overhead on this machine, ms per candidate. */
  floors: {
    /** The sweep's workflow tasks run one at a time: their summed duration per candidate. */
    serialParentMs: number;
    /** Worker + server CPU per candidate over the cores. */
    cpuMs: number | null;
    cores: number;
  };
}

function summarise(act: Row, child: Row, candidates: number): Verdict {
  const cores = availableParallelism();
  const p = child.profile;
  return {
    ratio: child.overheadPerCandidateMs / act.overheadPerCandidateMs,
    targetMs: TARGET_MS,
    reached: candidates >= 200 && child.overheadPerCandidateMs <= TARGET_MS,
    floors: {
      serialParentMs: p.parentTaskMsPerCandidate,
      cpuMs:
        child.serverCpuPerCandidateMs !== null
          ? (child.workerCpuPerCandidateMs + child.serverCpuPerCandidateMs) / cores
          : null,
      cores,
    },
  };
}

const f0 = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(0));
const f1 = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(1));

function print(rows: Row[], v: Verdict, opts: { candidates: number; sqliteDefault: boolean }): void {
  console.log(
    `dev server SQLite: ${opts.sqliteDefault ? 'server default (rollback journal)' : SQLITE_PRAGMAS.join(', ')}; ${v.floors.cores} cores`,
  );
  console.log(
    'mode             candidates  parallel  wall s  overhead ms/cand  CPU ms/cand worker+server  events/cand parent+child  wf tasks/cand parent+child  busy retries/cand  load 1m',
  );
  for (const r of rows) {
    const p = r.profile;
    console.log(
      [
        r.mode.padEnd(16),
        String(r.candidates).padStart(10),
        String(r.maxParallel).padStart(9),
        r.wallSeconds.toFixed(1).padStart(7),
        f0(r.overheadPerCandidateMs).padStart(17),
        `${f0(r.workerCpuPerCandidateMs)} + ${f0(r.serverCpuPerCandidateMs)}`.padStart(27),
        `${f1(p.parentEventsPerCandidate)} + ${f1(p.childEventsPerCandidate)}`.padStart(25),
        `${p.parentTasksPerCandidate.toFixed(2)} + ${p.childTasksPerCandidate.toFixed(2)}`.padStart(27),
        f1(r.busyRetriesPerCandidate).padStart(18),
        `${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)}`.padStart(9),
      ].join(' '),
    );
  }
  console.log('\nmedian ms per hop (server timestamps)');
  console.log(
    'mode             parent task wait/run  child created/started  child task wait/run  training wait/run  candidate end to end',
  );
  for (const r of rows) {
    const m = r.profile.medians;
    console.log(
      [
        r.mode.padEnd(16),
        `${f0(m.parentTaskWaitMs)} / ${f0(m.parentTaskProcessMs)}`.padStart(21),
        `${f0(m.childCreatedMs)} / ${f0(m.childStartMs)}`.padStart(22),
        `${f0(m.childTaskWaitMs)} / ${f0(m.childTaskProcessMs)}`.padStart(20),
        `${f0(m.activityWaitMs)} / ${f0(m.activityRunMs)}`.padStart(18),
        f0(m.candidateMs).padStart(21),
      ].join(' '),
    );
  }
  const [act, child] = rows as [Row, Row];
  console.log(
    `\nchild workflows / activities overhead: ${v.ratio.toFixed(2)}× (${f0(child.overheadPerCandidateMs)} ms against ${f0(act.overheadPerCandidateMs)} ms, measured in this run)`,
  );
  if (opts.candidates < 200) {
    console.log(
      `target (≤ ${v.targetMs} ms per candidate) is stated at 200 candidates: run with --candidates 200`,
    );
  } else if (v.reached) {
    console.log(
      `target reached: child workflows cost ${f0(child.overheadPerCandidateMs)} ms ≤ ${v.targetMs} ms per candidate`,
    );
  } else {
    console.log(
      `target not reached: ${f0(child.overheadPerCandidateMs)} ms > ${v.targetMs} ms per candidate. Floors on this machine now (load ${child.load[0].toFixed(1)} on ${v.floors.cores} cores):`,
    );
    console.log(
      `  serial sweep workflow: ${child.profile.parentTasksPerCandidate.toFixed(2)} workflow tasks per candidate, run one at a time, ${f0(v.floors.serialParentMs)} ms of them per candidate (median ${f0(child.profile.medians.parentTaskProcessMs)} ms each)`,
    );
    console.log(
      `  CPU: (${f0(child.workerCpuPerCandidateMs)} worker + ${f0(child.serverCpuPerCandidateMs)} server) ms per candidate over ${v.floors.cores} cores = ${f0(v.floors.cpuMs)} ms, with every core ours`,
    );
    console.log(
      `  each child is a workflow execution of its own: ${child.profile.childEventsPerCandidate.toFixed(0)} events and ${child.profile.childTasksPerCandidate.toFixed(0)} workflow tasks, and wakes the sweep twice (started, completed); activities need neither.`,
    );
    console.log(
      `  plain activities cost ${f0(act.overheadPerCandidateMs)} ms here; at this run's ratio the target needs them at ≤ ${f0(v.targetMs / v.ratio)} ms (a quiet machine measured 27 ms).`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
