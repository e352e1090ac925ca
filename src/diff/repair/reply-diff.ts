/**
 * A lenient reading of the diff part of a model's reply: which lines are file headers, which are
 * hunks, and what each hunk line says. Unlike parse.ts (which keeps a diff byte-exact for the
 * no-file-content path), this reader never trusts header counts and accepts what models write:
 * bare or placeholder `@@` lines, context lines that lost their leading space, stray lines
 * between files. Deciding what those mean needs the base file and happens later.
 */
import { isExtendedHeader, parseRange, type HunkRange } from '../parse.js';

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
  lines: DiffLine[];
  finalNewline: boolean;
  files: ReplyFile[];
  /** Hunks before any file header: nothing says which file they change. */
  orphanHunks: ReplyHunk[];
  /** Lines that belong to no file header and no hunk (prose, separators), by index. */
  stray: number[];
}

export function toDiffLines(text: string): { lines: DiffLine[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: false };
  const finalNewline = text.endsWith('\n');
  const raw = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines: raw.map((l) => (l.endsWith('\r') ? { text: l.slice(0, -1), cr: true } : { text: l, cr: false })), finalNewline };
}

const isGitLine = (t: string): boolean => t.startsWith('diff --git ');
const isHunkLine = (t: string): boolean => t.startsWith('@@');

function isFilePair(lines: readonly DiffLine[], i: number): boolean {
  return (lines[i]?.text.startsWith('--- ') ?? false) && (lines[i + 1]?.text.startsWith('+++ ') ?? false);
}

/** A `---`/`+++` pair that starts the next file rather than a removed line reading "-- x". */
function startsNextFile(lines: readonly DiffLine[], i: number): boolean {
  if (!isFilePair(lines, i)) return false;
  const after = lines[i + 2]?.text;
  return after === undefined || isHunkLine(after) || isGitLine(after) || isFilePair(lines, i + 2);
}

export function readReplyDiff(text: string): ReplyDiff {
  const { lines, finalNewline } = toDiffLines(text);
  const files: ReplyFile[] = [];
  const orphanHunks: ReplyHunk[] = [];
  const stray: number[] = [];
  let cur: ReplyFile | null = null;
  /** Mode/index lines after a file's hunks: they open the next file when a `---` line follows. */
  let pending: number[] = [];
  const open = (start: number): ReplyFile => {
    const f: ReplyFile = { start, git: null, minus: null, plus: null, extended: [], hunks: [] };
    files.push(f);
    return f;
  };
  let i = 0;
  while (i < lines.length) {
    const t = (lines[i] as DiffLine).text;
    if (isGitLine(t)) {
      stray.push(...pending);
      pending = [];
      cur = open(i);
      cur.git = i;
      i++;
    } else if (isFilePair(lines, i)) {
      // Outside a hunk body, `---` followed by `+++` is always a file header.
      if (cur === null || cur.git === null || cur.minus !== null || cur.hunks.length > 0) {
        cur = open(pending[0] ?? i);
        cur.extended.push(...pending);
        pending = [];
      }
      cur.minus = i;
      cur.plus = i + 1;
      i += 2;
    } else if (isHunkLine(t)) {
      const hunk = readHunk(lines, i, (cur?.hunks.length ?? orphanHunks.length) + 1);
      (cur === null ? orphanHunks : cur.hunks).push(hunk);
      stray.push(...pending);
      pending = [];
      i = hunk.body.length > 0 ? (hunk.body[hunk.body.length - 1] as BodyLine).index + 1 : i + 1;
      i = Math.max(i, hunk.trailing.length > 0 ? (hunk.trailing[hunk.trailing.length - 1] as number) + 1 : i);
    } else if (isExtendedHeader(t)) {
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
  return { lines, finalNewline, files, orphanHunks, stray };
}

/**
 * A hunk's body runs until the next header. Lines without a marker are kept only when more marked
 * lines follow them (a context line that lost its space); at the end they are reported apart,
 * since they may as well be prose, so the engine can check them against the file.
 */
function readHunk(lines: readonly DiffLine[], header: number, ordinal: number): ReplyHunk {
  const headerText = (lines[header] as DiffLine).text;
  const { range, section } = parseHeader(headerText);
  const body: BodyLine[] = [];
  let pending: number[] = [];
  let i = header + 1;
  for (; i < lines.length; i++) {
    const t = (lines[i] as DiffLine).text;
    if (isHunkLine(t) || isGitLine(t) || startsNextFile(lines, i)) break;
    const c = t[0];
    if (c === ' ' || c === '-' || c === '+' || c === '\\') {
      for (const p of pending) body.push({ kind: 'context', text: (lines[p] as DiffLine).text, index: p, unmarked: true });
      pending = [];
      const kind: BodyKind = c === ' ' ? 'context' : c === '-' ? 'removed' : c === '+' ? 'added' : 'marker';
      body.push({ kind, text: t.slice(1), index: i, unmarked: false });
    } else {
      // Extended header lines after a hunk belong to the next file, not to this hunk.
      if (isExtendedHeader(t) && pending.length === 0) break;
      pending.push(i);
    }
  }
  const trailing = pending;
  return { ordinal, header, range, section, body, trailing };
}

/** `@@ -a,b +c,d @@ section`, or a placeholder whose section is whatever follows its second `@@`. */
function parseHeader(text: string): { range: HunkRange | null; section: string } {
  const strict = parseRange(text);
  if (strict.range) return strict;
  const m = /^@@.*?@@(.*)$/.exec(text);
  return { range: null, section: m ? (m[1] as string) : '' };
}
