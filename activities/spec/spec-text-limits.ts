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

/**
 * The nesting depth of YAML/JSON `text`, counted without parsing: open flow brackets (outside quoted and
 * plain scalars and comments) plus the block indentation levels open on the line. Stops counting once
 * above `stopAbove`. An over-estimate at worst (a block scalar's indented lines count as levels), never an
 * under-estimate.
 */
export function nestingDepth(text: string, stopAbove = Infinity): number {
  const scan = new DepthScan();
  for (let i = 0; i < text.length; i = scan.step(text, i)) {
    if (scan.max > stopAbove) return scan.max;
  }
  return scan.max;
}

const isBlank = (c: string | undefined): boolean =>
  c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** The scanner's state: flow brackets, the block columns open on the line, and what it is inside. */
class DepthScan {
  max = 0;
  private flow = 0;
  /** Columns of the block collections open on this line: each indentation step and each `- ` opens one. */
  private readonly blocks: number[] = [];
  /** -1: past the line's indentation. */
  private column = 0;
  private quote: '"' | "'" | undefined;
  /** Inside a plain (unquoted) scalar: brackets and quotes there are text. */
  private plain = false;

  /** Reads the character at `i` (and any it consumes with it); returns the next index to read. */
  step(text: string, i: number): number {
    const c = text[i]!;
    if (c === '\n') {
      // A quote left open on its line must not hide the rest of the file; a real multi-line scalar then
      // has its brackets counted: an over-estimate, never an under-estimate.
      this.column = 0;
      this.quote = undefined;
      this.plain = false;
      return i + 1;
    }
    if (this.column >= 0 && !this.quote && this.indentation(text, i)) return i + 1;
    if (this.quote) return this.inQuote(text, i);
    if (this.plain && !this.endsPlain(text, i)) return i + 1;
    return this.token(text, i);
  }

  /** Counts the line's indentation and its `- ` entries; true when `c` was one of them. */
  private indentation(text: string, i: number): boolean {
    const c = text[i]!;
    if (c === ' ') {
      this.column++;
      return true;
    }
    if ((c === '-' || c === '?') && isBlank(text[i + 1])) {
      this.open(this.column);
      this.column++;
      return true;
    }
    if (c !== '#' && c !== '\r') this.open(this.column);
    this.column = -1;
    return false;
  }

  private open(column: number): void {
    while (this.blocks.length > 0 && this.blocks.at(-1)! >= column) this.blocks.pop();
    this.blocks.push(column);
    this.max = Math.max(this.max, this.flow + this.blocks.length);
  }

  private inQuote(text: string, i: number): number {
    const c = text[i]!;
    if (c === '\\' && this.quote === '"') return i + 2;
    if (c === this.quote) this.quote = undefined;
    return i + 1;
  }

  /** A plain scalar ends at `: `, at ` #`, and inside flow brackets at `,`, `]` or `}`. */
  private endsPlain(text: string, i: number): boolean {
    const c = text[i]!;
    const ends =
      (c === ':' && isBlank(text[i + 1])) ||
      (c === '#' && isBlank(text[i - 1])) ||
      (this.flow > 0 && (c === ',' || c === ']' || c === '}'));
    if (ends) this.plain = false;
    return ends;
  }

  /** Outside any scalar: a bracket, a quote, a comment, a node property, or the start of a plain scalar. */
  private token(text: string, i: number): number {
    const c = text[i]!;
    if (c === '[' || c === '{') {
      this.flow++;
      this.max = Math.max(this.max, this.flow + this.blocks.length);
    } else if (c === ']' || c === '}') this.flow = Math.max(0, this.flow - 1);
    else if (c === '"' || c === "'") this.quote = c;
    else if (c === '#' && isBlank(text[i - 1])) {
      const end = text.indexOf('\n', i);
      return end < 0 ? text.length : end;
    } else if (c === '&' || c === '!' || c === '*') {
      // An anchor, tag or alias runs to the next blank; the node after it is read as usual.
      let j = i + 1;
      while (j < text.length && !isBlank(text[j])) j++;
      return j;
    } else if (this.startsPlain(text, i)) this.plain = true;
    return i + 1;
  }

  /** Whether `text[i]` starts a plain scalar: not an indicator where it stands (YAML 1.2, §7.3.3). */
  private startsPlain(text: string, i: number): boolean {
    const c = text[i]!;
    if (isBlank(c)) return false;
    // Inside flow brackets `,` separates and `:` follows a key (JSON's `"a":1`).
    if (this.flow > 0 && (c === ',' || c === ':')) return false;
    // `- `, `? ` and `: ` are indicators; followed by anything else they begin a plain scalar.
    return !((c === '-' || c === '?' || c === ':') && isBlank(text[i + 1]));
  }
}
