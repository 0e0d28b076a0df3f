/**
 * Static checks of the deployment files under infra/ (Docker cannot run on the development machines).
 * The oracles are independent of the files: the code's own env reads (TypeScript AST), the env names
 * Temporal's env config and the AWS SDK read (their installed sources), the workers' config parsers,
 * package.json, the repository tree, and tsconfig.build.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveS3Settings } from '../../../activities/store/s3-config.js';
import { TF_BACKENDS } from '../../../activities/tf/runtime.js';
import { DEFAULT_BUNDLE_PATH } from '../../../scripts/build-workflow-bundle.js';
import { NATIVE_TF_VARIANTS } from '../../../scripts/setup/native-tf.mjs';
import { DEFAULT_TASK_QUEUES } from '../../../workflows/sweep-api.js';
import { loadConfig } from '../../../workers/worker-config.js';
import {
  dockerignoreMatcher,
  durationSeconds,
  envNameLiteralsIn,
  envNamesInSource,
  execForm,
  expandDockerVars,
  interpolateCompose,
  keyValues,
  listFiles,
  parseCopy,
  parseDockerfile,
  readYamlDocuments,
  type DockerInstruction,
} from './infra-files.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const INFRA = join(ROOT, 'infra');
const COMPOSE_DIR = join(INFRA, 'compose');
const COMPOSE_FILE = join(COMPOSE_DIR, 'docker-compose.yml');
const K8S = join(INFRA, 'k8s');
const README = readFileSync(join(INFRA, 'README.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  engines: { node: string };
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

/** Seconds the platform must wait beyond the shutdown grace: cancelling, reporting, closing connections. */
const STOP_MARGIN_SECONDS = 30;

type Env = Record<string, string>;
type Json = Record<string, unknown>;

const asObject = (value: unknown): Json =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';

// ---- oracles ---------------------------------------------------------------------------------------------

const CODE_DIRS = ['activities', 'workers', 'workflows', 'scripts', 'bin'];
const RUNTIME_DIRS = ['activities', 'workers', 'workflows'];
const isSource = (path: string): boolean =>
  /\.(ts|mts|js|mjs)$/.test(path) && !/\.test\.ts$|\.d\.ts$/.test(path);

function envNamesReadIn(dirs: readonly string[], prefixes: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const dir of dirs) {
    const absolute = join(ROOT, dir);
    if (!existsSync(absolute)) continue;
    for (const file of listFiles(absolute, isSource))
      for (const name of envNamesInSource(join(absolute, file), prefixes)) names.add(name);
  }
  return names;
}

const CODE_NCAP_NAMES = envNamesReadIn(CODE_DIRS, ['NCAP_']);
const RUNTIME_NCAP_NAMES = envNamesReadIn(RUNTIME_DIRS, ['NCAP_']);
const TEMPORAL_ENV_NAMES = (() => {
  const lib = join(ROOT, 'node_modules', '@temporalio', 'envconfig', 'lib');
  const names = new Set<string>();
  for (const file of listFiles(lib, (path) => path.endsWith('.js')))
    for (const name of envNamesInSource(join(lib, file), ['TEMPORAL_'])) names.add(name);
  return names;
})();
const AWS_ENV_NAMES = (() => {
  const texts: string[] = [];
  for (const scope of ['@aws-sdk', '@smithy']) {
    const dir = join(ROOT, 'node_modules', scope);
    for (const name of readdirSync(dir)) {
      const index = join(dir, name, 'dist-cjs', 'index.js');
      if (existsSync(index)) texts.push(readFileSync(index, 'utf8'));
    }
  }
  return new Set([...envNameLiteralsIn(texts, 'AWS_'), ...envNamesReadIn(RUNTIME_DIRS, ['AWS_'])]);
})();

/** Checks the names of a worker's environment against what the code, Temporal and the AWS SDK read. */
function expectKnownEnvNames(env: Env, where: string): void {
  for (const name of Object.keys(env)) {
    if (name.startsWith('NCAP_'))
      expect(CODE_NCAP_NAMES, `${where}: ${name} is not read by the code`).toContain(name);
    else if (name.startsWith('TEMPORAL_'))
      expect(TEMPORAL_ENV_NAMES, `${where}: ${name} is not a Temporal env config name`).toContain(name);
    else if (name.startsWith('AWS_'))
      expect(AWS_ENV_NAMES, `${where}: ${name} is not read by the AWS SDK or the store`).toContain(name);
    else expect.fail(`${where}: ${name} is not read by ncap, Temporal's env config or the AWS SDK`);
  }
}

/** Where `tsc -p tsconfig.build.json` puts sources: `dist/<dir>/<file>.js` ← `<dir>/<file>.ts`. */
const BUILD_INCLUDE = (
  JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] }
).include;

