/**
 * A lenient reading of the diff part of a model's reply: which lines are file headers, which are
 * hunks, and what each hunk line says. Unlike parse.ts (which keeps a diff byte-exact for the
 * no-file-content path), this reader never trusts header counts and accepts what models write:
 * bare or placeholder `@@` lines, context lines that lost their leading space, stray lines
 * between files. Deciding what those mean needs the base file and happens later.
 */
import { isExtendedHeader, parseRange, TextLines, type HunkRange } from '../parse.js';

/** A line of the diff without its '\n'; `cr` says whether it ended in '\r' (removed from text). */
export interface DiffLine {
  text: string;
  cr: boolean;
}

export type BodyKind = 'context' | 'removed' | 'added' | 'marker';

export interface BodyLine {
  kind: BodyKind;
  /** The line's content without its marker character (the whole line when unmarked). */
  text: string;
  /** Index of the line in ReplyDiff.lines. */
  index: number;
  /** A context line written without its leading space (blank, or text starting in column 0). */
  unmarked: boolean;
}

export interface ReplyHunk {
  /** 1-based position among the file's hunks as the model wrote them. */
  ordinal: number;
  /** Index of the `@@` line. */
  header: number;
  /** null when the `@@` line does not carry `-a[,b] +c[,d]` (bare, `...`, `-XXX`). */
  range: HunkRange | null;
  /** Text after the closing `@@` (a function name), kept verbatim. */
  section: string;
  body: BodyLine[];
  /**
   * Lines without a marker right after the body, up to the next header: context lines that lost
   * their space (the file decides), or prose and separators.
   */
  trailing: number[];
}

export interface ReplyFile {
  /** Index of the first header line. */
  start: number;
  git: number | null;
  minus: number | null;
  plus: number | null;
  /** Extended header lines (mode, index, rename, similarity, binary markers), in order. */
  extended: number[];
  hunks: ReplyHunk[];
}

export interface ReplyDiff {
  /**
   * Every line of the diff. A hunk's lines (its body and the unmarked lines after it) are made only
   * while its file is repaired (materializeHunks): a large reply never holds an object per line at
   * once. Until then such a line reads as UNREAD, which throws when read.
   */
  lines: DiffLine[];
  finalNewline: boolean;
  files: ReplyFile[];
  /** Hunks before any file header: nothing says which file they change. */
  orphanHunks: ReplyHunk[];
  /** Lines that belong to no file header and no hunk (prose, separators), by index. */
  stray: number[];
  /** How many lines ended in '\r'. */
  crLines: number;
  /**
   * The most context lines any file's hunk shows before its first change or after its last (only
   * hunks with a change count; markers are not lines of the file), or 0.
   */
  widestContext: number;
  /** Per file: it has hunks, and all their lines are added lines, markers or blank unmarked lines. */
  pure: Map<ReplyFile, boolean>;
  /** Where the lines of hunks not yet materialized are read from. */
  table: LineTable;
}

/**
 * The diff's lines as offsets into its text: each line's string is made only when asked, so
 * finding a large reply's files and hunks allocates nothing that stays. A line's '\r' is no part
 * of its text (cr says whether it had one).
 */
export class LineTable {
  readonly count: number;
  readonly text: string;
  private readonly lines: TextLines;

  /** `lines`: the same text's lines already read, '\r' dropped (extraction's, when the diff is the whole reply). */
  constructor(text: string, lines?: TextLines) {
    this.lines = lines !== undefined && lines.text === text && lines.dropsCr ? lines : new TextLines(text, true);
    this.text = text;
    this.count = this.lines.length;
  }

  cr(i: number): boolean {
    return this.lines.droppedCr(i);
  }

  /** Offset of the line's first character in `text`. */
  start(i: number): number {
    return this.lines.start(i);
  }

  /** Offset one past the line's text (its '\r' left out). */
  end(i: number): number {
    return this.lines.end(i);
  }

  /** The line without its '\n' and '\r'. */
  lineText(i: number): string {
    return this.text.slice(this.lines.start(i), this.lines.end(i));
  }

  line(i: number): DiffLine {
    return { text: this.lineText(i), cr: this.cr(i) };
  }

