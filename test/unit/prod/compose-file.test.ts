/**
 * prod:smoke reads infra/compose/docker-compose.yml as the stack's one description: interpolation as
 * Compose does it, and the translation of a container's view (service names, container ports, mounts,
 * the image's /app) into host addresses and paths.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ComposeFileError,
  exampleEnv,
  hostEnv,
  hostPath,
  interpolate,
  readComposeFile,
  serviceCommand,
} from '../../../scripts/prod/compose-file.js';
import { projectRoot } from '../../../scripts/dev/tools.js';

const root = projectRoot();
const compose = readComposeFile(join(root, 'infra', 'compose', 'docker-compose.yml'));
const vars = exampleEnv(compose, (name) => `secret-${name}`);
const view = {
  ports: {
    'temporal:7233': '127.0.0.1:17233',
    'minio:9000': '127.0.0.1:19000',
    'postgresql:5432': '127.0.0.1:15432',
  },
  imagePaths: { '/app': root },
};

describe('compose interpolation', () => {
  it('fills ${X}, ${X:-default} and ${X-default}; ${X:?msg} fails naming X when unset or empty', () => {
    expect(interpolate('a${A}b', { A: '1' })).toBe('a1b');
    expect(interpolate('${A:-d}', { A: '' })).toBe('d');
    expect(interpolate('${A-d}', { A: '' })).toBe('');
    expect(interpolate('${A-d}', {})).toBe('d');
    expect(() => interpolate('${A:?set A in .env}', { A: '' })).toThrow(
      new ComposeFileError('A: set A in .env'),
    );
  });

  it('.env.example: every CHANGE_ME placeholder replaced, the other values kept', () => {
    expect(vars.POSTGRES_PASSWORD).toBe('secret-POSTGRES_PASSWORD');
    expect(vars.MINIO_ROOT_PASSWORD).toBe('secret-MINIO_ROOT_PASSWORD');
    expect(vars.MINIO_ROOT_USER).toBe('ncap');
    expect(Object.values(vars).some((v) => v.includes('CHANGE_ME'))).toBe(false);
  });
});

describe("a service's environment on this host", () => {
  it('service host:port becomes the loopback port, URLs too; bare service names become 127.0.0.1', () => {
    const gpu = hostEnv(compose, 'gpu-worker', vars, view);
    expect(gpu.TEMPORAL_ADDRESS).toBe('127.0.0.1:17233');
    expect(gpu.AWS_ENDPOINT_URL_S3).toBe('http://127.0.0.1:19000');
    expect(gpu.AWS_SECRET_ACCESS_KEY).toBe('secret-MINIO_ROOT_PASSWORD');
    expect(gpu.NCAP_STORE_URI).toBe('s3://ncap-artifacts/ncap');
    const temporal = hostEnv(compose, 'temporal', vars, { ...view, workdir: '/etc/temporal' });
    expect(temporal.POSTGRES_SEEDS).toBe('127.0.0.1');
    expect(temporal.POSTGRES_PWD).toBe('secret-POSTGRES_PASSWORD');
    expect(temporal.DB).toBe('postgres12');
  });

  it("paths inside the image or a mount become this checkout's; a port with no host mapping is an error", () => {
    const temporal = hostEnv(compose, 'temporal', vars, { ...view, workdir: '/etc/temporal' });
    expect(temporal.DYNAMIC_CONFIG_FILE_PATH).toBe(join(root, 'infra/compose/dynamicconfig/ncap.yaml'));
    expect(hostEnv(compose, 'orchestrator', vars, view).NCAP_WORKFLOW_BUNDLE).toBe(
      join(root, 'dist/workflow-bundle.js'),
    );
    expect(hostPath(compose, 'temporal-schema', '/scripts/setup-postgres.sh')).toBe(
      join(root, 'infra/compose/scripts/setup-postgres.sh'),
    );
    expect(hostPath(compose, 'temporal-schema', '/etc/passwd')).toBeUndefined();
    expect(() => hostEnv(compose, 'gpu-worker', vars, { ports: {} })).toThrow(/temporal:7233/);
  });

  it('commands come as argument lists', () => {
    expect(serviceCommand(compose, 'gpu-worker')).toEqual(['node', 'dist/workers/gpu-worker.js']);
    expect(serviceCommand(compose, 'minio')).toEqual(['server', '/data', '--console-address', ':9001']);
  });
});
