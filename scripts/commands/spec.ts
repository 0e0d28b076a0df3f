/** `ncap spec schema`: the sweep spec's JSON Schema, for editors and other tools. */
import type { Command } from 'commander';
import { sweepSpecJsonSchema } from '../../activities/spec/spec-json-schema.js';
import { printJson } from './context.js';

export function registerSpecCommands(program: Command): void {
  const spec = program.command('spec').description('The sweep spec format');
  spec
    .command('schema')
    .description(
      'Print the spec’s JSON Schema (draft 2020-12) for input: fields with defaults are optional; point an editor at it for completion (docs/spec.md)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  ncap spec schema > sweep-spec.schema.json\n  # then, first line of a spec: # yaml-language-server: $schema=./sweep-spec.schema.json',
    )
    .action(() => {
      printJson(sweepSpecJsonSchema());
    });
}
