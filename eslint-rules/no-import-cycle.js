// A module must not reach itself through its relative imports, type-only imports included. import-x/no-cycle
// skips `import type` edges, so a circle closed by one type import (features → learning-curve → predictor
// ⇢ features) went unreported; this rule reads each module's imports with TypeScript's pre-processor, which
// lists value, type-only, re-export and dynamic imports alike.
import ts from 'typescript';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Resolved relative imports per module path (one lint run reads each file once). */
const importsCache = new Map();

const isFile = (path) => existsSync(path) && statSync(path).isFile();

/** The file a relative specifier names: `./x.js` is `./x.ts` under NodeNext. */
function resolveImport(from, specifier) {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  return candidates.find(isFile) ?? null;
}

function importsOf(path, text) {
  let imports = importsCache.get(path);
  if (!imports) {
    const source = text ?? readFileSync(path, 'utf8');
    imports = ts
      .preProcessFile(source, true, true)
      .importedFiles.map((f) => resolveImport(path, f.fileName))
      .filter((p) => p !== null && /\.(ts|mts|js|mjs)$/.test(p));
    importsCache.set(path, imports);
  }
  return imports;
}

/** The shortest chain of modules from `start` back to `target`, or null. */
function routeBack(start, target) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift();
    if (at === target) {
      const route = [];
      for (let p = at; p !== null; p = previous.get(p)) route.unshift(p);
      return route;
    }
    for (const next of importsOf(at)) {
      if (!previous.has(next)) {
        previous.set(next, at);
        queue.push(next);
      }
    }
  }
  return null;
}

export const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles between modules, type-only imports included.' },
    schema: [],
    messages: {
      cycle:
        'Import cycle: {{route}}. Type-only imports count too: move what both sides need into a module of its own.',
    },
  },
  create(context) {
    const filename = context.physicalFilename;
    if (!/\.(ts|mts)$/.test(filename)) return {};
    importsOf(filename, context.sourceCode.text);
    const cwd = context.cwd;
    const check = (node) => {
      const specifier = node.source?.type === 'Literal' ? node.source.value : null;
      if (typeof specifier !== 'string') return;
      const target = resolveImport(filename, specifier);
      if (target === null || target === filename) return;
      const route = routeBack(target, filename);
      if (route)
        context.report({
          node,
          messageId: 'cycle',
          data: { route: [filename, ...route].map((p) => relative(cwd, p)).join(' → ') },
        });
    };
    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { 'no-import-cycle': noImportCycle } };
