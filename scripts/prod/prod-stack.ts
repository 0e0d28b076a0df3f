/**
 * The compose stack (infra/compose/docker-compose.yml) as processes on this host, from registry packages:
 * PostgreSQL, the schema job, the Temporal server, the namespace job, the Temporal UI (when it was built),
 * MinIO, the bucket job, one orchestrator and N GPU workers. Every environment, command, script and config
 * file comes from the compose file; what differs on a host without containers is said where it is done:
 * loopback addresses on free ports instead of service names, host paths instead of mounts, and no GPU.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from '../dev/ports.js';
import { s3Healthy, temporalHealthy } from '../dev/stack.js';
import { projectRoot, type ProdToolPaths } from '../dev/tools.js';
import {
  exampleEnv,
  hostEnv,
  hostPath,
  readComposeFile,
  service,
  serviceCommand,
  type ComposeFile,
  type HostView,
} from './compose-file.js';
import { startPostgres, type PostgresCluster } from './postgres-cluster.js';
import { ProcessGroup, waitUntil, type ManagedProcess, type StartOptions } from './processes.js';

export interface ProdStackOptions {
  /** Folder for every server's data and log; created. */
  runDir: string;
  tools: ProdToolPaths;
  /** The Temporal CLI (the namespace job runs `temporal operator …`) and MinIO. */
  temporalCli: string;
  minio: string;
  gpuWorkers: number;
  /** Start the Temporal UI when it is installed. @default true */
  ui?: boolean;
  log: (line: string) => void;
}

export interface Phase {
  name: string;
  seconds: number;
}

/** Docker stops a container with SIGTERM and kills it after its stop_grace_period (10 s by default). */
function stopGraceMs(compose: ComposeFile, name: string): number {
  const raw = (service(compose, name) as { stop_grace_period?: string }).stop_grace_period;
  const match = raw ? /^(\d+)(ms|s|m)$/.exec(raw) : null;
  if (!match) return 10_000;
  return Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[match[2] as 'ms' | 's' | 'm'];
}

export class ProdStack {
  readonly group = new ProcessGroup();
  readonly compose: ComposeFile;
  readonly phases: Phase[] = [];
  /** The `.env` of this run: `.env.example` with fresh secrets. */
  readonly vars: Record<string, string>;
  readonly view: HostView;
  postgres?: PostgresCluster;
  temporal?: ManagedProcess;
  ui?: ManagedProcess;
  minio?: ManagedProcess;
  orchestrator?: ManagedProcess;
  readonly gpuWorkers: ManagedProcess[] = [];
  readonly #root = projectRoot();

