/**
 * A placed hunk as a list of operations on the base file. Context and removed lines point at
 * file lines (their text is always taken from the file); added lines carry the model's text.
 */
import type { BaseFile } from './base-file.js';
import type { BodyLine, DiffLine, ReplyHunk } from './reply-diff.js';

export type OldOp = {
  kind: 'context' | 'removed';
  /** 0-based line of the base file. */
  line: number;
  /** The model's line this stands for; null for a line the engine restored from the file. */
  from: BodyLine | null;
  /** Emit `\ No newline at end of file` after this line. */
  noEol: boolean;
};

export type AddOp = {
  kind: 'added';
  /** The model's text, without '\r' and without the line ending the file will give it. */
  text: string;
  from: BodyLine | null;
  noEol: boolean;
  /** A line the engine adds back from the file (from is null): whether the file's line ends in '\r'. */
  fileCr?: boolean;
};

export type Op = OldOp | AddOp;

export interface Marker {
  line: BodyLine;
  /** What the marker follows in the model's hunk: an added line, a context or removed line, or nothing. */
  after: 'added' | 'old' | 'none';
  /** No context, removed or added line follows it. */
  atEnd: boolean;
}

export interface PlacedHunk {
  reply: ReplyHunk;
  /** How many of the reply's blank lines after the hunk are its context (the rest are separators). */
  blanksUsed: number;
  /** First base line of the old side (the insertion point when it has none), and one past its last. */
  start: number;
  end: number;
  ops: Op[];
  markers: Marker[];
}

export function isOld(op: Op): op is OldOp {
  return op.kind !== 'added';
}

export function markersOf(hunk: ReplyHunk): Marker[] {
  const out: Marker[] = [];
  let prev: 'added' | 'old' | 'none' = 'none';
  hunk.body.forEach((b, i) => {
    if (b.kind === 'marker') {
      const atEnd = hunk.body.slice(i + 1).every((x) => x.kind === 'marker');
      out.push({ line: b, after: prev, atEnd });
    } else prev = b.kind === 'added' ? 'added' : 'old';
  });
  return out;
}

export function counts(ops: readonly Op[]): { old: number; new: number } {
  let o = 0;
  let n = 0;
  for (const op of ops) {
    if (op.kind !== 'added') o++;
    if (op.kind !== 'removed') n++;
  }
  return { old: o, new: n };
}

/**
 * How many of the unmarked lines after a hunk (ending at file line `end`) are context lines that
 * lost their leading space. The header counts decide when they can: counts that match the hunk
 * without them close it there (what follows is a separator or prose); counts asking for exactly
 * that many more lines take them. Otherwise (wrong counts) the file decides: lines equal to the
 * file's next lines (whitespace at the ends aside) are context. Context never changes what a hunk
 * does; it matters for where the hunk fits and for its shape.
 */
export function trailingContext(file: BaseFile, lines: readonly DiffLine[], hunk: ReplyHunk, end: number): number {
  let want = hunk.trailing.length;
  const more = countedBeyondBody(hunk);
  if (want > 0 && more !== null) {
    if (more === 0) want = 0;
    else if (more > 0 && more <= want) want = more;
  }
  let n = 0;
  while (n < want && end + n < file.lines.length && (file.lines[end + n] as string).trim() === (lines[hunk.trailing[n] as number]?.text ?? '\0').trim()) n++;
  return n;
}

/**
 * How many more lines than the body holds the header counts, when they ask for the same number
 * more on both sides (as context lines would be); null without numbers or when they disagree.
 */
export function countedBeyondBody(hunk: ReplyHunk): number | null {
  const r = hunk.range;
  if (!r) return null;
  let old = 0;
  let added = 0;
  for (const b of hunk.body) {
    if (b.kind === 'context' || b.kind === 'removed') old++;
    if (b.kind === 'context' || b.kind === 'added') added++;
  }
  const more = r.oldCount - old;
  return more === r.newCount - added ? more : null;
}
