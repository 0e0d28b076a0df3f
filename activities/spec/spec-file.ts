/**
 * Reading a spec file's text: its size is checked before a byte is read (and its nesting before it is
 * parsed, by `parseSpecYaml`), so every command that takes a spec file refuses the same files.
 */
import { open } from 'node:fs/promises';
import { SPEC_TEXT_LIMITS, sizeProblem } from './spec-text-limits.js';
import { InvalidSpecError } from './sweep-spec.js';

/** The spec file could not be read (missing, unreadable): not a problem of its content. */
export class SpecFileReadError extends Error {
  override name = 'SpecFileReadError';
  readonly nonRetryable = true;
}

/**
 * The text of the spec file at `path`. @throws InvalidSpecError above {@link SPEC_TEXT_LIMITS}.bytes
 * (without reading it); SpecFileReadError when it cannot be read.
 */
export async function readSpecText(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new SpecFileReadError(`cannot read spec file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const { size } = await handle.stat();
    if (size > SPEC_TEXT_LIMITS.bytes)
      throw new InvalidSpecError([{ path: '', message: sizeProblem(size, path) }]);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
