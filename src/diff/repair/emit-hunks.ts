/**
 * Placed hunks to diff text and to the post-image. Both come from the same operations, so the
 * diff the engine emits and the content it expects git to produce cannot disagree.
 */
import type { Fix } from '../types.js';
import type { AddedEnding } from './added-line-endings.js';
import type { BaseFile } from './base-file.js';
import { NO_NEWLINE_MARKER } from './eof-newline.js';
import { counts, type Op, type PlacedHunk } from './hunk-ops.js';
import type { DiffLine } from './reply-diff.js';

export interface HunkText {
  lines: string[];
  /** Lines written from a reply line that ended in CRLF and still do (the file uses CRLF). */
  crKept: number;
  /** Lines written from a reply line without CR that now end in CRLF, like the file. */
  crGained: number;
}

export function hunkLines(file: BaseFile, hunks: readonly PlacedHunk[], ending: AddedEnding, lines: readonly DiffLine[], display: string, fixes: Fix[]): HunkText {
  const out: string[] = [];
  let crKept = 0;
  let crGained = 0;
  let delta = 0;
  for (const h of hunks) {
    const c = counts(h.ops);
    const oldStart = c.old > 0 ? h.start + 1 : h.start;
    const newIndex = h.start + delta;
    const newStart = c.new > 0 ? newIndex + 1 : newIndex;
    delta += c.new - c.old;
    out.push(hunkHeader(h, lines[h.reply.header]?.text ?? null, oldStart, c.old, newStart, c.new, display, fixes));
    for (const op of h.ops) {
      const text = opLine(file, op, ending);
      out.push(text);
      if (op.from && text.endsWith('\r')) {
        if (lines[op.from.index]?.cr === true) crKept++;
        else crGained++;
      }
      if (op.noEol) out.push(NO_NEWLINE_MARKER);
    }
  }
  return { lines: out, crKept, crGained };
}

function opLine(file: BaseFile, op: Op, ending: AddedEnding): string {
  if (op.kind === 'added') return `+${op.text}${ending(op)}`;
  return `${op.kind === 'removed' ? '-' : ' '}${file.lines[op.line] as string}`;
}

/** The model's header when its numbers are right (byte for byte), else git's form; `before` is null for a hunk the engine wrote. */
function hunkHeader(h: PlacedHunk, before: string | null, oldStart: number, oldCount: number, newStart: number, newCount: number, display: string, fixes: Fix[]): string {
  const r = h.reply.range;
  if (before !== null && r && r.oldStart === oldStart && r.oldCount === oldCount && r.newStart === newStart && r.newCount === newCount) return before;
  const side = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);
  const ours = `@@ -${side(oldStart, oldCount)} +${side(newStart, newCount)} @@${h.reply.section}`;
  if (before === null) return ours;
  let kind: string;
  let detail: string;
  if (!r) {
    kind = 'placeholder-hunk-header';
    detail = `the hunk header had no usable line numbers; the hunk was located by its content at line ${oldStart}`;
  } else if (r.oldStart !== oldStart || r.newStart !== newStart) {
    kind = 'hunk-line-numbers';
    detail = `the header put the hunk at old line ${r.oldStart} / new line ${r.newStart}; its content is at old line ${oldStart} / new line ${newStart}`;
  } else {
    kind = 'hunk-counts';
    detail = `the header counted ${r.oldCount} old / ${r.newCount} new lines; the repaired hunk has ${oldCount} / ${newCount}`;
  }
  fixes.push({ kind, file: display, hunk: h.reply.ordinal, detail, before, after: ours });
  return ours;
}

/** The file after the hunks, as lines (with the file's '\r' where it has them). */
export function postImage(file: BaseFile, hunks: readonly PlacedHunk[], ending: AddedEnding): string[] {
  const out: string[] = [];
  let next = 0;
  for (const h of hunks) {
    for (; next < h.start; next++) out.push(file.lines[next] as string);
    for (const op of h.ops) {
      if (op.kind === 'context') out.push(file.lines[op.line] as string);
      else if (op.kind === 'added') out.push(op.text + ending(op));
    }
    next = h.end;
  }
  for (; next < file.lines.length; next++) out.push(file.lines[next] as string);
  return out;
}
