/** The converter's set-up: every package pinned, and a failed install says so and keeps nothing. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureKerasConverter,
  KERAS_CONVERTER_REQUIREMENTS,
  pinnedVersion,
} from '../../../scripts/setup/keras-converter.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ncap-keras-setup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keras-converter set-up', () => {
  it('pins every requirement exactly, the packages tensorflowjs leaves open included', () => {
    const lines = readFileSync(KERAS_CONVERTER_REQUIREMENTS, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(lines.length).toBeGreaterThan(30);
    for (const line of lines) expect(line).toMatch(/^[A-Za-z0-9_.-]+==[0-9][^\s]*$/);
    for (const name of [
      'tensorflowjs',
      'tensorflow',
      'tf-keras',
      'tensorflow_decision_forests',
      'jax',
      'flax',
      'ydf',
    ])
      expect(pinnedVersion(name), name).toBeDefined();
    expect(pinnedVersion('tensorflowjs')).toBe('4.22.0');
  });

  it('a failed pip step throws an error naming it and leaves no half-made venv', () => {
    const lines: string[] = [];
    // The venv is really made; pip is replaced by a command that fails as pip does without the network.
    const run = (cmd: string, args: string[]) => {
      const failing = args.includes('pip');
      const result = failing ? spawnSync('false') : spawnSync(cmd, args, { stdio: 'ignore' });
      if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}`);
    };
    expect(() =>
      ensureKerasConverter({ toolsDir: dir, python: () => 'python3', run, log: (l) => lines.push(l) }),
    ).toThrow(
      /Keras converter could not be installed \(.*-m pip install .* exited with 1; .*nothing was kept/,
    );
    expect(lines).toContain('downloading and installing the pinned packages (pip)');
    expect(lines[0]).toMatch(/installing the Keras converter \(tensorflowjs==4\.22\.0, \d+ pinned packages/);
    expect(existsSync(join(dir, 'keras-converter', 'venv'))).toBe(false);
  });
});
