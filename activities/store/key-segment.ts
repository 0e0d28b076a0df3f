/**
 * What an id that becomes one storage key segment may look like (sweep and candidate ids): the one
 * definition, shared by the key builders, the spec schema and the sweep workflow. Dependency-free and
 * deterministic, so the workflow sandbox may load it (the only module under activities/ it may).
 */

/** Longest accepted id segment, in characters. S3 keys are limited to 1024 bytes in all. */
export const MAX_SEGMENT_LENGTH = 128;

/** The characters an id may use, as written in error messages. */
export const SEGMENT_CHARACTERS = 'letters, digits and . _ - = + @';

const SEGMENT_CLASS = 'A-Za-z0-9._=+@-';

/** A whole id: starts with a letter or digit, then letters, digits and `. _ - = + @`. */
export const SEGMENT_PATTERN = new RegExp(`^[A-Za-z0-9][${SEGMENT_CLASS}]*$`);

/**
 * Maps any text (e.g. a schedule-made workflow ID, which carries `:`) to a valid segment: every other
 * character becomes `-`, runs of dots collapse, leading non-alphanumerics go, at most
 * {@link MAX_SEGMENT_LENGTH} characters; `fallback` when nothing is left.
 */
export function toSegment(text: string, fallback: string): string {
  const mapped = text
    .replace(new RegExp(`[^${SEGMENT_CLASS}]`, 'g'), '-')
    .replace(/\.\.+/g, '.')
    .replace(/^[^A-Za-z0-9]+/, '');
  return (mapped || fallback).slice(0, MAX_SEGMENT_LENGTH);
}
