/**
 * Reading infra/compose/docker-compose.yml as the one description of the production stack: a service's
 * environment (YAML anchors merged, `${VAR}`, `${VAR:-default}` and `${VAR:?message}` interpolated as
 * Compose does), its command, image and bind mounts, and the translation of what a container sees (service
 * host names, container ports, paths inside the image) into what a process on this host needs.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { parse } from 'yaml';

export class ComposeFileError extends Error {
  override name = 'ComposeFileError';
}

interface ComposeService {
  image?: string;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
}

export interface ComposeFile {
  path: string;
  services: Record<string, ComposeService>;
}

export function readComposeFile(path: string): ComposeFile {
  const parsed = parse(readFileSync(path, 'utf8'), { merge: true }) as { services?: ComposeFile['services'] };
  if (!parsed?.services) throw new ComposeFileError(`${path} has no services`);
  return { path, services: parsed.services };
}

/**
 * The variables of `.env.example` beside the compose file, with every `CHANGE_ME…` placeholder replaced by
 * `secret(name)`: the values a fresh deployment must choose.
 */
export function exampleEnv(compose: ComposeFile, secret: (name: string) => string): Record<string, string> {
  const text = readFileSync(join(dirname(compose.path), '.env.example'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, name, value] = match as unknown as [string, string, string];
    out[name] = value.startsWith('CHANGE_ME') ? secret(name) : value;
  }
  return out;
}

/** Compose's interpolation of one value against `vars`. @throws ComposeFileError for an unset `${X:?msg}`. */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (_, name: string, op?: string, arg?: string) => {
      const v = vars[name];
      const unset = op?.startsWith(':') ? !v : v === undefined;
      if (!unset) return v ?? '';
      if (op?.endsWith('?')) throw new ComposeFileError(`${name}: ${arg ?? 'required'}`);
      return op ? (arg ?? '') : '';
    },
  );
}

export function service(compose: ComposeFile, name: string): ComposeService {
  const s = compose.services[name];
  if (!s) throw new ComposeFileError(`${compose.path} has no service ${name}`);
  return s;
}

/** A service's environment, interpolated. */
export function serviceEnv(
  compose: ComposeFile,
  name: string,
  vars: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(service(compose, name).environment ?? {}))
    out[key] = interpolate(String(value ?? ''), vars);
  return out;
}

/** A service's command as an argument list. */
export function serviceCommand(compose: ComposeFile, name: string): string[] {
  const command = service(compose, name).command ?? [];
  return typeof command === 'string' ? command.split(/\s+/).filter(Boolean) : command;
}

/** The tag of a service's image (`temporalio/server:1.31.0` → `1.31.0`). */
export function imageTag(compose: ComposeFile, name: string): string {
  const image = service(compose, name).image ?? '';
  const tag = /:([\w.-]+)$/.exec(image)?.[1];
  if (!tag) throw new ComposeFileError(`service ${name} has no image tag (${image || 'no image'})`);
  return tag;
}

/** How a container's view maps onto this host. */
export interface HostView {
  /** `service:containerPort` → `127.0.0.1:hostPort`. */
  ports: Record<string, string>;
  /** Path prefixes inside an image (its working copy of the repository, e.g. `/app`) → host folders. */
  imagePaths?: Record<string, string>;
  /** The image's working directory, against which relative paths in its environment resolve. */
  workdir?: string;
}

/** Bind mounts of a service: container path → host path (relative sources resolve from the compose folder). */
export function bindMounts(compose: ComposeFile, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const volume of service(compose, name).volumes ?? []) {
    const [source, target] = volume.split(':');
    if (!source || !target || !/^[./]/.test(source)) continue; // named volumes hold data, not files we read
    out[target] = isAbsolute(source) ? source : join(dirname(compose.path), source);
  }
  return out;
}

/**
 * A container path (absolute, or relative to the image's working directory) on this host: under one of the
 * service's bind mounts or the image's copy of the repository; `undefined` when it is neither.
 */
export function hostPath(
  compose: ComposeFile,
  name: string,
  containerPath: string,
  view: HostView = { ports: {} },
) {
  const absolute = posix.isAbsolute(containerPath)
    ? containerPath
    : view.workdir
      ? posix.join(view.workdir, containerPath)
      : undefined;
  if (!absolute) return undefined;
  const prefixes = { ...(view.imagePaths ?? {}), ...bindMounts(compose, name) };
  for (const [prefix, host] of Object.entries(prefixes).sort((a, b) => b[0].length - a[0].length)) {
    if (absolute === prefix || absolute.startsWith(`${prefix}/`))
      return join(host, absolute.slice(prefix.length));
  }
  return undefined;
}

/**
 * A service's environment as a process on this host needs it: service host names and container ports
 * become loopback addresses (`temporal:7233` → `127.0.0.1:<port>`, `http://minio:9000` → `http://127.0.0.1:<port>`,
 * a bare service name → `127.0.0.1`), and paths inside the image or a bind mount become host paths.
 */
export function hostEnv(
  compose: ComposeFile,
  name: string,
  vars: Record<string, string | undefined>,
  view: HostView,
): Record<string, string> {
  const services = new Set(Object.keys(compose.services));
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(serviceEnv(compose, name, vars))) {
    let value = raw.replace(/\b([a-z][\w-]*):(\d+)\b/g, (whole, host: string, port: string) => {
      if (!services.has(host)) return whole;
      const mapped = view.ports[`${host}:${port}`];
      if (!mapped) throw new ComposeFileError(`${name}.${key}: no host port for ${host}:${port}`);
      return mapped;
    });
    if (services.has(value)) value = '127.0.0.1';
    else if (!/[:\s]/.test(value) && value.includes('/'))
      value = hostPath(compose, name, value, view) ?? value;
    out[key] = value;
  }
  return out;
}
