/** `ncap --version` and `ncap spec schema` through the CLI's `main`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../scripts/cli.js';

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    return { code: await main(['node', 'ncap', ...args]), out: out.join('') };
  } finally {
    write.mockRestore();
  }
}

describe('ncap CLI basics', () => {
  const manifest = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'),
  ) as {
    version: string;
  };

  it.each([['--version'], ['-V']])('%s prints package.json’s version', async (flag) => {
    const { code, out } = await run([flag]);
    expect(code).toBe(0);
    expect(out.trim()).toBe(manifest.version);
  });

  it('spec schema prints a JSON Schema whose top level lists the spec’s fields', async () => {
    const { code, out } = await run(['spec', 'schema']);
    expect(code).toBe(0);
    const schema = JSON.parse(out) as {
      $schema: string;
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(schema.$schema).toContain('2020-12');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['dataset', 'candidates', 'budget', 'selection', 'training']),
    );
    expect(schema.required).not.toContain('budget');
  });
});
