/**
 * The common case, decided without the repair's machinery: a file patch whose hunks are as git
 * writes them, each fitting the base file exactly at the lines its header states (and where it
 * fits elsewhere too, with no hint against that line: hintsAgree), with git's shape. repair-file.ts would take such hunks unchanged, with no fix (its header
 * may still need fileHeader's); here that is found over the reply's text and the file's text in
 * place, with no object or string per line, which on a large clean diff is most of the repair's
 * time and garbage.
 *
 * Every condition below is one under which a step of the full repair is known to do nothing
 * (named beside it); anything else returns null and the file goes through the full repair, so this
 * never decides differently from it (a property in test/diff-engine-properties.test.ts compares
 * the two on generated diffs; test/as-written.test.ts pins the cases).
 */
import { isUtf8 } from 'node:buffer';
import { TextLines } from '../line-source.js';
import type { Fix } from '../types.js';
import type { ExpectedFile } from './api-types.js';
import { NO_NEWLINE_MARKER } from './eof-newline.js';
import { fileHeader } from './file-header.js';
import { shaped } from './place-dropped-line.js';
import type { ResolvedPaths } from './resolve-paths.js';
import type { LineTable, ReplyDiff, ReplyFile, ReplyHunk } from './reply-diff.js';
import { CONTEXT } from './restore-context.js';
import { hintsAgree, MAX_PLACES, type HunkAt } from './as-written-hints.js';
import { equalAt, HashedLines } from './hashed-lines.js';

export interface AsWritten {
  /**
   * The file patch is `header` (null: the reply's own header lines, from `from`) and then the
   * reply's lines from `hunks` up to (not including) `to`.
   */
  header: string[] | null;
  from: number;
  hunks: number;
  to: number;
  /** The header's fixes (fileHeader's): its hunks need none. */
  fixes: Fix[];
  expected: ExpectedFile[];
}

/** One hunk as read here: where its old lines sit in the file, and its context on either side. */
interface Read extends HunkAt {
  /** First old line (0-based) and how many old lines. */
  start: number;
  old: number;
  lead: number;
  trail: number;
  /** Whether its last old line is a removed one. */
  lastOldRemoved: boolean;
  /** Whether it ends with `\ No newline at end of file` after the file's last line, unchanged. */
  marked: boolean;
  /** Its first and last change, as old lines from `start` (an added line counts at the old line after it): candidate()'s lo and hi. */
  lo: number;
  hi: number;
  reply: ReplyHunk;
  /** Reply line of the first body line, and one past the last. */
  from: number;
  to: number;
}

const SPACE = 32;
const MINUS = 45;
const PLUS = 43;
const BACKSLASH = 92;

