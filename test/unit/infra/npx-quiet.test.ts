/**
 * `npx ncap …` from a user's shell, whose system Node may be older than the Node 24 the project brings
 * (the `node` npm package): npm runs on the system Node, bin/ncap.js moves ncap onto Node 24, and nothing
 * but ncap's own output appears (no EBADENGINE warnings: `engines` states what the host needs).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** PATH as a user's shell has it: without the node_modules/.bin folders npm run and npx put first. */
const userPath = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => dir !== '' && !dir.split(sep).includes('node_modules'))
  .join(delimiter);

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const systemNpx = userPath
  .split(delimiter)
  .map((dir) => join(dir, 'npx'))
  .find(executable);

describe.skipIf(!systemNpx || !existsSync(join(ROOT, 'dist', 'scripts', 'cli.js')))(
  'npx ncap with the system Node',
  () => {
    it('prints only ncap’s help', () => {
      // The user's environment: no npm_* variables a parent `npm run` would pass down.
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
      );
      const systemNode = spawnSync('node', ['--version'], {
        encoding: 'utf8',
        env: { ...env, PATH: userPath },
      });
      const run = spawnSync(systemNpx!, ['ncap', '--help'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...env, PATH: userPath },
        timeout: 60_000,
      });
      expect(run.status, `${run.stderr} (system node ${systemNode.stdout.trim()})`).toBe(0);
      expect(run.stdout).toMatch(/^Usage: ncap /);
      expect(run.stderr).toBe('');
    });
  },
);