  /** Whether the line's text starts with `prefix` (which holds no '\r' or '\n'). */
  startsWith(i: number, prefix: string): boolean {
    return this.lines.startsWith(i, prefix);
  }

  /** The line's first character's code, or -1 for an empty line. */
  first(i: number): number {
    const at = this.lines.start(i);
    return at < this.lines.end(i) ? this.text.charCodeAt(at) : -1;
  }
}

/** Stands for a hunk line not materialized (or released): reading it is a bug in the engine, never a guess. */
export const UNREAD: DiffLine = Object.freeze(
  Object.defineProperties({} as DiffLine, {
    text: {
      get(): never {
        throw new Error('the repair engine read a line of a hunk that was not materialized');
      },
    },
    cr: {
      get(): never {
        throw new Error('the repair engine read a line of a hunk that was not materialized');
      },
    },
  }),
);

const GIT = 'diff --git ';
const HUNK = '@@';

function isFilePair(t: LineTable, i: number): boolean {
  return t.startsWith(i, '--- ') && t.startsWith(i + 1, '+++ ');
}

/** A `---`/`+++` pair that starts the next file rather than a removed line reading "-- x". */
function startsNextFile(t: LineTable, i: number): boolean {
  if (!isFilePair(t, i)) return false;
  return i + 2 >= t.count || t.startsWith(i + 2, HUNK) || t.startsWith(i + 2, GIT) || isFilePair(t, i + 2);
}

/**
 * The diff's files and hunks, found in one pass over its lines. The lines of hunks are not
 * materialized: materializeHunks makes them (and the hunks' bodies) for the hunks of one file.
 */
export function readReplyDiff(text: string, read?: TextLines): ReplyDiff {
  const table = new LineTable(text, read);
  const finalNewline = text.endsWith('\n');
  // Made at its full size at once: grown line by line, a large reply's array is copied over and over.
  const lines: DiffLine[] = new Array<DiffLine>(table.count).fill(UNREAD);
  const files: ReplyFile[] = [];
  const orphanHunks: ReplyHunk[] = [];
  const stray: number[] = [];
  const pure = new Map<ReplyFile, boolean>();
  let widest = 0;
  let crLines = 0;
  for (let i = 0; i < table.count; i++) if (table.cr(i)) crLines++;
  const take = (i: number): string => {
    const line = table.line(i);
    lines[i] = line;
    return line.text;
  };
  let cur: ReplyFile | null = null;
  /** Mode/index lines after a file's hunks: they open the next file when a `---` line follows. */
  let pending: number[] = [];
  const open = (start: number): ReplyFile => {
    const f: ReplyFile = { start, git: null, minus: null, plus: null, extended: [], hunks: [] };
    files.push(f);
    pure.set(f, false);
    return f;
  };
  let i = 0;
  while (i < table.count) {
    if (table.startsWith(i, GIT)) {
      take(i);
      stray.push(...pending);
      pending = [];
      cur = open(i);
      cur.git = i;
      i++;
    } else if (isFilePair(table, i)) {
      take(i);
      take(i + 1);
      // Outside a hunk body, `---` followed by `+++` is always a file header.
      if (cur === null || cur.git === null || cur.minus !== null || cur.hunks.length > 0) {
        cur = open(pending[0] ?? i);
        cur.extended.push(...pending);
        pending = [];
      }
      cur.minus = i;
      cur.plus = i + 1;
      i += 2;
    } else if (table.startsWith(i, HUNK)) {
      take(i);
      const found = readHunk(table, i, null);
      const { range, section } = parseHeader(table.lineText(i));
      const hunk: ReplyHunk = { ordinal: (cur?.hunks.length ?? orphanHunks.length) + 1, header: i, range, section, body: [], trailing: found.trailing };
      if (cur === null) orphanHunks.push(hunk);
      else {
        pure.set(cur, (cur.hunks.length === 0 || pure.get(cur) === true) && found.pure);
        cur.hunks.push(hunk);
        widest = Math.max(widest, found.context);
      }
      stray.push(...pending);
      pending = [];
      i = found.end > i + 1 ? found.end : i + 1;
      i = Math.max(i, hunk.trailing.length > 0 ? (hunk.trailing[hunk.trailing.length - 1] as number) + 1 : i);
    } else if (isExtendedHeader(take(i))) {
      if (cur !== null && cur.hunks.length === 0 && cur.minus === null) cur.extended.push(i);
      else pending.push(i);
      i++;
    } else {
      stray.push(...pending, i);
      pending = [];
      i++;
    }
  }
  stray.push(...pending);
  stray.sort((a, b) => a - b);
  return { lines, finalNewline, files, orphanHunks, stray, crLines, widestContext: widest, pure, table };
}

