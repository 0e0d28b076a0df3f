/**
 * The lint rules that guard the architecture must be able to fail: an import cycle (one closed by a
 * type-only import too), a workflow that imports a Node builtin, TF.js, the AWS SDK or an activity's code,
 * production code that imports from test/, and benchmark or support code that imports the CLI's commands
 * or the sweep workflow. Each case is a small tree of real files in a temporary folder, linted with the
 * project's own eslint.config.js through ESLint's Node API.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const FILES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      target: 'ES2024',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      types: [],
      verbatimModuleSyntax: true,
    },
    include: ['**/*.ts'],
  }),
  'package.json': JSON.stringify({ type: 'module' }),
  // A cycle: a → b → a.
  'activities/cycle/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
  'activities/cycle/b.ts':
    "import { a } from './a.js';\nexport const b = (): number => (a.length > 9 ? a() : 0);\n",
  // A three-file circle closed by a type-only import: a → b → c ⇢ a.
  'activities/type-cycle/a.ts': "import { b } from './b.js';\nexport const a = (): number => b();\n",
  'activities/type-cycle/b.ts': "import { c } from './c.js';\nexport const b = (): number => c({ n: 1 });\n",
  'activities/type-cycle/c.ts':
    "import type { a } from './a.js';\nexport const c = (x: { n: ReturnType<typeof a> }): number => x.n;\n",
  // The same two modules without the back edge.
  'activities/chain/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
  'activities/chain/b.ts': 'export const b = (): number => 0;\n',
  'activities/store/key-segment.ts': 'export const SEGMENT = 1;\n',
  'activities/store/keys.ts': 'export const KEYS = 1;\n',
  'activities/spec/recorded-spec.ts': 'export const upgrade = <T>(x: T): T => x;\n',
  'activities/spec/sweep-spec.ts': 'export const SPEC = 1;\n',
  'activities/sweep/types.ts': 'export interface Outcome { id: string }\n',
  'workflows/builtin.ts': "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
  'workflows/tfjs.ts': "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n",
  'workflows/aws.ts': "import { S3Client } from '@aws-sdk/client-s3';\nexport const c = S3Client;\n",
  'workflows/activity-value.ts':
    "import { KEYS } from '../activities/store/keys.js';\nexport const k = KEYS;\n",
  'workflows/spec-value.ts':
    "import { SPEC } from '../activities/spec/sweep-spec.js';\nexport const s = SPEC;\n",
  'workflows/allowed.ts':
    "import type { Outcome } from '../activities/sweep/types.js';\n" +
    "import { SEGMENT } from '../activities/store/key-segment.js';\n" +
    "import { upgrade } from '../activities/spec/recorded-spec.js';\n" +
    'export const s: Outcome = upgrade({ id: String(SEGMENT) });\n',
  'test/support/double.ts': 'export const double = 2;\n',
  'activities/uses-test.ts':
    "import { double } from '../test/support/double.js';\nexport const d = double;\n",
  'bench/uses-test.ts': "import { double } from '../test/support/double.js';\nexport const d = double;\n",
  'scripts/commands/sweep.ts': 'export const watchSweep = 1;\n',
  'workflows/sweep-workflow.ts': 'export const halvingConfigOf = 1;\n',
  'workflows/halving.ts': 'export const startHalving = 1;\n',
  'bench/ttd/uses-workflow.ts':
    "import { halvingConfigOf } from '../../workflows/sweep-workflow.js';\nexport const h = halvingConfigOf;\n",
  'bench/ttd/uses-halving.ts':
    "import { startHalving } from '../../workflows/halving.js';\nexport const h = startHalving;\n",
  'zoos/real/uses-command.ts':
    "import { watchSweep } from '../../scripts/commands/sweep.js';\nexport const w = watchSweep;\n",
  'scripts/prod/uses-command.ts':
    "import { watchSweep } from '../commands/sweep.js';\nexport const w = watchSweep;\n",
  'test/support/uses-workflow.ts':
    "import { halvingConfigOf } from '../../workflows/sweep-workflow.js';\nexport const h = halvingConfigOf;\n",
  'scripts/commands/watch.ts': 'export const watch = 1;\n',
  'scripts/sweeps/uses-command.ts':
    "import { watch } from '../commands/watch.js';\nexport const w = watch;\n",
  'scripts/commands/uses-sweep.ts': "import { w } from '../sweeps/uses-command.js';\nexport const u = w;\n",
};

let dir: string;
const messages = new Map<string, { ruleId: string | null; message: string }[]>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ncap-lint-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const eslint = new ESLint({ cwd: dir, overrideConfigFile: join(ROOT, 'eslint.config.js') });
  for (const result of await eslint.lintFiles(['**/*.ts'])) {
    messages.set(
      result.filePath.slice(dir.length + 1),
      result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })),
    );
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rulesOf = (path: string): (string | null)[] => (messages.get(path) ?? []).map((m) => m.ruleId);

describe('lint (eslint.config.js)', () => {
  it('reports a two-file import cycle in both files, and not a plain chain', () => {
    expect(rulesOf('activities/cycle/a.ts')).toContain('ncap/no-import-cycle');
    expect(rulesOf('activities/cycle/b.ts')).toContain('ncap/no-import-cycle');
    expect(rulesOf('activities/chain/a.ts')).toEqual([]);
    expect(rulesOf('activities/chain/b.ts')).toEqual([]);
  });

  it('reports a circle closed by a type-only import, in every file on it', () => {
    for (const file of ['a', 'b', 'c'])
      expect(rulesOf(`activities/type-cycle/${file}.ts`), file).toEqual(['ncap/no-import-cycle']);
    expect(messages.get('activities/type-cycle/c.ts')?.[0]?.message).toMatch(
      /type-cycle\/c\.ts → activities\/type-cycle\/a\.ts → activities\/type-cycle\/b\.ts → activities\/type-cycle\/c\.ts/,
    );
  });

  it('keeps Node builtins, TF.js, the AWS SDK and activity code out of workflows', () => {
    for (const file of ['builtin', 'tfjs', 'aws', 'activity-value', 'spec-value']) {
      expect(rulesOf(`workflows/${file}.ts`), file).toEqual(['no-restricted-imports']);
    }
    // Type-only imports of activities, and the dependency-free key-segment and recorded-spec, are allowed.
    expect(messages.get('workflows/allowed.ts')).toEqual([]);
  });

  it('keeps production code from importing test code; benchmarks may', () => {
    expect(messages.get('activities/uses-test.ts')?.map((m) => m.message)).toEqual([
      expect.stringMatching(/must not import from test\//),
    ]);
    expect(messages.get('bench/uses-test.ts')).toEqual([]);
  });

  it('keeps the CLI commands and the sweep workflow out of benchmark and support code', () => {
    for (const file of [
      'bench/ttd/uses-workflow.ts',
      'zoos/real/uses-command.ts',
      'scripts/prod/uses-command.ts',
      'test/support/uses-workflow.ts',
    ]) {
      expect(
        messages.get(file)?.map((m) => m.message),
        file,
      ).toEqual([expect.stringMatching(/must not import scripts\/commands or workflows\/sweep-workflow/)]);
    }
    // The pure halving module is what they replay.
    expect(messages.get('bench/ttd/uses-halving.ts')).toEqual([]);
  });

  it('keeps the sweep harness from importing a command; commands may import it', () => {
    expect(messages.get('scripts/sweeps/uses-command.ts')?.map((m) => m.message)).toEqual([
      expect.stringMatching(/must not import a command/),
    ]);
    expect(messages.get('scripts/commands/uses-sweep.ts')).toEqual([]);
  });
});