/** `next`: the file patch the reply reader found after `file`, if any. */
export function asWrittenFile(diff: ReplyDiff, file: ReplyFile, next: ReplyFile | undefined, hunks: readonly ReplyHunk[], r: ResolvedPaths, content: Buffer, contextSeen: number): AsWritten | null {
  // Renames, new and deleted files, merged patches of one file, and any '\r' in the file patch
  // or the file (line endings are the crlf fixes' business) take the full repair.
  if (r.kind !== 'modify' || r.oldPath === null || r.oldPath !== r.newPath) return null;
  if (hunks.length === 0 || hunks.length !== file.hunks.length || hunks.some((h, i) => h !== file.hunks[i] || h.trailing.length > 0 || h.range === null)) return null;
  const t = diff.table;
  const header = headerLines(diff, file, r, hunks[0]!.header);
  if (header === null) return null;

  const base = baseText(content);
  if (base === null) return null;
  const fileLines = new TextLines(base);
  const n = fileLines.length;
  const finalNewline = base.endsWith('\n');

  const read: Read[] = [];
  let delta = 0;
  let prevEnd = 0;
  let at = hunks[0]!.header;
  for (const h of hunks) {
    if (h.header !== at) return null;
    const hunk = readHunk(t, h, fileLines, delta, finalNewline);
    // Hunks in file order that share no line: reorder-hunks and merge-hunks have nothing to do.
    if (hunk === null || hunk.start < prevEnd) return null;
    // Of a file without a final newline, only an unchanged last line with git's marker after it
    // (readHunk) is as written; settleEndOfFile decides about the rest.
    if (!finalNewline && hunk.start + hunk.old === n && !hunk.marked) return null;
    delta += h.range!.newCount - h.range!.oldCount;
    prevEnd = hunk.start + hunk.old;
    read.push(hunk);
    at = hunk.to;
  }
  // The last hunk ends where the reply reader starts the next file patch, or where the diff ends.
  if (next === undefined ? at !== t.count || !diff.finalNewline : at !== next.start) return null;

  for (let i = 0; i < read.length; i++) {
    const h = read[i]!;
    // git's shape, as checkNoDroppedLineReading takes a hunk as written (its counts agree: read checked them).
    if (!shaped(h.lead, h.trail, h.start + h.lead, n - (h.start + h.old - h.trail), contextSeen)) return null;
    // The file's last line removed and added back unchanged: a lost `\ No newline at end of
    // file` line, which settleEndOfFile asks the index line about.
    if (h.trail === 0 && h.start + h.old === n && h.lastOldRemoved && diff.table.first(h.to - 1) === PLUS && sameLine(diff.table, h.to - 1, fileLines, n - 1)) return null;
    // Context padContext would top up.
    const want = Math.min(CONTEXT, Math.max(h.lead, h.trail, 1));
    const before = i > 0 ? read[i - 1]!.start + read[i - 1]!.old : 0;
    const after = i + 1 < read.length ? read[i + 1]!.start : n;
    if ((h.lead < want && h.start > before) || (h.trail < want && h.start + h.old < after)) return null;
  }
  const lines = new HashedLines(fileLines);
  const places = read.map((h) => lines.placesOf(h.start, h.old, MAX_PLACES));
  if (places.some((p) => p.length > 1) && !hintsAgree(fileLines, read, places)) return null;
  // A '-' or '+' line that is, marker included, a line of the file reads two ways (marker-readings.ts).
  if (startsWithMarker(content) && read.some((h) => changedLines(t, h).some((i) => lines.has(t.text, t.start(i), t.end(i))))) return null;
  return { ...header, hunks: hunks[0]!.header, to: at, expected: [{ path: r.newPath!, content: postImage(base, fileLines, t, read) }] };
}

/**
 * The file patch's header as fileHeader writes it, when the reply's header lines are `---` and
 * `+++`, with `diff --git` and an index line before them or not, and nothing else: the reply's
 * own lines when fileHeader keeps them (header null), else its lines and the fixes it logged
 * (missing `diff --git` line or a/ b/ prefixes, say), which change nothing the hunks say.
 */
function headerLines(diff: ReplyDiff, file: ReplyFile, r: ResolvedPaths, firstHunk: number): Pick<AsWritten, 'header' | 'from' | 'fixes'> | null {
  const { git, minus, plus, extended } = file;
  if (minus === null || plus === null || extended.length > 1) return null;
  const lines = [...(git === null ? [] : [git]), ...extended, minus, plus];
  if (lines[0] !== file.start || lines.some((i, k) => i !== file.start + k || diff.table.cr(i)) || firstHunk !== plus + 1) return null;
  if (extended.some((i) => !diff.table.startsWith(i, 'index '))) return null;
  const fixes: Fix[] = [];
  const ours = fileHeader(diff, file, r, true, r.newPath!, fixes);
  const same = fixes.length === 0 && ours.length === lines.length && ours.every((line, k) => line === diff.table.lineText(lines[k]!));
  return { header: same ? null : ours, from: file.start, fixes };
}

/** The base's text when decodeBase would take it as it is: not empty, UTF-8 without NUL or '\r'. */
function baseText(content: Buffer): string | null {
  if (content.length === 0 || content.includes(0) || content.includes(13) || !isUtf8(content)) return null;
  return content.toString('utf8');
}

/** Whether some line of the file starts with '-' or '+' (most files have none). */
function startsWithMarker(content: Buffer): boolean {
  return content[0] === MINUS || content[0] === PLUS || content.includes('\n-') || content.includes('\n+');
}