/** Asserts `node dist/x/y.js` names a file the build emits: the source exists in a folder the build includes. */
function expectBuiltEntry(command: readonly string[], where: string): string {
  expect(command[0], `${where}: command runs node`).toBe('node');
  const script = command[1] ?? '';
  const match = /^(?:\/app\/)?dist\/(.+)\.js$/.exec(script);
  expect(match, `${where}: '${script}' is not a dist/ script`).not.toBeNull();
  const sourcePath = `${match?.[1] ?? ''}.ts`;
  expect(
    existsSync(join(ROOT, sourcePath)),
    `${where}: ${sourcePath} (compiled to ${script}) does not exist`,
  ).toBe(true);
  expect(BUILD_INCLUDE, `${where}: ${sourcePath} is outside tsconfig.build.json's include`).toContain(
    sourcePath.split('/')[0],
  );
  return script.replace(/^\/app\//, '');
}

// ---- Dockerfiles ---------------------------------------------------------------------------------------------

interface Stage {
  image: string;
  name?: string;
  instructions: DockerInstruction[];
}

interface Dockerfile {
  path: string;
  instructions: DockerInstruction[];
  /** ARG defaults declared before the first FROM. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

function readDockerfile(path: string): Dockerfile {
  const instructions = parseDockerfile(readFileSync(path, 'utf8'));
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = expandDockerVars(instruction.args, globalArgs).split(/\s+/);
      stages.push({ image, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG')
        for (const [key, value] of keyValues(instruction.args)) globalArgs.set(key, value);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { path, instructions, globalArgs, stages };
}

function stageEnv(stage: Stage): Env {
  const env: Env = {};
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'ENV')
      for (const [key, value] of keyValues(instruction.args)) env[key] = value ?? '';
  }
  return env;
}

function lastArgs(stage: Stage, keyword: string): string | undefined {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).at(-1)?.args;
}

const DOCKERFILES = {
  orchestrator: join(INFRA, 'docker', 'Dockerfile.orchestrator'),
  gpu: join(INFRA, 'docker', 'Dockerfile.gpu'),
} as const;

/** Node major version ncap runs on: the `node` devDependency's (`24.9.0` → 24), which bin/ncap.js uses too. */
const ENGINE_NODE_MAJOR = Number(/\d+/.exec(PACKAGE.devDependencies.node ?? '')?.[0]);

// ---- Compose -----------------------------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
  stop_grace_period?: string;
  stop_signal?: string;
  deploy?: {
    resources?: {
      reservations?: {
        devices?: Array<{ driver?: string; count?: number | string; capabilities?: string[] }>;
      };
    };
  };
}

function readCompose(): Record<string, ComposeService> {
  const [document] = readYamlDocuments(COMPOSE_FILE);
  // Interpolate after parsing (as Compose does) so YAML quoting is unaffected.
  const interpolated = JSON.parse(JSON.stringify(document), (_key, value: unknown) =>
    typeof value === 'string' ? interpolateCompose(value) : value,
  ) as {
    services: Record<string, ComposeService>;
  };
  return interpolated.services;
}

function serviceEnv(service: ComposeService): Env {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]),
  );
}

// ---- Kubernetes ------------------------------------------------------------------------------------------

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Json;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

function readK8sObjects(path: string): K8sObject[] {
  return readYamlDocuments(path) as K8sObject[];
}

function kustomizationResources(dir: string): string[] {
  const [kustomization] = readYamlDocuments(join(dir, 'kustomization.yaml'));
  return asArray(asObject(kustomization).resources).map(asString);
}

/** Objects a kustomization renders (resources followed recursively; no patches are used here). */
function renderKustomization(dir: string): K8sObject[] {
  return kustomizationResources(dir).flatMap((resource) => {
    const path = resolve(dir, resource);
    return statSync(path).isDirectory() ? renderKustomization(path) : readK8sObjects(path);
  });
}

const BASE = join(K8S, 'base');
const BASE_OBJECTS = renderKustomization(BASE);
const byKind = (kind: string): K8sObject[] => BASE_OBJECTS.filter((object) => object.kind === kind);
const SECRET_TEMPLATES = readK8sObjects(join(K8S, 'secrets.example.yaml'));

interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
  }>;
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
}

function podSpec(deployment: K8sObject): Json {
  return asObject(asObject(asObject(deployment.spec).template).spec);
}

function containers(deployment: K8sObject): Container[] {
  return asArray(podSpec(deployment).containers) as Container[];
}

