/**
 * The typed search attributes are named once, in workflows/sweep-api.ts. The dev stack derives its list
 * from them; the compose set-up script is shell and cannot import them, so this holds it to the same names
 * and types.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES, TEMPORAL_CLI_TYPE_NAMES } from '../../../scripts/dev/stack.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../../workflows/sweep-api.js';

const SCRIPT = readFileSync(
  new URL('../../../infra/compose/scripts/register-namespace.sh', import.meta.url),
  'utf8',
);
/** `Name:CliType` of every key, as the script and the dev stack must register them. */
const expected = Object.values(SEARCH_ATTRIBUTE_KEYS)
  .map((k) => `${k.name}:${TEMPORAL_CLI_TYPE_NAMES[k.type as keyof typeof TEMPORAL_CLI_TYPE_NAMES]}`)
  .sort();

describe('search attributes', () => {
  it('register-namespace.sh registers exactly the workflow’s search attributes, each with its type', () => {
    const loops = [...SCRIPT.matchAll(/^for entry in ([^;]+); do$/gm)];
    expect(loops).toHaveLength(1);
    expect(loops[0]![1]!.trim().split(/\s+/).sort()).toEqual(expected);
    expect(SCRIPT).toMatch(/search-attribute create .*--name "\$name" --type "\$type"/);
    expect(expected).toContain('NcapWinnerProbability:Double');
  });

  it('the dev stack registers the same ones', () => {
    expect(SEARCH_ATTRIBUTES.map((a) => a.replace('=', ':')).sort()).toEqual(expected);
  });
});
