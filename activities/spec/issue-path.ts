/** How a zod issue reads to a user: the field as written (`probe.widths[1]`) and what to do. */
import type { z } from 'zod';

/** A zod issue path as a user writes the field: `training.batchSize`, `probe.widths[1]`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
    '',
  );
}

/** The issue's field path and message; unknown fields get the fix spelled out. */
export function describeIssue(issue: z.core.$ZodIssue): { path: string; message: string } {
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}: remove them or check the spelling`
      : issue.message;
  return { path: formatIssuePath(issue.path), message };
}