/** A container's environment as the pod sees it: ConfigMaps from envFrom, then `env` entries. */
function containerEnv(container: Container): Env {
  const env: Env = {};
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) continue;
    const configMap = byKind('ConfigMap').find(
      (object) => object.metadata.name === source.configMapRef?.name,
    );
    Object.assign(env, configMap?.data ?? {});
  }
  for (const entry of container.env ?? []) env[entry.name] = entry.value ?? '';
  return env;
}

function deployment(name: string): K8sObject {
  const found = byKind('Deployment').find((object) => object.metadata.name === name);
  if (!found) throw new Error(`no Deployment ${name} in infra/k8s/base`);
  return found;
}

/** Dockerfile that builds an image repository, from the compose services that build it. */
function dockerfileOfImage(image: string): string {
  const repository = image.split(':')[0];
  const service = Object.values(readCompose()).find(
    (candidate) => candidate.build && candidate.image?.split(':')[0] === repository,
  );
  if (!service?.build?.dockerfile) throw new Error(`no compose service builds ${image}`);
  return resolve(COMPOSE_DIR, service.build.context ?? '.', service.build.dockerfile);
}

// ---- the checks ----------------------------------------------------------------------------------------------

describe('infra YAML', () => {
  const yamlFiles = listFiles(
    INFRA,
    (path) => /\.ya?ml$/.test(path),
    (path) => path.startsWith('demo-zoo/') || path.startsWith('dev/data/'),
  );

  it('finds the compose file and the kustomizations', () => {
    expect(yamlFiles).toEqual(
      expect.arrayContaining([
        'compose/docker-compose.yml',
        'k8s/base/kustomization.yaml',
        'k8s/keda/kustomization.yaml',
      ]),
    );
  });

  it.each(yamlFiles)('%s parses without errors or warnings', (file) => {
    expect(readYamlDocuments(join(INFRA, file)).length).toBeGreaterThan(0);
  });
});

describe('environment variable names', () => {
  it('finds the env reads of the workers in the code (scanner sanity)', () => {
    for (const name of [
      'NCAP_STORE_URI',
      'NCAP_GPU_CONCURRENCY',
      'NCAP_SHUTDOWN_GRACE_SECONDS',
      'NCAP_WORKFLOW_BUNDLE',
      'NCAP_TF_BACKEND',
    ]) {
      expect(RUNTIME_NCAP_NAMES).toContain(name);
    }
    expect(TEMPORAL_ENV_NAMES).toContain('TEMPORAL_ADDRESS');
    expect(AWS_ENV_NAMES.has('AWS_SECRET_ACCESS_KEY') && AWS_ENV_NAMES.has('AWS_ENDPOINT_URL_S3')).toBe(true);
  });

  const mentioned = (text: string, prefix: string): string[] => [
    ...new Set([...text.matchAll(new RegExp(`\\b${prefix}[A-Z0-9_]*[A-Z0-9]\\b`, 'g'))].map((m) => m[0])),
  ];

  it('every NCAP_ name in the README, Dockerfiles, compose file and manifests is read by the code', () => {
    const files = [
      join(INFRA, 'README.md'),
      ...Object.values(DOCKERFILES),
      COMPOSE_FILE,
      ...listFiles(K8S, (path) => /\.ya?ml$/.test(path)).map((path) => join(K8S, path)),
      ...listFiles(join(COMPOSE_DIR, 'scripts'), () => true).map((path) =>
        join(COMPOSE_DIR, 'scripts', path),
      ),
    ];
    for (const file of files) {
      for (const name of mentioned(readFileSync(file, 'utf8'), 'NCAP_')) {
        expect(CODE_NCAP_NAMES, `${relative(ROOT, file)} mentions ${name}, which no code reads`).toContain(
          name,
        );
      }
    }
  });

  it('infra/README.md documents every NCAP_ name the workers read', () => {
    const documented = new Set(mentioned(README, 'NCAP_'));
    for (const name of RUNTIME_NCAP_NAMES)
      expect(documented, `infra/README.md does not document ${name}`).toContain(name);
  });

  it('the TEMPORAL_ and AWS_ names in the README are ones Temporal or the AWS SDK read', () => {
    for (const name of mentioned(README, 'TEMPORAL_')) expect(TEMPORAL_ENV_NAMES, name).toContain(name);
    for (const name of mentioned(README, 'AWS_')) expect(AWS_ENV_NAMES, name).toContain(name);
  });
});

