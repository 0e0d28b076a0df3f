/**
 * The typed search attributes are named once, in workflows/sweep-api.ts. The dev stack derives its list
 * from them; the compose set-up script is shell and cannot import them, so this holds it to the same names
 * and type.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../../scripts/dev/stack.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../../workflows/sweep-api.js';

const SCRIPT = readFileSync(
  new URL('../../../infra/compose/scripts/register-namespace.sh', import.meta.url),
  'utf8',
);
const names = Object.values(SEARCH_ATTRIBUTE_KEYS)
  .map((k) => k.name)
  .sort();

describe('search attributes', () => {
  it('register-namespace.sh registers exactly the workflow’s search attributes, as Keyword', () => {
    const loops = [...SCRIPT.matchAll(/^for name in ([^;]+); do$/gm)];
    expect(loops).toHaveLength(1);
    expect(loops[0]![1]!.trim().split(/\s+/).sort()).toEqual(names);
    expect(SCRIPT).toMatch(/search-attribute create .*--name "\$name" --type Keyword/);
    expect(Object.values(SEARCH_ATTRIBUTE_KEYS).every((k) => k.type === 'KEYWORD')).toBe(true);
  });

  it('the dev stack registers the same ones', () => {
    expect(SEARCH_ATTRIBUTES.map((a) => a.split('=')[0]).sort()).toEqual(names);
    expect(SEARCH_ATTRIBUTES.every((a) => a.endsWith('=Keyword'))).toBe(true);
  });
});
