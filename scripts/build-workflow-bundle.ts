/**
 * `npm run build:bundle [-- --workflows <entry>] [--out <file>]`
 *
 * Bundles the workflows (webpack, through Temporal's `bundleWorkflowCode`) into one file that the
 * orchestrator worker loads with `NCAP_WORKFLOW_BUNDLE=<file>`: production workers then start without
 * webpack, and every replica runs byte-identical workflow code. Prints the bundle's path and size.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { Command } from 'commander';
import { parseEntryArgs } from './entry-args.js';

/** True when this module runs from its TypeScript source (tests), false from dist. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The repository root: `scripts/..` from source, `dist/scripts/../..` when compiled. */
const PROJECT_ROOT = fileURLToPath(new URL(FROM_SOURCE ? '..' : '../..', import.meta.url));

/** The workflows entry next to this script: `workflows/index.ts` from source, `dist/workflows/index.js` compiled. */
export const DEFAULT_WORKFLOWS_PATH = fileURLToPath(
  new URL(`../workflows/index${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url),
);

export const DEFAULT_BUNDLE_PATH = resolve(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

export class WorkflowBundleError extends Error {
  override name = 'WorkflowBundleError';
}

export interface BuildWorkflowBundleOptions {
  /** Module whose exported functions become the registered workflows. @default {@link DEFAULT_WORKFLOWS_PATH} */
  workflowsPath?: string;
  /** File to write (its folder is created). @default {@link DEFAULT_BUNDLE_PATH} */
  outPath?: string;
}

export interface WorkflowBundleFile {
  /** Absolute path of the written bundle. */
  path: string;
  /** Size of the bundle, bytes (inline source map included). */
  bytes: number;
  /** Webpack's warnings, if any (its full report is kept only when something is wrong). */
  warnings: string[];
}

/**
 * Bundles the workflows and writes the bundle. Webpack's report is collected, not printed: on failure it
 * becomes part of the error (it names the offending module), on success its warnings are returned.
 */
export async function buildWorkflowBundle(
  options: BuildWorkflowBundleOptions = {},
): Promise<WorkflowBundleFile> {
  const workflowsPath = resolve(options.workflowsPath ?? DEFAULT_WORKFLOWS_PATH);
  const outPath = resolve(options.outPath ?? DEFAULT_BUNDLE_PATH);
  const reports: string[] = [];
  const logger = new DefaultLogger('WARN', (entry) => reports.push(entry.message));
  let code: string;
  try {
    ({ code } = await bundleWorkflowCode({ workflowsPath, logger }));
  } catch (cause) {
    const details = reports.length > 0 ? `\n${reports.join('\n')}` : '';
    throw new WorkflowBundleError(
      `bundling the workflows of ${workflowsPath} failed: ${(cause as Error).message}${details}`,
      { cause },
    );
  }
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, code);
  return { path: outPath, bytes: Buffer.byteLength(code), warnings: reports };
}

/** The command line of `node dist/scripts/build-workflow-bundle.js` (`npm run build:bundle`). */
function bundleCommand(): Command {
  return new Command('build-workflow-bundle')
    .description('Bundle the workflows once, for the orchestrator worker (NCAP_WORKFLOW_BUNDLE).')
    .option('--workflows <entry>', 'module whose exported functions become the registered workflows')
    .option('--out <file>', 'file to write (its folder is created)');
}

/**
 * Parses `--workflows <entry>` and `--out <file>` (also as `--flag=value`); `help` is the help text when
 * `--help` was given. @throws WorkflowBundleError on an unknown argument or a missing path.
 */
export function parseBundleArgs(argv: readonly string[]): BuildWorkflowBundleOptions & { help?: string } {
  let parsed;
  try {
    parsed = parseEntryArgs<{ workflows?: string; out?: string }>(bundleCommand(), argv);
  } catch (error) {
    throw new WorkflowBundleError(
      `${(error as Error).message}; usage: build-workflow-bundle [--workflows <entry>] [--out <file>]`,
    );
  }
  const { workflows, out } = parsed.options;
  if (workflows === '') throw new WorkflowBundleError('--workflows needs a path');
  if (out === '') throw new WorkflowBundleError('--out needs a path');
  return {
    ...(workflows !== undefined ? { workflowsPath: workflows } : {}),
    ...(out !== undefined ? { outPath: out } : {}),
    ...(parsed.help !== undefined ? { help: parsed.help } : {}),
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(2)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main(): Promise<void> {
  const { help, ...options } = parseBundleArgs(process.argv.slice(2));
  if (help !== undefined) {
    process.stdout.write(help);
    return;
  }
  const bundle = await buildWorkflowBundle(options);
  for (const warning of bundle.warnings) console.error(warning);
  console.log(`workflow bundle: ${bundle.path} (${formatBytes(bundle.bytes)}, ${bundle.bytes} bytes)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof WorkflowBundleError ? error.message : error);
    process.exit(1);
  });
}