describe('Dockerfiles', () => {
  const ignoredPaths = [
    'node_modules/x',
    'dist/workers/gpu-worker.js',
    '.git/HEAD',
    '.ncap/store/a',
    '.tools/bin/minio',
    'test-artifacts/a',
    'test/unit/a.test.ts',
    '.env',
    'infra/compose/.env',
    'activities/a.test.ts',
  ];

  describe.each(Object.entries(DOCKERFILES))('%s', (role, path) => {
    const dockerfile = readDockerfile(path);
    const final = dockerfile.stages.at(-1);
    const ignorePath = `${path}.dockerignore`;
    const isIgnored = dockerignoreMatcher(existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '');

    it('has an ignore file next to it that keeps local builds, stores, tests and credentials out', () => {
      expect(existsSync(ignorePath)).toBe(true);
      for (const ignored of ignoredPaths) expect(isIgnored(ignored), ignored).toBe(true);
    });

    it('copies only paths that exist in the repository and pass its ignore file', () => {
      const copies = dockerfile.instructions.filter(
        (instruction) => instruction.keyword === 'COPY' || instruction.keyword === 'ADD',
      );
      const local = copies
        .map((instruction) => parseCopy(instruction.args))
        .filter((copy) => copy.from === undefined);
      expect(local.length).toBeGreaterThan(0);
      for (const copy of local) {
        for (const source of copy.sources) {
          expect(existsSync(join(ROOT, source)), `${source} does not exist`).toBe(true);
          expect(isIgnored(source), `${source} is excluded by ${relative(ROOT, ignorePath)}`).toBe(false);
          if (statSync(join(ROOT, source)).isDirectory()) {
            // The folder must arrive with its sources, not only as an empty directory.
            const kept = listFiles(join(ROOT, source), isSource).filter(
              (file) => !isIgnored(posix.join(source, file)),
            );
            expect(kept.length, `${source} has no source file left after the ignore file`).toBeGreaterThan(0);
          }
        }
      }
    });

    it('copies from stages or images it declares', () => {
      const stageNames = new Set(dockerfile.stages.map((stage) => stage.name));
      for (const instruction of dockerfile.instructions.filter((i) => i.keyword === 'COPY')) {
        const { from } = parseCopy(instruction.args);
        if (from !== undefined)
          expect(
            stageNames.has(from) || from.includes(':'),
            `COPY --from=${from} (line ${instruction.line})`,
          ).toBe(true);
      }
    });

    it('runs only npm scripts that package.json defines, and builds with it', () => {
      const runs = dockerfile.instructions
        .filter((instruction) => instruction.keyword === 'RUN')
        .map((instruction) => instruction.args);
      const scripts = runs.flatMap((run) =>
        [...run.matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1] ?? ''),
      );
      expect(scripts.length).toBeGreaterThan(0);
      for (const script of scripts) expect(Object.keys(PACKAGE.scripts)).toContain(script);
      expect(
        runs.some((run) => /npm ci --omit=dev/.test(run)),
        'production dependencies only in the runtime',
      ).toBe(true);
    });

    it('pins its base images, with a Node major version package.json accepts', () => {
      for (const stage of dockerfile.stages) {
        expect(stage.image, `unresolved ARG in FROM ${stage.image}`).not.toMatch(/\$/);
        const isStage = dockerfile.stages.some((other) => other.name === stage.image);
        if (!isStage) expect(stage.image, 'base images carry an explicit tag').toMatch(/:[\w][\w.-]*$/);
        if (!isStage) expect(stage.image).not.toMatch(/:latest$/);
        const node = /^node:(\d+)/.exec(stage.image);
        if (node) expect(Number(node[1])).toBe(ENGINE_NODE_MAJOR);
      }
    });

    it('starts a compiled worker in exec form and stops on SIGTERM', () => {
      const cmd = execForm(final ? (lastArgs(final, 'CMD') ?? '') : '');
      expect(cmd, 'CMD in exec form').toBeDefined();
      const script = expectBuiltEntry(cmd ?? [], `${role} CMD`);
      expect(script).toBe(`dist/workers/${role === 'gpu' ? 'gpu' : 'orchestrator'}-worker.js`);
      expect(final ? lastArgs(final, 'STOPSIGNAL') : undefined).toBe('SIGTERM');
      expect(final ? lastArgs(final, 'USER') : undefined, 'runs as a non-root user').toMatch(
        /^(?!root$|0$)\S+/,
      );
    });

    it('sets only env names the code reads, with values the workers accept', () => {
      const env = final ? stageEnv(final) : {};
      // NODE_ENV is npm's and Node's; LD_LIBRARY_PATH the dynamic loader's (the GPU image's CUDA libraries).
      const workerEnv = Object.fromEntries(
        Object.entries(env).filter(([name]) => name !== 'NODE_ENV' && name !== 'LD_LIBRARY_PATH'),
      );
      expectKnownEnvNames(workerEnv, role);
      expect(() => loadConfig(env)).not.toThrow();
    });
  });

  it('the orchestrator image builds the workflow bundle and points NCAP_WORKFLOW_BUNDLE at it', () => {
    const dockerfile = readDockerfile(DOCKERFILES.orchestrator);
    const build = dockerfile.stages.find((stage) => stage.name === 'build');
    expect(
      build?.instructions.some(
        (instruction) => instruction.keyword === 'RUN' && /npm run build:bundle\b/.test(instruction.args),
      ),
    ).toBe(true);
    expect(PACKAGE.scripts['build:bundle']).toMatch(
      /npm run build && node dist\/scripts\/build-workflow-bundle\.js$/,
    );
    expectBuiltEntry(['node', 'dist/scripts/build-workflow-bundle.js'], 'build:bundle');
    const final = dockerfile.stages.at(-1);
    const workdir = final ? lastArgs(final, 'WORKDIR') : undefined;
    const bundle = final ? stageEnv(final).NCAP_WORKFLOW_BUNDLE : undefined;
    expect(bundle).toBe(posix.join(workdir ?? '', relative(ROOT, DEFAULT_BUNDLE_PATH).split('\\').join('/')));
    // The runtime stage takes dist/ (bundle included) from the build stage.
    expect(
      final?.instructions.some((i) => i.keyword === 'COPY' && /--from=build\s+\/app\/dist\s/.test(i.args)),
    ).toBe(true);
  });

  it('the GPU image builds tfjs-node-gpu from registry parts: the set-up step, PyPI TensorFlow and CUDA wheels', () => {
    const dockerfile = readDockerfile(DOCKERFILES.gpu);
    const final = dockerfile.stages.at(-1);
    // CUDA and cuDNN come from PyPI; the base only brings the driver hooks, at the CUDA version they need.
    expect(dockerfile.globalArgs.get('CUDA_IMAGE')).toMatch(/^nvidia\/cuda:12\.2\.\d+-base-/);
    const version = dockerfile.globalArgs.get('TFJS_NODE_GPU_VERSION');
    expect(version).toBe(PACKAGE.peerDependencies['@tensorflow/tfjs-node-gpu']);
    expect(version).toBe(PACKAGE.dependencies['@tensorflow/tfjs']);
    const runs = dockerfile.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    // The package's own install script downloads from outside the registries: never run it.
    expect(
      runs.filter((run) =>
        /npm install --no-save\b.*--ignore-scripts\b.*@tensorflow\/tfjs-node-gpu@\$\{TFJS_NODE_GPU_VERSION\}/.test(
          run,
        ),
      ),
    ).toHaveLength(1);
    expect(runs.some((run) => /node scripts\/setup\/ensure-tools\.mjs tfjs-node-gpu\b/.test(run))).toBe(true);
    expect(existsSync(join(ROOT, 'scripts', 'setup', 'native-tf.mjs'))).toBe(true);
    expect(
      dockerfile.instructions.some((i) => i.keyword === 'COPY' && /^scripts\/setup\s/.test(i.args)),
    ).toBe(true);
    // The runtime gets the unpacked TensorFlow library and the CUDA wheels, with every wheel's lib/ on the
    // loader path.
    const copies = (final?.instructions ?? []).filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/--from=deps\s+\/app\/\.tools\/libtensorflow\s/),
        expect.stringMatching(/--from=deps\s+\/app\/\.tools\/cuda\s/),
      ]),
    );
    const env = final ? stageEnv(final) : {};
    const libraryPath = (env.LD_LIBRARY_PATH ?? '').split(':');
    for (const wheel of NATIVE_TF_VARIANTS.gpu.cudaWheels ?? []) {
      const name = /^nvidia-(.+)-cu12==/.exec(wheel)?.[1]?.replace(/-/g, '_');
      expect(name, wheel).toBeDefined();
      expect(libraryPath, wheel).toContain(`/app/.tools/cuda/nvidia/${name}/lib`);
    }
    expect(env.NCAP_TF_BACKEND).toBe('tfjs-node-gpu');
    expect(TF_BACKENDS).toContain(env.NCAP_TF_BACKEND);
  });
});