  private constructor(
    readonly options: ProdStackOptions,
    ports: Record<string, string>,
  ) {
    this.compose = readComposeFile(join(this.#root, 'infra', 'compose', 'docker-compose.yml'));
    this.vars = exampleEnv(this.compose, () => randomBytes(18).toString('base64url'));
    // The ncap images hold the repository at /app (infra/docker/Dockerfile.*); here it is this checkout.
    this.view = { ports, imagePaths: { '/app': this.#root } };
    mkdirSync(options.runDir, { recursive: true });
  }

  /** Free loopback ports for every container port the stack uses. */
  static async create(options: ProdStackOptions): Promise<ProdStack> {
    const ports: Record<string, string> = {};
    for (const key of ['postgresql:5432', 'temporal:7233', 'temporal-ui:8080', 'minio:9000', 'minio:9001'])
      ports[key] = `127.0.0.1:${await freePort()}`;
    return new ProdStack(options, ports);
  }

  get temporalAddress(): string {
    return this.view.ports['temporal:7233']!;
  }
  get uiUrl(): string | undefined {
    return this.ui ? `http://${this.view.ports['temporal-ui:8080']}` : undefined;
  }
  get s3Endpoint(): string {
    return `http://${this.view.ports['minio:9000']}`;
  }
  port(key: string): number {
    return Number(this.view.ports[key]!.split(':')[1]);
  }

  /** What every process gets from this host besides its service's environment (a container gets none). */
  #base(extraPath: string[] = []): Record<string, string | undefined> {
    return {
      PATH: [...extraPath, process.env.PATH ?? '/usr/bin:/bin'].join(':'),
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
    };
  }

  #log(name: string): string {
    return join(this.options.runDir, `${name}.log`);
  }

  /** Runs one bring-up step and records its time. */
  async phase<T>(name: string, run: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const out = await run();
    const seconds = (performance.now() - t0) / 1000;
    this.phases.push({ name, seconds });
    this.options.log(`  ${name}: ${seconds.toFixed(1)} s`);
    return out;
  }

  /** A one-shot job of the compose file (`entrypoint` + `command`, container paths made host paths). */
  async #job(name: string, env: Record<string, string | undefined>, cwd?: string): Promise<void> {
    const s = service(this.compose, name);
    const entrypoint = typeof s.entrypoint === 'string' ? [s.entrypoint] : (s.entrypoint ?? []);
    const argv = [...entrypoint, ...serviceCommand(this.compose, name)].map((arg, i) =>
      i === 0 && arg === 'node' ? process.execPath : (hostPath(this.compose, name, arg, this.view) ?? arg),
    );
    await this.group.run(name, argv[0]!, argv.slice(1), {
      env,
      ...(cwd ? { cwd } : {}),
      log: this.#log(name),
    });
  }

  async up(): Promise<void> {
    const { tools, runDir } = this.options;
    const pgPort = this.port('postgresql:5432');
    // The postgres image's superuser is POSTGRES_USER with POSTGRES_PASSWORD: here the cluster's initdb.
    const pgEnv = hostEnv(this.compose, 'postgresql', this.vars, this.view);
    this.postgres = await this.phase('PostgreSQL cluster (initdb + start)', () =>
      startPostgres(this.group, {
        binDir: tools.postgresBin,
        dir: join(runDir, 'postgresql'),
        port: pgPort,
        user: pgEnv.POSTGRES_USER!,
        password: pgEnv.POSTGRES_PASSWORD!,
      }),
    );
    // x-temporal-db's DB_PORT is the container port of postgresql; this host publishes it on pgPort.
    const db = { DB_PORT: String(pgPort) };
    await this.phase('temporal-schema (setup-postgres.sh)', () =>
      this.#job('temporal-schema', {
        ...this.#base([dirname(tools.sqlTool), tools.netcatDir]),
        ...hostEnv(this.compose, 'temporal-schema', this.vars, this.view),
        ...db,
        // The admin-tools image's schema folder, here the Temporal module's own.
        SQL_SCHEMA_DIR: tools.schemaDir,
      }),
    );
    await this.phase('Temporal server start', () => this.startTemporal());
    await this.phase('temporal-setup (register-namespace.sh)', () =>
      this.#job('temporal-setup', {
        ...this.#base([dirname(this.options.temporalCli)]),
        ...hostEnv(this.compose, 'temporal-setup', this.vars, this.view),
      }),
    );
    if (this.options.ui !== false && tools.ui) await this.phase('Temporal UI start', () => this.#startUi());
    await this.phase('MinIO start', () => this.#startMinio());
    await this.phase('create-bucket (create-bucket.mjs)', () =>
      this.#job(
        'create-bucket',
        { ...this.#base(), ...hostEnv(this.compose, 'create-bucket', this.vars, this.view) },
        this.#root,
      ),
    );
    await this.phase(`orchestrator + ${this.options.gpuWorkers} GPU workers start`, async () => {
      this.orchestrator = this.#startWorker('orchestrator', 'orchestrator');
      for (let i = 0; i < this.options.gpuWorkers; i++)
        this.gpuWorkers.push(this.#startWorker('gpu-worker', `gpu-worker-${i + 1}`));
      await Promise.all([this.orchestrator, ...this.gpuWorkers].map((w) => this.#workerReady(w)));
    });
  }

  /** The temporalio/server image runs `temporal-server start`: its embedded config template reads the env. */
  temporalEnv(): Record<string, string | undefined> {
    // The image's working directory is /etc/temporal; DYNAMIC_CONFIG_FILE_PATH is relative to it.
    const env = hostEnv(this.compose, 'temporal', this.vars, { ...this.view, workdir: '/etc/temporal' });
    const ports: Record<string, number> = { FRONTEND_GRPC_PORT: this.port('temporal:7233') };
    return {
      ...this.#base(),
      ...env,
      DB_PORT: String(this.port('postgresql:5432')),
      // Compose binds 0.0.0.0 inside the container and publishes on loopback; here bind loopback directly.
      BIND_ON_IP: '127.0.0.1',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      ...this.#internalPorts,
    };
  }
  /** The server's other ports (history, matching, worker, membership), private to it, fixed for its restarts. */
  #internalPorts: Record<string, string> = {};

  async startTemporal(): Promise<void> {
    if (Object.keys(this.#internalPorts).length === 0)
      for (const name of [
        'FRONTEND_HTTP_PORT',
        'FRONTEND_MEMBERSHIP_PORT',
        'HISTORY_GRPC_PORT',
        'HISTORY_MEMBERSHIP_PORT',
        'MATCHING_GRPC_PORT',
        'MATCHING_MEMBERSHIP_PORT',
        'WORKER_GRPC_PORT',
        'WORKER_MEMBERSHIP_PORT',
      ])
        // freePort's range fits the PostgreSQL smallint Temporal keeps membership ports in.
        this.#internalPorts[name] = String(await freePort());
    const workdir = join(this.options.runDir, 'temporal');
    mkdirSync(workdir, { recursive: true });
    this.temporal = this.group.start('temporal', this.options.tools.temporalServer, ['start'], {
      env: this.temporalEnv(),
      cwd: workdir,
      log: this.#log('temporal'),
      graceMs: stopGraceMs(this.compose, 'temporal'),
    });
    const temporal = this.temporal;
    // Serving once it answers for a namespace: its own system one before the namespace job has run.
    const registered = this.phases.some((p) => p.name.startsWith('temporal-setup'));
    const namespace = registered ? (this.vars.TEMPORAL_NAMESPACE ?? 'default') : 'temporal-system';
    await waitUntil('Temporal server', () => temporalHealthy(this.temporalAddress, namespace), {
      timeoutMs: 180_000,
      process: temporal,
    });
  }

  /** `docker compose restart temporal`: SIGTERM, SIGKILL after the grace time, start again on its data. */
  async restartTemporal(): Promise<{ stopSeconds: number; startSeconds: number }> {
    const t0 = performance.now();
    await this.temporal!.stop();
    const t1 = performance.now();
    await this.startTemporal();
    return { stopSeconds: (t1 - t0) / 1000, startSeconds: (performance.now() - t1) / 1000 };
  }

  async #startUi(): Promise<void> {
    const ui = this.options.tools.ui!;
    // The temporalio/ui image runs `ui-server --env docker start` (config/docker.yaml reads the env) on 8080.
    this.ui = this.group.start('temporal-ui', ui.path, ['--root', ui.root, '--env', 'docker', 'start'], {
      env: {
        ...this.#base(),
        ...hostEnv(this.compose, 'temporal-ui', this.vars, this.view),
        TEMPORAL_UI_PORT: String(this.port('temporal-ui:8080')),
      },
      log: this.#log('temporal-ui'),
    });
    const url = this.uiUrl!;
    await waitUntil('Temporal UI', async () => httpOk(`${url}/api/v1/settings`), {
      timeoutMs: 60_000,
      process: this.ui,
    });
  }

  async #startMinio(): Promise<void> {
    // `server /data --console-address :9001`: the named volume becomes a folder, ports become loopback ones.
    const args = serviceCommand(this.compose, 'minio').map((arg) =>
      arg === '/data'
        ? join(this.options.runDir, 'minio-data')
        : arg === ':9001'
          ? this.view.ports['minio:9001']!
          : arg,
    );
    this.minio = this.group.start(
      'minio',
      this.options.minio,
      [...args, '--address', this.view.ports['minio:9000']!],
      {
        env: { ...this.#base(), ...hostEnv(this.compose, 'minio', this.vars, this.view) },
        log: this.#log('minio'),
        graceMs: stopGraceMs(this.compose, 'minio'),
      },
    );
    await waitUntil('MinIO', () => s3Healthy(this.s3Endpoint), { timeoutMs: 60_000, process: this.minio });
  }

  /** The env of an ncap worker service on this host. */
  workerEnv(name: 'orchestrator' | 'gpu-worker'): Record<string, string | undefined> {
    const env: Record<string, string | undefined> = {
      ...this.#base(),
      ...hostEnv(this.compose, name, this.vars, this.view),
    };
    // No GPU on this host: the worker takes the first TF.js backend that starts (NCAP_TF_BACKEND may force one).
    if (name === 'gpu-worker') env.NCAP_TF_BACKEND = process.env.NCAP_TF_BACKEND;
    return env;
  }

  #startWorker(name: 'orchestrator' | 'gpu-worker', id: string): ManagedProcess {
    const [command, ...args] = serviceCommand(this.compose, name);
    const options: StartOptions = {
      env: this.workerEnv(name),
      cwd: this.#root,
      log: this.#log(id),
      graceMs: stopGraceMs(this.compose, name),
    };
    return this.group.start(id, command === 'node' ? process.execPath : command!, args, options);
  }

  /** Ready once it logs its start line (`ncap … worker: queue …`), i.e. it is polling. */
  async #workerReady(worker: ManagedProcess): Promise<void> {
    await waitUntil(worker.name, async () => /worker: queue /.test(worker.logTail(100_000)), {
      timeoutMs: 240_000,
      process: worker,
    });
  }

  /** SIGKILL one GPU worker; `restart` starts it again, as the compose restart policy would. */
  async killGpuWorker(index: number): Promise<{ pid: number }> {
    const worker = this.gpuWorkers[index]!;
    const pid = worker.pid;
    await worker.kill();
    return { pid };
  }
  async restartGpuWorker(index: number): Promise<ManagedProcess> {
    const name = this.gpuWorkers[index]!.name;
    const worker = this.#startWorker('gpu-worker', name);
    this.gpuWorkers[index] = worker;
    await this.#workerReady(worker);
    return worker;
  }

  /** Workers first (their grace times), then the UI, Temporal, MinIO and PostgreSQL: reverse start order. */
  async down(): Promise<void> {
    await this.group.stopAll();
  }
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}
