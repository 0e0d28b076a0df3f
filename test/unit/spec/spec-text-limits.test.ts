/**
 * Spec files over the size or nesting limit are refused before they are parsed (issue 22, finding 7: a
 * 5 MB run of `[` took the YAML parser 18 s and 2.9 GB).
 */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { nestingDepth, SPEC_TEXT_LIMITS } from '../../../activities/spec/spec-text-limits.js';
import { InvalidSpecError, parseSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { loadSpecFile } from '../../../scripts/sweeps/sweep-client.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSpecError);
    return (error as Error).message;
  }
  throw new Error('not refused');
}

/** The depth of a parsed value: containers count one level each. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('spec text limits', () => {
  it('refuses a 5 MB spec of nested brackets by its size, before the YAML parser sees it', () => {
    const text = `name: x\nlabels: ${'['.repeat(5_000_000)}`;
    const message = refusal(() => parseSweepSpec(text, 'deep.yaml'));
    // The parser's own verdict on this text would be "not valid YAML/JSON"; the limit speaks first.
    expect(message).toContain('deep.yaml');
    expect(message).toContain(`${SPEC_TEXT_LIMITS.bytes.toLocaleString('en')} bytes`);
    expect(message).not.toContain('YAML');
  });

  it('refuses a spec file over the size limit without reading it (the CLI’s reader)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ncap-spec-limit-'));
    dirs.push(dir);
    // A sparse 5 GB file: reading it into a string would fail with ERR_FS_FILE_TOO_LARGE, not this.
    const path = join(dir, 'huge.yaml');
    const handle = await open(path, 'w');
    await handle.truncate(5 * 1024 ** 3);
    await handle.close();
    const error = await loadSpecFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSpecError);
    expect((error as Error).message).toContain('5,368,709,120 bytes, over the spec limit');
  });

  it('refuses nesting deeper than the limit, in flow and in block style, naming the limit', async () => {
    const over = SPEC_TEXT_LIMITS.depth + 1;
    const flow = `name: x\nlabels: ${'['.repeat(over)}${']'.repeat(over)}\n`;
    expect(refusal(() => parseSweepSpec(flow, 'flow.yaml'))).toContain(
      `deeper than ${SPEC_TEXT_LIMITS.depth} levels`,
    );
    const block = Array.from({ length: over }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    expect(refusal(() => parseSweepSpec(block, 'block.yaml'))).toContain(
      `deeper than ${SPEC_TEXT_LIMITS.depth} levels`,
    );
    const dir = await mkdtemp(join(tmpdir(), 'ncap-spec-limit-'));
    dirs.push(dir);
    await writeFile(join(dir, 'flow.json'), `{"labels": ${'{"a":'.repeat(over)}1${'}'.repeat(over)}}`);
    await expect(loadSpecFile(join(dir, 'flow.json'))).rejects.toThrow(/deeper than 64 levels/);
  });

  it('lets a spec within the limits through to validation; brackets inside quotes and comments are text', () => {
    const brackets = '['.repeat(200);
    const text = `name: "${brackets}" # ${brackets}\nid: '${brackets}'\n`;
    // Not refused for depth: validation names the real problems (the missing fields).
    const message = refusal(() => parseSweepSpec(text, 'quoted.yaml'));
    expect(message).not.toContain('deeper than');
    expect(message).toContain('dataset');
  });

  it('never under-estimates the depth of a YAML or JSON document (against the parsed depth)', () => {
    const leaf = fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.boolean());
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        const depth = depthOf(value);
        expect(nestingDepth(JSON.stringify(value))).toBeGreaterThanOrEqual(depth);
        expect(nestingDepth(JSON.stringify(value, null, 2))).toBeGreaterThanOrEqual(depth);
        expect(nestingDepth(stringify(value))).toBeGreaterThanOrEqual(depth);
      }),
      { numRuns: 500 },
    );
  });
});