describe('docker compose', () => {
  const services = readCompose();
  const names = Object.keys(services);
  const workers = { orchestrator: services.orchestrator, 'gpu-worker': services['gpu-worker'] };

  it('runs Temporal, its UI, PostgreSQL, MinIO and both workers', () => {
    expect(names).toEqual(
      expect.arrayContaining([
        'temporal',
        'temporal-ui',
        'postgresql',
        'minio',
        'orchestrator',
        'gpu-worker',
      ]),
    );
  });

  it('gives every service a pinned image, and builds ncap images from Dockerfiles that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toMatch(/:[\w][\w.-]*$/);
      if (service.build) {
        const dockerfile = resolve(
          COMPOSE_DIR,
          service.build.context ?? '.',
          service.build.dockerfile ?? 'Dockerfile',
        );
        expect(existsSync(dockerfile), `${name}: ${dockerfile}`).toBe(true);
        expect(
          resolve(COMPOSE_DIR, service.build.context ?? '.'),
          `${name}: build context is the repository root`,
        ).toBe(resolve(ROOT));
      } else if (!/^ncap-/.test(service.image ?? '')) {
        expect(service.image, `${name}: third-party images are pinned`).not.toMatch(/:latest$/);
      }
    }
  });

  it('depends only on services it defines, with conditions that fit them', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(names, `${name} depends on ${target}`).toContain(target);
        if (condition === 'service_healthy')
          expect(asObject(services[target]).healthcheck, `${target} has a healthcheck`).toBeDefined();
      }
    }
  });

  it('mounts folders that exist and runs scripts that exist and pass a syntax check', () => {
    const scripts: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      const binds = (service.volumes ?? []).filter((volume) => volume.startsWith('.'));
      for (const bind of binds) {
        const [hostPath = '', containerPath = ''] = bind.split(':');
        expect(existsSync(resolve(COMPOSE_DIR, hostPath)), `${name}: ${hostPath}`).toBe(true);
        const argv = [...(service.entrypoint ?? []), ...(service.command ?? [])];
        for (const arg of argv.filter((a) => a.startsWith(`${containerPath}/`))) {
          const hostFile = resolve(COMPOSE_DIR, hostPath, arg.slice(containerPath.length + 1));
          expect(existsSync(hostFile), `${name}: ${arg}`).toBe(true);
          scripts.push(hostFile);
        }
      }
    }
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const script of scripts) {
      const check = script.endsWith('.sh')
        ? spawnSync('sh', ['-n', script], { encoding: 'utf8' })
        : spawnSync(process.execPath, ['--check', script], { encoding: 'utf8' });
      expect(check.status, `${relative(ROOT, script)}: ${check.stderr}`).toBe(0);
    }
  });

  it('gives Temporal a dynamic config file that exists in the mounted folder', () => {
    const temporal = services.temporal;
    const path = serviceEnv(temporal ?? {}).DYNAMIC_CONFIG_FILE_PATH ?? '';
    const bind = (temporal?.volumes ?? []).find(
      (volume) => volume.split(':')[1] === '/etc/temporal/config/dynamicconfig',
    );
    expect(path).toMatch(/^config\/dynamicconfig\//);
    expect(
      existsSync(resolve(COMPOSE_DIR, bind?.split(':')[0] ?? '', path.slice('config/dynamicconfig/'.length))),
    ).toBe(true);
  });

  it.each(Object.entries(workers))(
    '%s: runs the Dockerfile CMD with env names and values the code accepts',
    (name, service) => {
      expect(service).toBeDefined();
      const script = expectBuiltEntry(service?.command ?? [], name);
      const dockerfile = readDockerfile(
        resolve(COMPOSE_DIR, service?.build?.context ?? '.', service?.build?.dockerfile ?? ''),
      );
      const cmd = execForm(
        lastArgs(dockerfile.stages.at(-1) ?? { image: '', instructions: [] }, 'CMD') ?? '',
      );
      expect(cmd).toEqual(['node', script]);
      const env = serviceEnv(service ?? {});
      expectKnownEnvNames(env, name);
      const config = loadConfig(env);
      expect(config.storeUri).toMatch(/^s3:\/\//);
      const s3 = resolveS3Settings({}, env).client;
      expect(s3.forcePathStyle).toBe(true);
      expect(names, 'the S3 endpoint is a compose service').toContain(new URL(String(s3.endpoint)).hostname);
      const [host, port] = (env.TEMPORAL_ADDRESS ?? '').split(':');
      expect(names).toContain(host);
      expect(port).toBe('7233');
      expect(env.TEMPORAL_NAMESPACE).toBe(serviceEnv(services['temporal-setup'] ?? {}).TEMPORAL_NAMESPACE);
    },
  );

  it('points the orchestrator at the bundle its image builds', () => {
    const imageEnv = stageEnv(
      readDockerfile(DOCKERFILES.orchestrator).stages.at(-1) ?? { image: '', instructions: [] },
    );
    expect(serviceEnv(services.orchestrator ?? {}).NCAP_WORKFLOW_BUNDLE).toBe(imageEnv.NCAP_WORKFLOW_BUNDLE);
  });

  it('reserves as many NVIDIA GPUs as the GPU worker trains at once, and outwaits its shutdown grace', () => {
    const gpu = services['gpu-worker'];
    const config = loadConfig(serviceEnv(gpu ?? {}));
    const devices = gpu?.deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toHaveLength(1);
    expect(devices[0]?.driver).toBe('nvidia');
    expect(devices[0]?.capabilities).toContain('gpu');
    expect(Number(devices[0]?.count)).toBe(config.gpuConcurrency);
    expect(TF_BACKENDS).toContain(serviceEnv(gpu ?? {}).NCAP_TF_BACKEND);
    expect(gpu?.stop_signal ?? 'SIGTERM').toBe('SIGTERM');
    expect(durationSeconds(gpu?.stop_grace_period ?? '10s')).toBeGreaterThanOrEqual(
      config.shutdownGraceSeconds + STOP_MARGIN_SECONDS,
    );
  });
});

