/**
 * The spec's JSON Schema for input (`ncap spec schema`): every spec written in the README and docs/*.md is
 * accepted by the zod schema and fits the JSON Schema's structure — `required` lists, closed objects, enums,
 * consts, types — checked by a small walker here (no JSON Schema validator is a dependency of the project).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { sweepSpecJsonSchema } from '../../../activities/spec/spec-json-schema.js';
import { parseSpecText } from '../../../scripts/sweeps/spec-file.js';

const root = join(import.meta.dirname, '..', '..', '..');
const documents = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => join('docs', f))].filter((f) =>
  f.endsWith('.md'),
);

/** Every ```yaml block of a document whose top level holds `dataset` and `candidates` (a whole spec). */
function specBlocks(file: string): { where: string; text: string }[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)].flatMap((m) => {
    const parsed: unknown = parseYaml(m[1]!);
    const isSpec =
      typeof parsed === 'object' && parsed !== null && 'dataset' in parsed && 'candidates' in parsed;
    const line = text.slice(0, m.index).split('\n').length;
    return isSpec ? [{ where: `${file}:${line}`, text: m[1]! }] : [];
  });
}

interface Schema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  pattern?: string;
}

const typeOf = (v: unknown): string =>
  Array.isArray(v) ? 'array' : v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v;

/** The structural part of JSON Schema validation: what a spec's shape must satisfy; problems as `path: what`. */
function check(schema: Schema, value: unknown, path = ''): string[] {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches)
    return branches.some((b) => check(b, value, path).length === 0) ? [] : [`${path}: fits no branch`];
  const type = typeOf(value);
  if (schema.type && schema.type !== type && !(schema.type === 'number' && type === 'integer'))
    return [`${path}: is ${type}, not ${schema.type}`];
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${String(value)} not in the enum`];
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value))
    return [`${path}: ${value} does not match ${schema.pattern}`];
  if ('const' in schema && schema.const !== value) return [`${path}: is not ${String(schema.const)}`];
  if (type === 'array') {
    const items = value as unknown[];
    const short = schema.minItems !== undefined && items.length < schema.minItems ? [`${path}: too few`] : [];
    return [
      ...short,
      ...items.flatMap((v, i) => (schema.items ? check(schema.items, v, `${path}/${i}`) : [])),
    ];
  }
  if (type !== 'object' || !schema.properties) return [];
  const record = value as Record<string, unknown>;
  const missing = (schema.required ?? []).filter((k) => !(k in record)).map((k) => `${path}/${k}: required`);
  const fields = Object.entries(record).flatMap(([k, v]) => {
    const property = schema.properties![k];
    if (property) return check(property, v, `${path}/${k}`);
    return schema.additionalProperties === false ? [`${path}/${k}: not allowed`] : [];
  });
  return [...missing, ...fields];
}

const jsonSchema = sweepSpecJsonSchema() as Schema;
const validate = (value: unknown): string[] => check(jsonSchema, value);

describe('ncap spec schema', () => {
  const specs = documents.flatMap(specBlocks);

  it('finds the specs written in the README and docs', () => {
    expect(specs.map((s) => s.where.split(':')[0])).toEqual(
      expect.arrayContaining(['README.md', 'docs/spec.md']),
    );
  });

  it.each(specs.map((s) => [s.where, s.text] as const))(
    '%s validates against the schema and the zod schema',
    (where, text) => {
      expect(validate(parseYaml(text)), where).toEqual([]);
      expect(() => parseSpecText(text, where, root)).not.toThrow();
    },
  );

  it('leaves budget and every defaulted field optional: a spec of only dataset and candidates is valid', () => {
    const minimal = { dataset: { uri: './data' }, candidates: [{ id: 'a', model: './zoo/a/model.json' }] };
    expect(validate(minimal)).toEqual([]);
    expect(sweepSpecJsonSchema().required).toEqual(['dataset', 'candidates']);
  });

  it('rejects unknown fields, a wrong enum and a missing required field, as the zod schema does', () => {
    const good = { dataset: { uri: 'file:///d' }, candidates: [{ id: 'a', model: 'file:///a/model.json' }] };
    const bad = [
      { ...good, epochs: 3 },
      { ...good, budget: { strategy: 'sometimes' } },
      { ...good, selection: { rule: 'coin-flip' } },
      { candidates: good.candidates },
      { ...good, candidates: [] },
    ];
    for (const spec of bad) {
      expect(validate(spec), JSON.stringify(spec)).not.toEqual([]);
      expect(() => parseSpecText(JSON.stringify(spec), 'spec', root)).toThrow();
    }
  });
});
