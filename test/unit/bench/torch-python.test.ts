import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTorchPython } from '../../../bench/torch-python.js';

// Stand-in interpreters: the search only needs each to answer the import probe or fail it.
const dir = mkdtempSync(join(tmpdir(), 'ncap-torch-python-'));
const script = (name: string, body: string): string => {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
};
const noTorch = script('no-torch', `echo "ModuleNotFoundError: No module named 'torch'" >&2; exit 1`);
const withTorch = script('with-torch', `echo '{"executable": "/opt/py/bin/python3", "version": "2.5.1"}'`);
const other = script('other-torch', `echo '{"executable": "/usr/bin/python3", "version": "1.13.1"}'`);

describe('the Python for the PyTorch anchor', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the first candidate that imports torch and says why the earlier ones did not', () => {
    const search = findTorchPython(['missing/bin/python', noTorch, withTorch, other], dir);
    expect(search.found).toEqual({ python: withTorch, executable: '/opt/py/bin/python3', version: '2.5.1' });
    expect(search.rejected).toEqual([
      { python: 'missing/bin/python', reason: 'not found' },
      { python: noTorch, reason: "ModuleNotFoundError: No module named 'torch'" },
    ]);
  });

  it('finds none when no candidate imports torch', () => {
    const search = findTorchPython([noTorch, 'ncap-no-such-python'], dir);
    expect(search.found).toBeUndefined();
    expect(search.rejected.map((r) => r.python)).toEqual([noTorch, 'ncap-no-such-python']);
  });
});
