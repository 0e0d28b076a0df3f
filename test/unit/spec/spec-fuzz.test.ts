/**
 * Spec fuzzing, 10⁴ inputs in all: random and mutated YAML/JSON sweep specs (path-traversal ids, huge numbers, deep nesting,
 * wrong types). Each input is either a valid spec whose every key stays inside its sweep's prefix, or an
 * InvalidSpecError whose every issue names a field; nothing else is ever thrown.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  InvalidSpecError,
  parseSweepSpec,
  resolveSweepId,
  validateSweepSpec,
} from '../../../activities/spec/sweep-spec.js';
import { sweepKeys, validateKey } from '../../../activities/store/keys.js';

const BASE = {
  name: 'fuzz',
  id: 'fuzz-1',
  dataset: { uri: 'file:///data/target.safetensors', normalisation: '[0,1]', numClasses: 3 },
  candidates: [
    { id: 'cnn-small', model: 's3://zoo/cnn/model.json', featureLayer: 'features' },
    { id: 'mlp', model: 'https://zoo.example/mlp/model.json' },
  ],
  mode: 'finetune',
  training: { epochs: 2, batchSize: 32, learningRate: 0.001, snapshotEvery: 10 },
  probe: { widths: [16, 8] },
  selection: { interactionModel: 'abs-product', direction: 'calibrate' },
  concurrency: { maxParallel: 4 },
  budget: {
    strategy: 'halving',
    rungs: [0.25, 0.5, 1],
    keepFraction: 0.34,
    stop: { z: 2, maxCandidateEpochs: 10 },
  },
  store: 's3://bucket/ncap',
};

/** Dotted paths of every leaf and container in BASE (where a mutation lands). */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}
const PATHS = paths(BASE);

const nasty = fc.oneof(
  fc.constantFrom(
    '../../etc/passwd',
    '..',
    '.',
    'a/../../b',
    '/abs/olute',
    'C:\\windows',
    '%2e%2e%2f',
    'a\u0000b',
    '\u202eevil',
    'x'.repeat(300),
    '',
    ' ',
    'file:///../../x',
    's3://../..',
    'javascript:alert(1)',
  ),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -1, 0, 1e-320, 3.5, Number.MAX_SAFE_INTEGER),
  fc.constantFrom(true, false, null, [], {}, [[[[[]]]]]),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** An object nested `depth` levels deep. */
const deep = fc.integer({ min: 20, max: 200 }).map((depth) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
});

function mutate(path: (string | number)[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(BASE) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) delete at[last];
  else at[last] = value;
  return copy;
}

const mutated = fc
  .tuple(
    fc.constantFrom(...PATHS),
    fc.oneof(nasty, deep),
    fc.boolean(),
    fc.constantFrom('yaml', 'json', 'object'),
  )
  .map(([path, value, remove, form]) => {
    const spec = mutate(path, value, remove);
    // 'object': what a client hands `validateSweepSpec` directly (the text parsers dominate the time).
    return form === 'object' ? spec : form === 'json' ? JSON.stringify(spec) : stringify(spec);
  });
const randomText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 60 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1, max: 60 }).map((n) => `${'a: '.repeat(n)}1`),
);

/** The keys a sweep of this spec writes, and that none leaves `sweeps/<id>/` (nor a file store's root). */
function expectContained(input: unknown): void {
  const spec = typeof input === 'string' ? parseSweepSpec(input, 'fuzz.yaml') : validateSweepSpec(input);
  const sweepId = resolveSweepId(spec);
  const keys = sweepKeys(sweepId);
  const root = '/srv/ncap-store';
  for (const c of spec.candidates) {
    const k = keys.candidate(c.id);
    for (const key of [k.snapshot(0), `${k.checkpoint(1)}state.json`, k.result, keys.spec, keys.reportJson]) {
      validateKey(key);
      expect(key.startsWith(`sweeps/${sweepId}/`)).toBe(true);
      const rel = relative(root, resolve(root, key));
      expect(rel.startsWith('..') || isAbsolute(rel)).toBe(false);
    }
  }
}

function check(input: unknown): void {
  try {
    expectContained(input);
  } catch (error) {
    if (!(error instanceof InvalidSpecError)) throw error;
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) {
      // Every issue names a field; at the root: not YAML/JSON, not an object, or the unknown fields by name.
      if (issue.path === '')
        expect(issue.message).toMatch(
          /not valid YAML\/JSON|expected object|unknown field\(s\) '|over the spec limit|deeper than/,
        );
      expect(issue.message.length).toBeGreaterThan(0);
    }
  }
}

describe('spec fuzzing', () => {
  it('7,000 mutated specs (YAML, JSON, objects): a valid contained spec or a validation error naming the field', () => {
    fc.assert(fc.property(mutated, check), { numRuns: 7_000, seed: 20261201 });
  });

  it('3,000 random texts (garbage, random JSON, nesting): never a crash', () => {
    fc.assert(fc.property(randomText, check), { numRuns: 3_000, seed: 7 });
  });

  it('very deep nesting (10⁴ levels of YAML flow, 10³ of JSON objects): a validation error, no stack overflow', () => {
    const inputs = [
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      `${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`,
      JSON.stringify(mutate(['training'], JSON.parse(`${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`), false)),
    ];
    for (const text of inputs) expect(() => parseSweepSpec(text)).toThrow(InvalidSpecError);
  });

  it('path-traversal ids are refused naming candidates[i].id or id', () => {
    for (const bad of ['../x', '..', 'a/b', 'a\\b', '/abs', 'x'.repeat(300)]) {
      const cand = mutate(['candidates', 0, 'id'], bad, false);
      expect(() => parseSweepSpec(JSON.stringify(cand))).toThrow(/candidates\[0\]\.id/);
      const top = mutate(['id'], bad, false);
      expect(() => parseSweepSpec(JSON.stringify(top))).toThrow(/\bid\b/);
    }
  });
});
