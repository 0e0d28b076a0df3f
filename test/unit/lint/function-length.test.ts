/**
 * Functions stay short (issue #21): none over 60 lines in activities/training/, none over 100 elsewhere
 * in activities/. A function's length runs from the line its declaration starts on to the line of its
 * closing brace, nested functions included (they count for their own name as well). Measured with the
 * TypeScript compiler's parser over the real source files; the checker itself is tried on small
 * generated sources first, so the test can fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Lines allowed per function: the first matching folder (a path prefix) wins. */
const LIMITS: readonly { under: string; maxLines: number }[] = [
  { under: 'activities/training/', maxLines: 60 },
  { under: 'activities/', maxLines: 100 },
];

/**
 * Known exceptions, as `path:name`: declarative chart specs may stay long; the sweep report's builder is
 * being rewritten into one scoring pipeline (issue #21, item 2).
 */
const EXEMPT = new Set([
  'activities/report/beta-accuracy-chart.ts:betaAccuracySpec',
  'activities/scoring/build-sweep-report.ts:buildSweepReport',
]);

interface FunctionLength {
  name: string;
  /** 1-based line of the declaration's start. */
  line: number;
  lines: number;
}

/** The name a function is known by: its own, or the variable, property or class member it is assigned to. */
function nameOf(node: ts.SignatureDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '<anonymous>';
}

/** Every function with a body in `text`, with its length in lines. */
function functionLengths(path: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: FunctionLength[] = [];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const line = lineOf(node.getStart(source));
      found.push({ name: nameOf(node, source), line, lines: lineOf(node.end) - line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `path:line name (n lines > limit)` for every function over its folder's limit, exemptions aside. */
function overLong(files: readonly string[], readText: (path: string) => string): string[] {
  return files.flatMap((path) => {
    const limit = LIMITS.find((l) => path.startsWith(l.under));
    if (!limit) return [];
    return functionLengths(path, readText(path))
      .filter((f) => f.lines > limit.maxLines && !EXEMPT.has(`${path}:${f.name}`))
      .map((f) => `${path}:${f.line} ${f.name} (${f.lines} lines > ${limit.maxLines})`);
  });
}

/** A function of `lines` lines in all, declaration and closing brace included. */
const functionOf = (name: string, lines: number): string =>
  [
    `export function ${name}(): number {`,
    ...Array.from({ length: lines - 3 }, (_, i) => `  void ${i};`),
    '  return 0;',
  ].join('\n') + '\n}\n';

describe('function length', () => {
  it('measures declarations, arrows, methods and nested functions by their lines', () => {
    const text = [
      functionOf('outer', 4).replace(
        '  return 0;',
        '  const inner = (): number => {\n    return 1;\n  };\n  return inner();',
      ),
      'class Box {\n  size(): number {\n    return 1;\n  }\n}',
      'const table = { row: async () => {\n  await 0;\n} };',
    ].join('\n');
    const lengths = functionLengths('x.ts', text).map((f) => `${f.name}@${f.line}:${f.lines}`);
    expect(lengths).toEqual(['outer@1:7', 'inner@3:3', 'size@10:3', 'row@14:3']);
  });

  it('flags a function one line over its folder limit, and not one at it', () => {
    const texts: Record<string, string> = {
      'activities/training/a.ts': functionOf('atLimit', 60) + functionOf('overLimit', 61),
      'activities/store/b.ts': functionOf('long', 100) + functionOf('tooLong', 101),
      'scripts/c.ts': functionOf('unchecked', 500),
    };
    const flagged = overLong(Object.keys(texts), (path) => texts[path] ?? '');
    expect(flagged).toEqual([
      expect.stringMatching(/^activities\/training\/a\.ts:\d+ overLimit \(61 lines > 60\)$/),
      expect.stringMatching(/^activities\/store\/b\.ts:\d+ tooLong \(101 lines > 100\)$/),
    ]);
  });

  it('keeps every function in activities/ under its limit', () => {
    const files = sourceFiles(join(ROOT, 'activities')).map((p) => relative(ROOT, p).split(sep).join('/'));
    expect(files.length).toBeGreaterThan(50);
    expect(overLong(files, (path) => readFileSync(join(ROOT, path), 'utf8'))).toEqual([]);
  });
});
