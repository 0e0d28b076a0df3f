/**
 * The sweep spec's JSON Schema for input — what a user may write in a spec file — derived from the zod schema
 * (one source), for editor completion and validation (`ncap spec schema`).
 */
import { z } from 'zod';
import { sweepSpecSchema } from './sweep-spec.js';
import { LOCATION_PATTERN } from './training-schema.js';

const LOCATION_DESCRIPTION =
  'A path (relative to the spec file’s folder, or absolute) or a file://, s3:// or http(s):// URI';

/**
 * The spec's JSON Schema (draft 2020-12) for input: every defaulted field optional, `budget` too (the
 * preprocess fills it per `defaultBudgetStrategy`), and locations accept paths as a spec file may hold them
 * (the CLI resolves them against the file's folder before validating).
 */
export function sweepSpecJsonSchema(): Record<string, unknown> {
  const objectSchema = sweepSpecSchema.out;
  const schema = z.toJSONSchema(objectSchema, {
    io: 'input',
    // Refinements (duplicate ids, rung checks) have no JSON Schema form; the CLI still runs them.
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === objectSchema && Array.isArray(jsonSchema.required))
        jsonSchema.required = jsonSchema.required.filter((key) => key !== 'budget');
      if (jsonSchema.pattern === LOCATION_PATTERN.source) {
        delete jsonSchema.pattern;
        jsonSchema.minLength = 1;
        jsonSchema.description = LOCATION_DESCRIPTION;
      }
    },
  }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'ncap sweep spec',
    description:
      'A sweep over a model zoo: the dataset, the candidates, and how training is spent and scored. Fields with defaults may be left out.',
    ...schema,
  };
}
