// Lint rules follow the Temporal TypeScript SDK's conventions: no floating promises, type-only imports,
// no import cycles (type-only imports included), and a deterministic sandbox for workflows (no Node
// builtins, TF.js or AWS SDK).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import ncap from './eslint-rules/no-import-cycle.js';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// Test doubles and toy fixtures live under test/ (test/support/ is shared with the benchmarks); code that
// ships must never depend on them.
const noTestCode = {
  group: ['**/test/**', '../test', '../../test'],
  message: 'Production code must not import from test/ (test doubles and toy fixtures live there).',
};

// Benchmarks, zoo builders and support code replay the product's pure modules (workflows/halving.ts,
// activities/); they never reach into the CLI's commands or the sweep workflow, so both can change freely.
const noCliOrSweepWorkflow = {
  regex: '(^|/)(scripts/commands|\\.\\./commands)(/.*)?$|(^|/)workflows/sweep-workflow(\\.js)?$',
  message:
    'Benchmark and support code must not import scripts/commands or workflows/sweep-workflow.ts: import the pure module it uses (e.g. workflows/halving.ts).',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.tools/**',
      '.ncap/**',
      'coverage/**',
      'test-artifacts/**',
      'infra/dev/data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { ncap },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // No import cycles, type-only edges included (import-x/no-cycle skips those).
      'ncap/no-import-cycle': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object instead of an enum.' },
      ],
    },
  },
  {
    files: ['activities/**/*.ts', 'workers/**/*.ts', 'scripts/**/*.ts', 'bin/**/*.js'],
    ignores: ['scripts/prod/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noTestCode] }] },
  },
  {
    // The sweep harness sits below the commands: `ncap` commands and the demo import it, never the reverse.
    files: ['scripts/sweeps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noTestCode,
            {
              group: ['**/commands/*', '../commands/*'],
              message:
                'scripts/sweeps must not import a command: move the shared code down into scripts/sweeps/.',
            },
          ],
        },
      ],
    },
  },
  {
    // The zoo builders and the production smoke test: support code that ships in the build.
    files: ['zoos/**/*.ts', 'scripts/prod/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noTestCode, noCliOrSweepWorkflow] }] },
  },
  {
    // Benchmarks and the shared test support may use test doubles, but not the CLI or the sweep workflow.
    files: ['bench/**/*.ts', 'test/support/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noCliOrSweepWorkflow] }] },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflows run in a deterministic sandbox: no Node builtins.',
          })),
          patterns: [
            {
              group: ['@tensorflow/*'],
              message: 'Workflows must not import TF.js: do the work in an activity.',
            },
            {
              group: ['@aws-sdk/*'],
              message: 'Workflows must not import the AWS SDK: do I/O in an activity.',
            },
            {
              // Every module under activities/ but the dependency-free ones the workflows need too:
              // key-segment.js (the one id pattern), recorded-spec.js (a recorded spec's older shapes) and
              // score-margin.js (halving's and the report's margin).
              regex:
                '(^|/)activities(/(?!store/key-segment\\.js$|spec/recorded-spec\\.js$|selection/score-margin\\.js$).*)?$',
              allowTypeImports: true,
              message: 'Import activities with `import type` only (proxyActivities).',
            },
            noTestCode,
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
