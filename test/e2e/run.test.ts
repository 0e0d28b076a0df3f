/**
 * `ncap run SPEC` and `ncap sweep validate SPEC` as a user runs them: `bin/ncap.js` spawned as a real
 * process, on small specs over the bundled demo zoo's models, with paths relative to the spec file.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDemoZooDir } from '../../scripts/demo/demo.js';
import { Client, Connection } from '@temporalio/client';
import { loadSpecFile, startSweep } from '../../scripts/sweeps/sweep-client.js';
import { stack, uniqueTaskQueue } from '../helpers/stack.js';
import { writeIdentityGraphModel } from '../support/tiny-graph-model.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'ncap.js');

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bin/ncap.js args` in `cwd`; `onStderr` sees the error output as it grows and may return a signal
 * to send the process (once).
 */
function ncap(
  args: string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    onStderr?: (text: string) => NodeJS.Signals | undefined;
    /** SIGINT after this many milliseconds (a run that would hang stops cleanly). @default none */
    timeoutMs?: number;
  },
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const signal = signalled ? undefined : options.onStderr?.(stderr);
      if (signal) {
        signalled = true;
        child.kill(signal);
      }
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGINT'), options.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Environment without any Temporal target, so `ncap run` starts its own dev server. */
function envWithout(prefix: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith(prefix)));
  return { ...env, NCAP_LOG_LEVEL: 'WARN', ...extra };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A folder holding `spec.yaml`, `./models/<id>` copied from the demo zoo, and `body` as the rest of the spec. */
function specFolder(root: string, name: string, models: Record<string, string>, body: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'models'), { recursive: true });
  for (const [id, zooModel] of Object.entries(models))
    cpSync(join(defaultDemoZooDir(), 'models', zooModel), join(dir, 'models', id), { recursive: true });
  writeFileSync(join(dir, 'spec.yaml'), body);
  return dir;
}

/** `dir/<class>/<i>.png`: two classes of `perClass` tiny RGB squares, dark and light, with a little noise. */
async function writeImageFolder(dir: string, perClass: number): Promise<void> {
  for (const [cls, base] of [
    ['dark', 40],
    ['light', 210],
  ] as const) {
    mkdirSync(join(dir, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const pixels = Buffer.alloc(12 * 12 * 3, 0).map((_, k) => base + ((k * 7 + i * 13) % 30));
      await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } })
        .png()
        .toFile(join(dir, cls, `${i}.png`));
    }
  }
}

