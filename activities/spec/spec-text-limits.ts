/**
 * Limits on a spec file's text, checked before it is parsed: a YAML/JSON parser spends time and memory
 * super-linear in nesting (a 5 MB run of `[` took 18 s and 2.9 GB), so an oversized or deeply nested
 * text is refused by a linear scan that allocates nothing.
 */

export const SPEC_TEXT_LIMITS = {
  /** Largest spec file, bytes (UTF-8). A 1,000-candidate spec is about 200 kB. */
  bytes: 1_000_000,
  /** Deepest nesting of YAML/JSON collections (flow brackets plus block indentation levels). */
  depth: 64,
} as const;

/** Which limit a text broke, and the message that names it and the fix; undefined when within both. */
export function specTextLimitProblem(text: string, source: string): string | undefined {
  // A UTF-8 byte is at most one UTF-16 unit, so a text this short cannot be too large: no encoding needed.
  const bytes = text.length > SPEC_TEXT_LIMITS.bytes ? Buffer.byteLength(text, 'utf8') : text.length;
  if (bytes > SPEC_TEXT_LIMITS.bytes) return sizeProblem(bytes, source);
  const depth = nestingDepth(text, SPEC_TEXT_LIMITS.depth);
  if (depth > SPEC_TEXT_LIMITS.depth) {
    return `${source} nests deeper than ${SPEC_TEXT_LIMITS.depth} levels (the spec limit); a sweep spec needs fewer than 10: check the file is the spec you meant`;
  }
  return undefined;
}

/** The message for a spec file of `bytes` bytes, over the size limit. */
export function sizeProblem(bytes: number, source: string): string {
  return `${source} is ${bytes.toLocaleString('en')} bytes, over the spec limit of ${SPEC_TEXT_LIMITS.bytes.toLocaleString('en')} bytes; a sweep spec is a few kB: check the file is the spec you meant`;
}

/** Characters after which a quote or bracket starts a quoted scalar or a flow collection (YAML and JSON). */
const SCALAR_START = ' \t\n:[{,-';

/**
 * The nesting depth of YAML/JSON `text`, counted without parsing: open flow brackets (outside quotes
 * and comments) plus the block indentation levels open on the line. Stops counting once above `stopAbove`.
 * An over-estimate at worst (a block scalar's indented lines count as levels), never an under-estimate.
 */
export function nestingDepth(text: string, stopAbove = Infinity): number {
  // Columns of the block collections open on this line: each indentation step and each `- ` opens one.
  const blocks: number[] = [];
  const open = (column: number): void => {
    while (blocks.length > 0 && blocks.at(-1)! >= column) blocks.pop();
    blocks.push(column);
  };
  let flow = 0;
  let max = 0;
  let quote: '"' | "'" | undefined;
  let column = -1; // -1: past the line's indentation
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      column = 0;
      if (quote === "'") quote = undefined;
      continue;
    }
    if (i === 0) column = 0;
    if (column >= 0 && !quote) {
      if (c === ' ') {
        column++;
        continue;
      }
      const next = text[i + 1];
      if (c === '-' && (next === ' ' || next === '\n' || next === undefined)) {
        if (flow === 0) open(column);
        column++;
        continue;
      }
      if (c !== '#' && c !== '\r' && flow === 0) open(column);
      column = -1;
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    const prev = i > 0 ? text[i - 1]! : '\n';
    // Quotes and brackets open something only where a scalar starts; inside a plain scalar they are text.
    if ((c === '"' || c === "'") && SCALAR_START.includes(prev)) quote = c;
    else if (c === '#' && (prev === ' ' || prev === '\t' || prev === '\n')) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if ((c === '[' || c === '{') && SCALAR_START.includes(prev)) flow++;
    else if (c === ']' || c === '}') flow = Math.max(0, flow - 1);
    max = Math.max(max, flow + blocks.length);
    if (max > stopAbove) return max;
  }
  return max;
}