describe('kubernetes', () => {
  it('lists resources that exist, and every manifest of the base is listed', () => {
    for (const dir of [BASE, join(K8S, 'keda')]) {
      for (const resource of kustomizationResources(dir))
        expect(existsSync(resolve(dir, resource)), `${relative(ROOT, dir)}: ${resource}`).toBe(true);
    }
    const listed = new Set(kustomizationResources(BASE));
    for (const file of listFiles(BASE, (path) => /\.ya?ml$/.test(path) && path !== 'kustomization.yaml'))
      expect(listed, file).toContain(file);
  });

  it('keeps the secret template out of every kustomization and holds only placeholders in it', () => {
    for (const dir of [BASE, join(K8S, 'keda')]) {
      expect(kustomizationResources(dir).map((resource) => resolve(dir, resource))).not.toContain(
        join(K8S, 'secrets.example.yaml'),
      );
    }
    expect(SECRET_TEMPLATES.length).toBeGreaterThan(0);
    for (const secret of SECRET_TEMPLATES) {
      expect(secret.kind).toBe('Secret');
      expect(secret.data, 'no base64 data').toBeUndefined();
      for (const [key, value] of Object.entries(secret.stringData ?? {}))
        expect(value, key).toMatch(/^REPLACE_WITH_[A-Z_]+$/);
      expectKnownEnvNames(secret.stringData ?? {}, `secret ${secret.metadata.name}`);
    }
  });

  it('gives every object a kind, a name and the kustomization namespace', () => {
    const [kustomization] = readYamlDocuments(join(BASE, 'kustomization.yaml'));
    const namespace = asString(asObject(kustomization).namespace);
    for (const object of BASE_OBJECTS) {
      expect(object.apiVersion && object.kind && object.metadata.name).toBeTruthy();
      if (object.kind !== 'Namespace')
        expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(namespace);
    }
    expect(byKind('Namespace').map((object) => object.metadata.name)).toEqual([namespace]);
  });

  it('runs the Dockerfile CMD of each image, with images the kustomization maps', () => {
    const [kustomization] = readYamlDocuments(join(BASE, 'kustomization.yaml'));
    const mapped = asArray(asObject(kustomization).images).map((image) => asString(asObject(image).name));
    const deployments = byKind('Deployment');
    expect(deployments.map((object) => object.metadata.name).sort()).toEqual([
      'ncap-gpu-worker',
      'ncap-orchestrator',
    ]);
    for (const object of deployments) {
      const spec = asObject(object.spec);
      const selector = asObject(asObject(spec.selector).matchLabels);
      const labels = asObject(asObject(asObject(spec.template).metadata).labels);
      expect(labels, `${object.metadata.name}: selector matches the pod labels`).toEqual(
        expect.objectContaining(selector),
      );
      for (const container of containers(object)) {
        expect(mapped, `${object.metadata.name}: image ${container.image}`).toContain(container.image);
        const script = expectBuiltEntry(container.command ?? [], object.metadata.name);
        const cmd = execForm(
          lastArgs(
            readDockerfile(dockerfileOfImage(container.image)).stages.at(-1) ?? {
              image: '',
              instructions: [],
            },
            'CMD',
          ) ?? '',
        );
        expect(cmd).toEqual(['node', script]);
      }
    }
  });

  it('takes config from the ConfigMap and optional Secrets that are defined', () => {
    const configMaps = new Set(byKind('ConfigMap').map((object) => object.metadata.name));
    const secrets = new Set(SECRET_TEMPLATES.map((object) => object.metadata.name));
    for (const object of byKind('Deployment')) {
      for (const container of containers(object)) {
        for (const source of container.envFrom ?? []) {
          if (source.configMapRef) expect(configMaps).toContain(source.configMapRef.name);
          if (source.secretRef) {
            expect(secrets).toContain(source.secretRef.name);
            // The Secrets are created by hand (or not at all with IAM roles): pods must start without them.
            expect(source.secretRef.optional, source.secretRef.name).toBe(true);
          }
        }
        const env = containerEnv(container);
        expectKnownEnvNames(env, object.metadata.name);
        expect(loadConfig(env).storeUri).toMatch(/^s3:\/\//);
        expect(() => resolveS3Settings({}, env)).not.toThrow();
      }
    }
  });

  it('gives each GPU worker pod as many GPUs as it trains at once, and time to checkpoint', () => {
    const gpu = deployment('ncap-gpu-worker');
    const [container] = containers(gpu);
    const config = loadConfig(containerEnv(container ?? { name: '', image: '' }));
    expect(Number(container?.resources?.limits?.['nvidia.com/gpu'])).toBe(config.gpuConcurrency);
    expect(TF_BACKENDS).toContain(containerEnv(container ?? { name: '', image: '' }).NCAP_TF_BACKEND);
    expect(Number(podSpec(gpu).terminationGracePeriodSeconds)).toBeGreaterThanOrEqual(
      config.shutdownGraceSeconds + STOP_MARGIN_SECONDS,
    );
    const rolling = asObject(asObject(asObject(gpu.spec).strategy).rollingUpdate);
    expect(rolling.maxSurge, 'no surge: there is no spare GPU').toBe(0);
  });

  it('points the orchestrator at the bundle its image builds', () => {
    const [container] = containers(deployment('ncap-orchestrator'));
    const imageEnv = stageEnv(
      readDockerfile(DOCKERFILES.orchestrator).stages.at(-1) ?? { image: '', instructions: [] },
    );
    expect(containerEnv(container ?? { name: '', image: '' }).NCAP_WORKFLOW_BUNDLE).toBe(
      imageEnv.NCAP_WORKFLOW_BUNDLE,
    );
  });

  it('has a PodDisruptionBudget selecting the pods of each Deployment', () => {
    const budgets = byKind('PodDisruptionBudget');
    for (const object of byKind('Deployment')) {
      const labels = asObject(asObject(asObject(asObject(object.spec).template).metadata).labels);
      const matching = budgets.filter((budget) => {
        const selector = Object.entries(asObject(asObject(asObject(budget.spec).selector).matchLabels));
        return selector.length > 0 && selector.every(([key, value]) => labels[key] === value);
      });
      expect(matching, object.metadata.name).toHaveLength(1);
    }
  });

  it('scales GPU workers with KEDA on the backlog of the queue they poll, on the configured Temporal', () => {
    const keda = join(K8S, 'keda');
    expect(kustomizationResources(keda).map((resource) => resolve(keda, resource))).toContain(BASE);
    const [scaledObject] = renderKustomization(keda).filter((object) => object.kind === 'ScaledObject');
    expect(scaledObject?.apiVersion).toBe('keda.sh/v1alpha1');
    const spec = asObject(scaledObject?.spec);
    expect(asObject(spec.scaleTargetRef).name).toBe('ncap-gpu-worker');
    const [trigger] = asArray(spec.triggers).map(asObject);
    const metadata = asObject(trigger?.metadata);
    const config = byKind('ConfigMap').find((object) => object.metadata.name === 'ncap-config')?.data ?? {};
    const gpuEnv = containerEnv(containers(deployment('ncap-gpu-worker'))[0] ?? { name: '', image: '' });
    expect(trigger?.type).toBe('temporal');
    expect(metadata.taskQueue).toBe(gpuEnv.NCAP_TASK_QUEUE_GPU ?? DEFAULT_TASK_QUEUES.gpu);
    expect(metadata.queueTypes).toBe('activity');
    expect(metadata.endpoint).toBe(config.TEMPORAL_ADDRESS);
    expect(metadata.namespace).toBe(config.TEMPORAL_NAMESPACE);
    expect(Number(metadata.targetQueueSize)).toBe(loadConfig(gpuEnv).gpuConcurrency);
  });
});

describe('infra/README.md', () => {
  it('names only infra paths that exist', () => {
    const paths = [...README.matchAll(/`(infra\/[\w./*-]+)`/g)].map((match) => match[1] ?? '');
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) {
      if (path.includes('*')) {
        const dir = join(ROOT, dirname(path));
        const pattern = new RegExp(
          `^${posix.basename(path).replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`,
        );
        expect(
          readdirSync(dir).some((name) => pattern.test(name)),
          path,
        ).toBe(true);
      } else {
        expect(existsSync(join(ROOT, path)), path).toBe(true);
      }
    }
  });

  it('runs only npm scripts that package.json defines', () => {
    const scripts = [...README.matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1] ?? '');
    expect(scripts).toContain('build:bundle');
    for (const script of scripts) expect(Object.keys(PACKAGE.scripts)).toContain(script);
  });
});