/** The hunk's removed and added lines, as lines of the reply. */
function changedLines(t: LineTable, h: Read): number[] {
  const out: number[] = [];
  for (let i = h.from; i < h.to; i++) if (t.first(i) === MINUS || t.first(i) === PLUS) out.push(i);
  return out;
}

/**
 * The hunk when its body is what its header counts (lines marked ' ', '-' or '+', no line without
 * a marker; a `\` line only as below), with a change, whose header's numbers are the ones
 * hunkLines would write, and whose old lines are the file's at the stated line. `delta`: lines
 * the file patch's earlier hunks add, less those they remove.
 */
function readHunk(t: LineTable, h: ReplyHunk, file: TextLines, delta: number, finalNewline: boolean): Read | null {
  const range = h.range!;
  if (range.oldCount === 0) return null;
  const start = range.oldStart - 1;
  const newStart = range.newCount > 0 ? start + delta + 1 : start + delta;
  if (start < 0 || start + range.oldCount > file.length || range.newStart !== newStart || t.cr(h.header)) return null;
  let old = 0;
  let fresh = 0;
  let lead = -1;
  let trail = 0;
  let lastChange = SPACE;
  let lastOldRemoved = false;
  let hi = 0;
  let i = h.header + 1;
  for (; old < range.oldCount || fresh < range.newCount; i++) {
    if (i >= t.count || t.cr(i)) return null;
    const c = t.first(i);
    // A `--- `/`+++ ` pair would start a file where the reply reader stops the hunk.
    if (c === MINUS && t.startsWith(i, '--- ') && t.startsWith(i + 1, '+++ ')) return null;
    if (c === SPACE) {
      if (!sameLine(t, i, file, start + old)) return null;
      old++;
      fresh++;
      trail++;
      lastOldRemoved = false;
      continue;
    }
    hi = old;
    if (c === MINUS) {
      // git writes a change's removed lines before its added ones (gitShaped asks the same).
      if (lastChange === PLUS && trail === 0) return null;
      if (!sameLine(t, i, file, start + old)) return null;
      old++;
      lastOldRemoved = true;
    } else if (c === PLUS) fresh++;
    else return null;
    if (lead < 0) lead = trail;
    trail = 0;
    lastChange = c;
  }
  if (lead < 0 || old !== range.oldCount || fresh !== range.newCount) return null;
  // The marker hunkLines writes after the last line of a file that lacks a final newline, where
  // that line is context: what git writes too.
  const marked = i < t.count && t.first(i) === BACKSLASH;
  if (marked && (finalNewline || trail === 0 || start + old !== file.length || t.lineText(i) !== NO_NEWLINE_MARKER)) return null;
  return { start, old, lead, trail, lastOldRemoved, marked, lo: lead, hi, reply: h, from: h.header + 1, to: marked ? i + 1 : i };
}

/** Whether reply line `i`, without its marker, is file line `line` (file lines hold no '\n'). */
function sameLine(t: LineTable, i: number, file: TextLines, line: number): boolean {
  const a = t.start(i) + 1;
  const length = t.end(i) - a;
  return file.end(line) - file.start(line) === length && equalAt(t.text, a, file.text, file.start(line), length);
}

/** The file with the hunks applied: its text between hunks, and each hunk's context and added lines. */
function postImage(text: string, file: TextLines, t: LineTable, hunks: readonly Read[]): Buffer {
  const parts: string[] = [];
  let next = 0;
  for (const h of hunks) {
    parts.push(text.slice(file.start(next), file.start(h.start)));
    let line = h.start;
    for (let i = h.from; i < h.to; i++) {
      const c = t.first(i);
      if (c === SPACE) parts.push(text.slice(file.start(line), file.start(line + 1)));
      else if (c === PLUS) parts.push(t.text.slice(t.start(i) + 1, t.end(i)), '\n');
      if (c === SPACE || c === MINUS) line++;
    }
    next = h.start + h.old;
  }
  parts.push(text.slice(file.start(next)));
  return Buffer.from(parts.join(''), 'utf8');
}
