/**
 * A throw-away PostgreSQL cluster in a temp folder on a free loopback port: `initdb` with the compose
 * stack's superuser and password (what the `postgres` image does with POSTGRES_USER/POSTGRES_PASSWORD), and
 * the postmaster as a direct child, so stopping it by PID ends the whole cluster. As root it runs as the
 * `postgres` system user (PostgreSQL refuses to run as root).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ManagedProcess, ProcessGroup } from './processes.js';
import { ProcessError, waitUntil } from './processes.js';

export interface PostgresOptions {
  /** Folder holding initdb, postgres and pg_isready. */
  binDir: string;
  /** Folder for the cluster (data, socket, logs); created. */
  dir: string;
  port: number;
  user: string;
  password: string;
}

export interface PostgresCluster {
  process: ManagedProcess;
  dataDir: string;
  port: number;
}

function systemUser(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPostgres(group: ProcessGroup, options: PostgresOptions): Promise<PostgresCluster> {
  const isRoot = process.getuid?.() === 0;
  const owner = isRoot ? systemUser('postgres') : undefined;
  if (isRoot && !owner)
    throw new ProcessError(
      'running as root, PostgreSQL needs the `postgres` system user (apt-get install postgresql)',
    );
  const dataDir = join(options.dir, 'data');
  const socketDir = join(options.dir, 'socket');
  mkdirSync(socketDir, { recursive: true });
  const pwfile = join(options.dir, 'pwfile');
  writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
  if (owner) {
    for (const path of [options.dir, socketDir, pwfile]) chownSync(path, owner.uid, owner.gid);
    // The postgres user must reach its folder through the (root-owned, mkdtemp 0700) parent: search only.
    chmodSync(dirname(options.dir), 0o711);
  }
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  await group.run(
    'initdb',
    join(options.binDir, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      options.user,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=peer',
      '-E',
      'UTF8',
    ],
    { env, ...as, log: join(options.dir, 'initdb.log') },
  );
  const postgres = group.start(
    'postgres',
    join(options.binDir, 'postgres'),
    ['-D', dataDir, '-p', String(options.port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1'],
    // SIGINT is PostgreSQL's fast shutdown (rolls back open transactions, checkpoints, exits).
    { env, ...as, log: join(options.dir, 'postgres.log'), stopSignal: 'SIGINT', graceMs: 30_000 },
  );
  await waitUntil(
    'PostgreSQL',
    async () =>
      spawnSync(join(options.binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(options.port)])
        .status === 0,
    { timeoutMs: 60_000, process: postgres },
  );
  return { process: postgres, dataDir, port: options.port };
}

/** PIDs of live processes belonging to the cluster: the postmaster and its backends (none once stopped). */
export function clusterProcesses(cluster: PostgresCluster): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (
        Number(entry) === cluster.process.pid ||
        ppid === cluster.process.pid ||
        cmdline.includes(cluster.dataDir)
      )
        if (!/^State:\s+Z/m.test(status)) out.push(Number(entry));
    } catch {
      // the process ended while being read
    }
  }
  return out;
}
