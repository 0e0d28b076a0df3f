/** Runs the `ncap` CLI in this process, as `bin/ncap.js` would, capturing what it prints. */
import { vi } from 'vitest';
import { main } from '../../scripts/cli.js';

/** Runs the CLI in process; returns its exit code and what it wrote. */
export async function ncap(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const err = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  const errWrite = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'ncap', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.exitCode = previous;
    out.mockRestore();
    log.mockRestore();
    err.mockRestore();
    errWrite.mockRestore();
  }
}
