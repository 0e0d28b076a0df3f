/** Where the external tools live: `.tools/tools.json`, written by `scripts/setup/ensure-tools.mjs`. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json), from this file in scripts/dev or dist/scripts/dev. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'setup'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('Could not find the ncap project root above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export interface ToolPaths {
  temporal: string;
  minio?: string;
  python?: string;
}

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

/**
 * Paths of the installed tools. Env overrides (`NCAP_TEMPORAL_BIN`, `NCAP_MINIO_BIN`) win; then the manifest.
 * @throws MissingToolError telling the user to run `npm run setup:tools`.
 */
export function toolPaths(): ToolPaths {
  const manifestPath = join(projectRoot(), '.tools', 'tools.json');
  let manifest: Record<string, { path?: string } | undefined> = {};
  if (existsSync(manifestPath)) manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as typeof manifest;
  const temporal = process.env.NCAP_TEMPORAL_BIN ?? manifest.temporal?.path;
  if (!temporal || !existsSync(temporal)) {
    throw new MissingToolError(
      'The Temporal CLI is not installed: run `npm run setup:tools` (or set NCAP_TEMPORAL_BIN)',
    );
  }
  const minio = process.env.NCAP_MINIO_BIN ?? manifest.minio?.path;
  const python = manifest.python?.path;
  return {
    temporal,
    ...(minio && existsSync(minio) ? { minio } : {}),
    ...(python && existsSync(python) ? { python } : {}),
  };
}

/** The production stack's servers (`node scripts/setup/ensure-tools.mjs prod`), for `npm run prod:smoke`. */
export interface ProdToolPaths {
  temporalServer: string;
  sqlTool: string;
  /** `schema/postgresql/v12` of the Temporal server's Go module (versioned schema folders). */
  schemaDir: string;
  /** Version of the server, from the compose file's image tag. */
  temporalVersion: string;
  /** The Temporal UI server and its root folder (holding `config/docker.yaml`); absent when it did not build. */
  ui?: { path: string; root: string; version: string };
  uiUnavailable?: string;
  /** Folder holding initdb, postgres, pg_isready. */
  postgresBin: string;
  /** Folder holding `nc` (the compose schema script waits with it). */
  netcatDir: string;
}

/** @throws MissingToolError telling the user to run the `prod` set-up. */
export function prodToolPaths(): ProdToolPaths {
  const manifestPath = join(projectRoot(), '.tools', 'tools.json');
  const manifest = (existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {}) as Record<
    string,
    Record<string, string> | undefined
  >;
  const server = manifest['temporal-server'];
  const postgres = manifest.postgres;
  const netcat = manifest.netcat;
  const ui = manifest['temporal-ui'];
  const missing = [server?.path, server?.sqlTool, server?.schemaDir, postgres?.path, netcat?.path].some(
    (p) => !p || !existsSync(p),
  );
  if (missing || !server || !postgres || !netcat)
    throw new MissingToolError(
      'The production stack is not installed: run `node scripts/setup/ensure-tools.mjs prod` (npm run prod:smoke does)',
    );
  return {
    temporalServer: server.path!,
    sqlTool: server.sqlTool!,
    schemaDir: server.schemaDir!,
    temporalVersion: server.version!,
    ...(ui?.path && ui.root && existsSync(ui.path)
      ? { ui: { path: ui.path, root: ui.root, version: ui.version ?? '' } }
      : { uiUnavailable: ui?.step ?? 'not installed' }),
    postgresBin: postgres.path!,
    netcatDir: dirname(netcat.path!),
  };
}
