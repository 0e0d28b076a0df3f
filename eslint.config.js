// Lint rules follow the Temporal TypeScript SDK's conventions: no floating promises, type-only imports,
// no import cycles, and a deterministic sandbox for workflows (no Node builtins, TF.js or AWS SDK).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// Test doubles and toy fixtures live under test/ (test/support/ is shared with the benchmarks); code that
// ships must never depend on them.
const noTestCode = {
  group: ['**/test/**', '../test', '../../test'],
  message: 'Production code must not import from test/ (test doubles and toy fixtures live there).',
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
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // The sources import `./x.js` for `./x.ts` (NodeNext): resolve `.js` to the `.ts` beside it first,
      // so import-x/no-cycle follows every relative import. Without a resolver it sees none and never fires.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.mjs', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'], '.mjs': ['.mts', '.mjs'] },
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { maxDepth: 10, ignoreExternal: true }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object instead of an enum.' },
      ],
    },
  },
  {
    files: ['activities/**/*.ts', 'workers/**/*.ts', 'scripts/**/*.ts', 'bin/**/*.js'],
    ignores: ['scripts/bench/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noTestCode] }] },
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
              // Every module under activities/ but two dependency-free ones the workflows need too:
              // key-segment.js (the one id pattern) and score-margin.js (halving's and the report's margin).
              regex: '(^|/)activities(/(?!store/key-segment\\.js$|selection/score-margin\\.js$).*)?$',
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
