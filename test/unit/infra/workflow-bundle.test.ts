/**
 * The prebuilt workflow bundle (scripts/build-workflow-bundle.ts): it must load in a bare V8 context the
 * way the worker loads it, register exactly the workflows that workflows/index.ts exports, and hold no
 * Node builtin, TF.js, AWS SDK or activity module.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWorkflowBundle,
  DEFAULT_WORKFLOWS_PATH,
  parseBundleArgs,
  WorkflowBundleError,
  type WorkflowBundleFile,
} from '../../../scripts/build-workflow-bundle.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKFLOWS_ENTRY = join(ROOT, 'workflows', 'index.ts');

/** Module ids of the webpack module table (`/***\/ "<id>"` headers): what the bundle contains. */
function webpackModuleIds(code: string): string[] {
  return [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"$/gm)].map((match) => match[1] ?? '');
}

/** Files named by the inline source map: a second, independent listing of what went in. */
function sourceMapSources(code: string): string[] {
  const match =
    /\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!match?.[1]) throw new Error('the bundle has no inline source map');
  const map = JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')) as { sources: string[] };
  return map.sources;
}

/** Evaluates the bundle as the worker's VM does (a fresh context with the module cache global it injects). */
function loadBundle(code: string): { importWorkflows: () => Record<string, unknown> } {
  const context = createContext({ __webpack_module_cache__: {} });
  return runInContext(`${code}\n;__TEMPORAL__`, context, { filename: 'workflow-bundle.js' }) as {
    importWorkflows: () => Record<string, unknown>;
  };
}

const FORBIDDEN_PACKAGES = [
  '@tensorflow/',
  '@aws-sdk/',
  '@temporalio/worker/',
  '@temporalio/client/',
  '@temporalio/activity/',
];

describe('buildWorkflowBundle', () => {
  let sandbox: string;
  let bundle: WorkflowBundleFile;
  let code: string;

  beforeAll(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'ncap-workflow-bundle-'));
    bundle = await buildWorkflowBundle({
      workflowsPath: WORKFLOWS_ENTRY,
      outPath: join(sandbox, 'nested', 'bundle.js'),
    });
    code = await readFile(bundle.path, 'utf8');
  }, 60_000);

  afterAll(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('writes the file it reports, with its size in bytes', async () => {
    expect(bundle.path).toBe(join(sandbox, 'nested', 'bundle.js'));
    expect((await stat(bundle.path)).size).toBe(bundle.bytes);
  });

  it('registers exactly the workflows that workflows/index.ts exports', async () => {
    const source = (await import('../../../workflows/index.js')) as Record<string, unknown>;
    const expected = Object.keys(source)
      .filter((name) => typeof source[name] === 'function')
      .sort();
    expect(expected).toContain('sweepWorkflow');
    const workflows = loadBundle(code).importWorkflows();
    const registered = Object.keys(workflows)
      .filter((name) => typeof workflows[name] === 'function')
      .sort();
    expect(registered).toEqual(expected);
  });

  it('contains the workflow sources and no Node builtin, TF.js, AWS SDK, worker-side SDK or activity module', () => {
    const ids = webpackModuleIds(code);
    const sources = sourceMapSources(code);
    expect(ids).toContain('./workflows/sweep-workflow.ts');
    expect(sources).toContain(join(ROOT, 'workflows', 'sweep-workflow.ts'));
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    for (const listing of [ids, sources]) {
      expect(listing.filter((entry) => builtins.has(entry) || entry.startsWith('node:'))).toEqual([]);
      expect(
        listing.filter((entry) => FORBIDDEN_PACKAGES.some((pkg) => entry.includes(`node_modules/${pkg}`))),
      ).toEqual([]);
      // The dependency-free modules the workflows share with activities: the key-segment id pattern,
      // the recorded spec's older shapes and the score margin (as eslint.config.js allows).
      const activityModules = listing.filter(
        (entry) =>
          /(^|\/)activities\//.test(entry) &&
          !/(^|\/)activities\/(store\/key-segment|spec\/recorded-spec|selection\/score-margin)\.ts$/.test(
            entry,
          ),
      );
      expect(activityModules).toEqual([]);
    }
    // Webpack turns a module aliased to `false` (how the bundler silences disallowed modules) into an
    // "(ignored)" stub: only the two optional converter hooks may be stubbed.
    const ignored = [...code.matchAll(/!\*\*\* (\S+) \(ignored\) \*\*\*!/g)].map((match) => match[1]).sort();
    expect(ignored).toEqual(['__temporal_custom_failure_converter', '__temporal_custom_payload_converter']);
  });

  it('fails, naming the module, when a workflow imports a Node builtin', async () => {
    // Inside the repository so that webpack resolves @temporalio/workflow from node_modules.
    const scratch = join(ROOT, 'test-artifacts', `bad-workflows-${process.pid}`);
    await mkdir(scratch, { recursive: true });
    try {
      await writeFile(
        join(scratch, 'index.ts'),
        "import { readFileSync } from 'node:fs';\nexport async function badWorkflow(): Promise<string> { return readFileSync('x', 'utf8'); }\n",
      );
      const attempt = buildWorkflowBundle({
        workflowsPath: join(scratch, 'index.ts'),
        outPath: join(sandbox, 'bad.js'),
      });
      await expect(attempt).rejects.toThrow(WorkflowBundleError);
      await expect(attempt).rejects.toThrow(/ERROR in node:fs/);
      await expect(stat(join(sandbox, 'bad.js'))).rejects.toThrow();
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('parseBundleArgs', () => {
  it('takes --workflows and --out, separated or with =', () => {
    expect(parseBundleArgs([])).toEqual({});
    expect(parseBundleArgs(['--workflows', 'a.js', '--out=b.js'])).toEqual({
      workflowsPath: 'a.js',
      outPath: 'b.js',
    });
    expect(parseBundleArgs(['--out', 'x/y.js'])).toEqual({ outPath: 'x/y.js' });
  });

  it('rejects unknown flags and missing values', () => {
    expect(() => parseBundleArgs(['--bogus'])).toThrow(WorkflowBundleError);
    expect(() => parseBundleArgs(['--out'])).toThrow(/option '--out <file>' argument missing/);
    expect(() => parseBundleArgs(['--workflows='])).toThrow(/--workflows needs a path/);
  });

  it('defaults to the workflows entry next to the script (the TypeScript source under test)', () => {
    expect(DEFAULT_WORKFLOWS_PATH).toBe(WORKFLOWS_ENTRY);
  });
});
