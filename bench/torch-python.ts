/**
 * Which Python runs bench:train's PyTorch anchor: the first of the candidates that imports `torch`. The
 * defaults are the project venv (a `pip install torch` there), the `python3` on PATH, and Debian's
 * `/usr/bin/python3` (where `apt-get install python3-torch` puts it), so no extra venv is needed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** Pythons tried in order when `--python` names none; relative paths are from the project root. */
export const TORCH_PYTHONS = ['.tools/venv/bin/python', 'python3', '/usr/bin/python3'] as const;

export interface TorchPython {
  /** The interpreter as given (a candidate) */
  python: string;
  /** Its `sys.executable`. */
  executable: string;
  /** `torch.__version__`. */
  version: string;
}

export interface TorchPythonSearch {
  found?: TorchPython;
  /** Each candidate that did not import torch, and why. */
  rejected: { python: string; reason: string }[];
}

const PROBE =
  'import json, sys, torch; print(json.dumps({"executable": sys.executable, "version": torch.__version__}))';

/**
 * Tries each candidate in order (`python -c "import torch"`) and returns the first that works.
 * @param root folder relative candidates are resolved against
 */
export function findTorchPython(
  candidates: readonly string[] = TORCH_PYTHONS,
  root: string = process.cwd(),
): TorchPythonSearch {
  const rejected: TorchPythonSearch['rejected'] = [];
  for (const python of candidates) {
    const path = python.includes('/') && !isAbsolute(python) ? join(root, python) : python;
    if (python.includes('/') && !existsSync(path)) {
      rejected.push({ python, reason: 'not found' });
      continue;
    }
    const run = spawnSync(path, ['-c', PROBE], { encoding: 'utf8', timeout: 120_000 });
    if (run.error || run.status !== 0) {
      const why = (run.stderr || run.error?.message || `exit code ${run.status}`).trim().split('\n').at(-1);
      rejected.push({ python, reason: why ?? 'failed' });
      continue;
    }
    try {
      const probe = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as Omit<TorchPython, 'python'>;
      return { found: { python: path, ...probe }, rejected };
    } catch {
      rejected.push({ python, reason: `unreadable output: ${run.stdout.trim().slice(0, 80)}` });
    }
  }
  return { rejected };
}