describe('ncap run / ncap sweep validate (spawned bin/ncap.js)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ncap-run-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('Ctrl-C mid-sweep stops every process it started and exits 130 saying how to resume; a rerun resumes to a winner', async () => {
    const dir = specFolder(
      root,
      'interrupt',
      { small: 'mlp-w16-e1', large: 'cnn-w12-e3' },
      [
        'name: interrupt',
        'dataset:',
        `  uri: ${join(defaultDemoZooDir(), 'target', 'train.safetensors')}`,
        "  normalisation: '[0,1]'",
        '  maxSamples: 1500',
        'candidates:',
        '  - { id: small, model: ./models/small/model.json, featureLayer: features }',
        '  - { id: large, model: ./models/large/model.json }',
        'mode: finetune',
        'training: { epochs: 2, batchSize: 32 }',
        'probe: { widths: [32, 16, 8] }',
      ].join('\n'),
    );
    const devDir = join(dir, 'dev');
    const env = envWithout('TEMPORAL_', { NCAP_DEV_DIR: devDir, NCAP_STORE_URI: '' });
    const args = ['run', 'spec.yaml', '--processes', '1'];
    // SIGINT once the first candidate has finished (one process trains one at a time: the other is not).
    const first = await ncap(args, {
      cwd: dir,
      env,
      onStderr: (text) => (/^\w+: succeeded epoch/m.test(text) ? 'SIGINT' : undefined),
    });
    const pids = [...first.stderr.matchAll(/\(pid (\d+)/g)].map((m) => Number(m[1]));
    expect(first.stderr).toMatch(/Started the Temporal dev server .*\(pid \d+/);
    expect(first.stderr).toMatch(/worker 1: started \(pid \d+/);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(first.code).toBe(130);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(join(devDir, 'stack.json'))).toBe(false);
    const lastLine = first.stderr.trim().split('\n').at(-1)!;
    expect(lastLine).toMatch(/Run `ncap run spec\.yaml` again to resume/);
    expect(first.stderr).not.toMatch(/Channel has been shut down|\n\s+at .+:\d+:\d+\)?\n/);
    const finishedBefore = [...first.stderr.matchAll(/^(\w+): succeeded/gm)].map((m) => m[1]);
    expect(finishedBefore.length).toBeGreaterThan(0);

    const second = await ncap([...args, '--json'], { cwd: dir, env });
    expect(second.code).toBe(0);
    const result = JSON.parse(second.stdout) as {
      status: string;
      winner: string | null;
      reused: string[];
      ranking: { candidateId: string }[];
      reportHtml: string;
    };
    expect(result.status).toBe('completed');
    expect(result.ranking.map((r) => r.candidateId).sort()).toEqual(['large', 'small']);
    expect(result.winner).toBe(result.ranking[0]!.candidateId);
    for (const id of finishedBefore) expect(result.reused).toContain(id);
    // The same spec is the same sweep: its store is under the working directory's .ncap/.
    expect(result.reportHtml.startsWith(join(dir, '.ncap', 'store'))).toBe(true);
    expect(existsSync(join(devDir, 'stack.json'))).toBe(false);
  });

  it('runs a spec naming ./models and an image folder ./data relative to itself, from another directory, and ranks', async () => {
    const dir = specFolder(
      root,
      'relative',
      { mlp: 'mlp-w16-e1', cnn: 'cnn-w4-e1' },
      [
        'name: relative',
        'dataset: { uri: ./data, validationFraction: 0.25, normalisation: "[0,1]" }',
        'candidates:',
        '  - { id: mlp, model: ./models/mlp/model.json, featureLayer: features }',
        '  - { id: cnn, model: ./models/cnn/model.json }',
        'mode: finetune',
        'training: { epochs: 1, batchSize: 8 }',
        'probe: { widths: [16, 8, 8] }',
      ].join('\n'),
    );
    await writeImageFolder(join(dir, 'data'), 12);
    const env = envWithout('TEMPORAL_', {
      TEMPORAL_ADDRESS: stack().temporal.address,
      NCAP_STORE_URI: '',
    });
    const run = await ncap(['run', join(dir, 'spec.yaml'), '--json', '--processes', '1'], { cwd: root, env });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      winner: string;
      ranking: { candidateId: string }[];
      candidates: { candidateId: string; input: { fedShape: number[] } }[];
    };
    expect(result.ranking.map((r) => r.candidateId).sort()).toEqual(['cnn', 'mlp']);
    expect(result.winner).toBe(result.ranking[0]!.candidateId);
    // The 12×12 RGB images are fed as the models' 28×28 greyscale input.
    expect(result.candidates.map((c) => c.input.fedShape)).toEqual([
      [28, 28, 1],
      [28, 28, 1],
    ]);
  });

  it('runs a mixed zoo (ONNX in both layouts, a LayersModel, a GraphModel), each with its own normalisation, in one frozen sweep over an image folder, and ranks', async () => {
    const dir = specFolder(
      root,
      'mixed',
      { cnn: 'cnn-w4-e1' },
      [
        'name: mixed',
        'dataset: { uri: ./data, validationFraction: 0.25, normalisation: "[0,1]" }',
        'candidates:',
        '  - { id: onnx-nchw, model: ./models/nchw-dynamic.onnx, normalisation: imagenet }',
        '  - { id: onnx-nhwc, model: ./models/nhwc-fixed4.onnx, normalisation: "[-1,1]" }',
        '  - { id: layers, model: ./models/cnn/model.json }',
        '  - { id: graph, model: ./models/graph/model.json, normalisation: caffe }',
        'mode: frozen',
        'training: { epochs: 1, batchSize: 8 }',
        'probe: { widths: [8, 8, 8] }',
      ].join('\n'),
    );
    for (const onnx of ['nchw-dynamic.onnx', 'nhwc-fixed4.onnx'])
      cpSync(join(ROOT, 'test', 'fixtures', 'onnx', onnx), join(dir, 'models', onnx));
    await writeIdentityGraphModel(join(dir, 'models', 'graph'), [1, 8, 8, 3], 'DT_FLOAT');
    await writeImageFolder(join(dir, 'data'), 12);
    const env = envWithout('TEMPORAL_', {
      TEMPORAL_ADDRESS: stack().temporal.address,
      NCAP_STORE_URI: '',
    });
    const validate = await ncap(['sweep', 'validate', 'spec.yaml'], { cwd: dir, env });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(
      /ok +onnx-nchw: onnx, input 16×16×3 NCHW.* normalised imagenet; .*average-pooled → 16 features/,
    );
    expect(validate.stdout).toMatch(
      /ok +onnx-nhwc: onnx, input 16×16×3 NHWC batch 4.* normalised \[-1,1\]; .*average-pooled → 16 features/,
    );
    expect(validate.stdout).toMatch(
      /ok +graph: graph-model, input 8×8×3 NHWC batch 1.* normalised caffe; cut at 'Identity'/,
    );

    const run = await ncap(['run', 'spec.yaml', '--json', '--processes', '1'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { winner: string; ranking: { candidateId: string }[] };
    expect(result.ranking.map((r) => r.candidateId).sort()).toEqual([
      'graph',
      'layers',
      'onnx-nchw',
      'onnx-nhwc',
    ]);
    expect(result.winner).toBe(result.ranking[0]!.candidateId);
  });

  it('a missing model and a wrong featureLayer fail validate with exit 2 naming both; ncap run on it starts nothing', async () => {
    const dir = specFolder(
      root,
      'bad',
      { good: 'cnn-w4-e1' },
      [
        'name: bad',
        'dataset:',
        `  uri: ${join(defaultDemoZooDir(), 'target', 'train.safetensors')}`,
        "  normalisation: '[0,1]'",
        'candidates:',
        '  - { id: good, model: ./models/good/model.json }',
        '  - { id: missing-model, model: ./models/nowhere/model.json }',
        '  - { id: wrong-layer, model: ./models/good/model.json, featureLayer: no_such_layer }',
        'mode: finetune',
        'probe: { widths: [16, 8, 8] }',
      ].join('\n'),
    );
    const env = envWithout('TEMPORAL_', { NCAP_DEV_DIR: join(dir, 'dev'), NCAP_STORE_URI: '' });
    const validate = await ncap(['sweep', 'validate', 'spec.yaml'], { cwd: dir, env });
    expect(validate.code).toBe(2);
    expect(validate.stdout).toMatch(/ok +good: .*cut at 'features' \(automatic\)/);
    expect(validate.stdout).toMatch(/FAIL missing-model .*not found/);
    expect(validate.stdout).toMatch(/FAIL wrong-layer .*no layer named 'no_such_layer'/);
    expect(validate.stderr).toMatch(/2 candidates cannot run: missing-model, wrong-layer/);

    const json = await ncap(['sweep', 'validate', 'spec.yaml', '--json'], { cwd: dir, env });
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; problems: { candidateId: string }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.problems.map((p) => p.candidateId)).toEqual(['missing-model', 'wrong-layer']);

    const run = await ncap(['run', 'spec.yaml'], { cwd: dir, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Nothing was started: 2 candidates cannot run: missing-model, wrong-layer/);
    expect(run.stderr).not.toMatch(/pid \d+/);
    expect(existsSync(join(dir, 'dev'))).toBe(false);
    expect(existsSync(join(dir, '.ncap'))).toBe(false);
  });

  it('--fresh ends a run of the same sweep id still open and starts a new one instead of attaching to it', async () => {
    const dir = specFolder(
      root,
      'fresh',
      { mlp: 'mlp-w16-e1' },
      [
        'name: fresh',
        'dataset:',
        `  uri: ${join(defaultDemoZooDir(), 'target', 'train.safetensors')}`,
        "  normalisation: '[0,1]'",
        '  maxSamples: 200',
        'candidates:',
        '  - { id: mlp, model: ./models/mlp/model.json, featureLayer: features }',
        'mode: finetune',
        'training: { epochs: 0.25, batchSize: 32 }',
        'probe: { widths: [16, 8, 8] }',
      ].join('\n'),
    );
    const sweepId = `fresh-${Date.now().toString(36)}`;
    // A run left open (as an interrupted run whose cancellation never finished): on a queue nobody polls.
    const connection = await Connection.connect({ address: stack().temporal.address });
    try {
      const client = new Client({ connection });
      const stale = await startSweep(client, {
        spec: await loadSpecFile(join(dir, 'spec.yaml')),
        sweepId,
        defaultStoreUri: `file://${join(dir, '.ncap', 'store')}`,
        taskQueues: { orchestrator: uniqueTaskQueue('nobody'), gpu: uniqueTaskQueue('nobody-gpu') },
      });
      const staleRunId = (await stale.handle.describe()).runId;
      const env = envWithout('TEMPORAL_', {
        TEMPORAL_ADDRESS: stack().temporal.address,
        NCAP_STORE_URI: '',
        NCAP_TASK_QUEUE_ORCHESTRATOR: uniqueTaskQueue('run'),
        NCAP_TASK_QUEUE_GPU: uniqueTaskQueue('run-gpu'),
      });
      const run = await ncap(['run', 'spec.yaml', '--id', sweepId, '--fresh', '--json', '--processes', '1'], {
        cwd: dir,
        env,
        timeoutMs: 50_000,
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`--fresh: terminated the open run of sweep ${sweepId}`));
      expect((JSON.parse(run.stdout) as { status: string }).status).toBe('completed');
      expect((await client.workflow.getHandle(sweepId).describe()).status.name).toBe('COMPLETED');
      expect((await client.workflow.getHandle(sweepId, staleRunId).describe()).status.name).toBe(
        'TERMINATED',
      );
    } finally {
      await connection.close();
    }
  });
});