/** Makes the lines and bodies of `hunks` (read by readReplyDiff) for their file's repair. */
export function materializeHunks(diff: ReplyDiff, hunks: readonly ReplyHunk[]): void {
  for (const h of hunks) h.body = readHunk(diff.table, h.header, diff.lines).body;
}

/**
 * Lets go of the bodies of a repaired file's hunks: no other file's repair reads them. The lines
 * after each body (trailing) stay: those not taken as context are moved to the notes at the end.
 */
export function releaseHunks(diff: ReplyDiff, hunks: readonly ReplyHunk[]): void {
  for (const h of hunks) {
    for (const b of h.body) diff.lines[b.index] = UNREAD;
    h.body = [];
  }
}

/**
 * A hunk's body runs until the next header. Lines without a marker are kept only when more marked
 * lines follow them (a context line that lost its space); at the end they are reported apart,
 * since they may as well be prose, so the engine can check them against the file.
 *
 * With `lines`, the body's lines and the trailing ones are made into `lines` and the body is
 * built; without, only where it ends and its shape are found (for readReplyDiff).
 */
function readHunk(t: LineTable, header: number, lines: DiffLine[] | null): { body: BodyLine[]; trailing: number[]; end: number; pure: boolean; context: number } {
  const body: BodyLine[] = [];
  let pending: number[] = [];
  let end = header + 1;
  // The shape, as widestContext and the pure test read a built body.
  let pure = true;
  let count = 0;
  let firstChange = -1;
  let lastChange = -1;
  // `text` is read only when the body is built ('' otherwise: nothing is made for a line then).
  const add = (kind: BodyKind, index: number, unmarked: boolean, text: string): void => {
    if (lines !== null) body.push({ kind, text, index, unmarked });
    if (!(kind === 'added' || kind === 'marker' || (unmarked && t.first(index) === -1))) pure = false;
    if (kind === 'marker') return;
    if (kind !== 'context') {
      if (firstChange < 0) firstChange = count;
      lastChange = count;
    }
    count++;
  };
  let i = header + 1;
  for (; i < t.count; i++) {
    if (t.startsWith(i, HUNK) || t.startsWith(i, GIT) || startsNextFile(t, i)) break;
    const c = t.first(i);
    if (c === 32 || c === 45 || c === 43 || c === 92) {
      for (const p of pending) add('context', p, true, lines === null ? '' : (lines[p] as DiffLine).text);
      pending = [];
      const kind: BodyKind = c === 32 ? 'context' : c === 45 ? 'removed' : c === 43 ? 'added' : 'marker';
      let text = '';
      if (lines !== null) {
        const line = t.line(i);
        lines[i] = line;
        text = line.text.slice(1);
      }
      add(kind, i, false, text);
      end = i + 1;
    } else {
      const text = t.lineText(i);
      // Extended header lines after a hunk belong to the next file, not to this hunk.
      if (isExtendedHeader(text) && pending.length === 0) break;
      if (lines !== null) lines[i] = { text, cr: t.cr(i) };
      pending.push(i);
    }
  }
  const trailing = pending;
  const context = firstChange < 0 ? 0 : Math.max(firstChange, count - 1 - lastChange);
  return { body, trailing, end, pure, context };
}

/** `@@ -a,b +c,d @@ section`, or a placeholder whose section is whatever follows its second `@@`. */
function parseHeader(text: string): { range: HunkRange | null; section: string } {
  const strict = parseRange(text);
  if (strict.range) return strict;
  const m = /^@@.*?@@(.*)$/.exec(text);
  return { range: null, section: m ? (m[1] as string) : '' };
}
