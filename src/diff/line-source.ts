/** A diff's lines, as a string array or as offsets into its text: what the parser's scanners read. */

export function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: false };
  const finalNewline = text.endsWith('\n');
  return { lines: (finalNewline ? text.slice(0, -1) : text).split('\n'), finalNewline };
}

/**
 * The lines of a diff as the scanners here read them: from an array of line strings (parseDiff,
 * which hands its lines out), or from offsets into the text (TextLines), where a line's string is
 * made only when asked. Scanning a large patch then allocates nothing per body line.
 */
export interface LineSource {
  readonly length: number;
  /** Line i without its '\n' (undefined past the end). */
  at(i: number): string | undefined;
  /** Line i's first character's code; NaN for an empty line or past the end. */
  first(i: number): number;
  /** Whether line i exists and starts with `prefix` (which holds no '\n'). */
  startsWith(i: number, prefix: string): boolean;
  /** Whether line i exists and is empty. */
  empty(i: number): boolean;
}

export class ArrayLines implements LineSource {
  readonly length: number;
  constructor(private readonly lines: readonly string[]) {
    this.length = lines.length;
  }
  at(i: number): string | undefined {
    return this.lines[i];
  }
  first(i: number): number {
    const line = this.lines[i];
    return line === undefined ? NaN : line.charCodeAt(0);
  }
  startsWith(i: number, prefix: string): boolean {
    return this.lines[i]?.startsWith(prefix) ?? false;
  }
  empty(i: number): boolean {
    return this.lines[i] === '';
  }
}

function grown(table: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(table.length * 2);
  bigger.set(table);
  return bigger;
}

/**
 * The lines splitLines would give for `text`, as offsets. With `dropsCr`, a line's one final '\r'
 * is no part of it (the lines a reply is classified by when its line endings are kept).
 */
export class TextLines implements LineSource {
  readonly length: number;
  /** starts[i]: offset of line i; starts[length]: one past the last line's end (where its '\n' is or would be). */
  private readonly starts: Uint32Array;
  constructor(
    readonly text: string,
    /** Whether a line's final '\r' is left out of it. */
    readonly dropsCr = false,
  ) {
    // One pass over the text, the table grown as lines are found (a guess of 32 characters a line first).
    let starts: Uint32Array = new Uint32Array((text.length >>> 5) + 2);
    let count = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
      if (++count + 1 > starts.length) starts = grown(starts);
      starts[count] = at + 1;
    }
    if (text !== '' && !text.endsWith('\n')) {
      if (++count + 1 > starts.length) starts = grown(starts);
      starts[count] = text.length + 1;
    }
    this.length = count;
    this.starts = starts;
  }
  /** Whether line i's text (as `at` gives it) ended in '\r' that dropsCr left out. */
  droppedCr(i: number): boolean {
    return this.end(i) !== (this.starts[i + 1] as number) - 1;
  }
  /** Offset of line i's first character. */
  start(i: number): number {
    return this.starts[i] as number;
  }
  /** Offset one past line i's text ('\r' excluded with dropsCr). */
  end(i: number): number {
    const end = (this.starts[i + 1] as number) - 1;
    return this.dropsCr && end > (this.starts[i] as number) && this.text.charCodeAt(end - 1) === 13 ? end - 1 : end;
  }
  at(i: number): string | undefined {
    return i >= 0 && i < this.length ? this.text.slice(this.starts[i], this.end(i)) : undefined;
  }
  first(i: number): number {
    if (!(i >= 0 && i < this.length)) return NaN;
    const at = this.starts[i] as number;
    return at < this.end(i) ? this.text.charCodeAt(at) : NaN;
  }
  startsWith(i: number, prefix: string): boolean {
    return i >= 0 && i < this.length && (this.starts[i] as number) + prefix.length <= this.end(i) && this.text.startsWith(prefix, this.starts[i]);
  }
  empty(i: number): boolean {
    return i >= 0 && i < this.length && (this.starts[i] as number) === this.end(i);
  }
}
