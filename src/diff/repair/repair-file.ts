/**
 * One file's repair, from its resolved paths and the model's hunks to the repaired file patch and
 * the file's post-image: place every hunk, restore context from the file, settle the end-of-file
 * newline, then write headers and hunks.
 */
import type { FileChange, Fix } from '../types.js';
import type { ExpectedFile, FileSource } from './api-types.js';
import { addedLineEnding } from './added-line-endings.js';
import { decodeBase, joinLines, type BaseFile } from './base-file.js';
import { hunkLines, postImage } from './emit-hunks.js';
import { settleEndOfFile } from './eof-newline.js';
import { fileHeader } from './file-header.js';
import { markersOf, type PlacedHunk } from './hunk-ops.js';
import { hunkSpec, placeHunks, type Chosen } from './place-hunks.js';
import { otherResultThanNamed, readingNamedByIndexLine } from './index-line.js';
import { onlyMarkerReading, refuseOtherMarkerReadings } from './marker-readings.js';
import { refuse, RefusalError } from './refusal.js';
import { buildOps, mergeOverlapping, padContext } from './restore-context.js';
import type { ResolvedPaths } from './resolve-paths.js';
import type { BodyLine, ReplyDiff, ReplyFile, ReplyHunk } from './reply-diff.js';

export interface RepairedFile {
  lines: string[];
  /** Blank lines of the reply after hunks that are not context: separators, left out. */
  leftover: number[];
  /** Line-ending bookkeeping for the crlf fixes (see hunkLines). */
  crKept: number;
  crGained: number;
  expected: ExpectedFile[];
  change: FileChange;
}

const EMPTY: BaseFile = { path: '', lines: [], finalNewline: true, eol: '', indexes: {} };

/**
 * `file` holds the headers to compare against; `hunks` may come from several patches of the same
 * file. Where the diff's lines leave several readings, the file's index line may still name the
 * one result it was written for (index-line.ts); otherwise the refusal stands.
 */
export function repairFile(diff: ReplyDiff, file: ReplyFile, hunks: ReplyHunk[], r: ResolvedPaths, source: FileSource, fixes: Fix[], contextSeen: number): RepairedFile | null {
  const own: Fix[] = [];
  const base = r.oldPath === null ? null : source.get(r.oldPath);
  const again = (read: ReplyHunk[], f: Fix[]): RepairedFile | null => repairFileOnce(diff, file, read, r, source, f, contextSeen);
  try {
    const repaired = repairFileOnce(diff, file, hunks, r, source, own, contextSeen);
    if (r.kind !== 'delete' && base) refuseOtherMarkerReadings(r, hunks, base, newContent(r, repaired), again, (f) => newContent(r, f));
    if (own.some((fix) => HUNK_FIXES.has(fix.kind))) {
      const other = otherResultThanNamed(diff, file, r, base, newContent(r, repaired));
      if (other !== null) refuse(r.newPath ?? r.oldPath, null, other);
    }
    fixes.push(...own);
    return repaired;
  } catch (error) {
    if (error instanceof RefusalError && error.kind === 'nowhere' && r.kind !== 'delete' && base) {
      const taken = onlyMarkerReading(r, hunks, base, again, (f) => newContent(r, f));
      if (taken !== null) {
        fixes.push(...taken.fixes);
        return taken.repaired;
      }
    }
    // A file patch left out changes nothing: the new file is the base.
    const resultOf = (repaired: RepairedFile | null): Buffer | null => (repaired === null ? (base ?? null) : (repaired.expected.find((e) => e.path === r.newPath)?.content ?? null));
    const named = error instanceof RefusalError ? readingNamedByIndexLine(diff, file, r, base, error, (f) => again(hunks, f), resultOf) : null;
    fixes.push(...(named?.fixes ?? own));
    if (named === null) throw error;
    return named.repaired;
  } finally {
    // Each path is one group's alone (groupByFile), repaired once: its bytes are not needed again.
    // Not before: the index line's readings repair the file again from the same bytes.
    if (r.oldPath !== null) source.done?.(r.oldPath);
  }
}

/** Fixes that change what the diff's hunks say or where they go (not its headers or the reply around it). */
const HUNK_FIXES = new Set([
  'drop-empty-hunk', 'restore-context', 'place-dropped-context', 'same-result-readings', 'context-marker', 'context-whitespace', 'removed-whitespace',
  'reorder-hunks', 'merge-hunks', 'pad-context', 'complete-deletion', 'added-blank-marker', 'eof-newline', 'no-newline-marker',
  'placeholder-hunk-header', 'hunk-line-numbers', 'hunk-counts', 'crlf-file',
]);

function newContent(r: ResolvedPaths, repaired: RepairedFile | null): Buffer | null | undefined {
  return repaired?.expected.find((e) => e.path === r.newPath)?.content;
}

function repairFileOnce(diff: ReplyDiff, file: ReplyFile, hunks: ReplyHunk[], r: ResolvedPaths, source: FileSource, fixes: Fix[], contextSeen: number): RepairedFile | null {
  const display = r.newPath ?? r.oldPath ?? '';
  const live = dropNoOpHunks(diff, hunks, display, fixes);
  const base = r.kind === 'add' ? { ...EMPTY, path: display, indexes: {} } : readBase(source, r.oldPath as string, display);

  let placed: PlacedHunk[];
  const blanksUsed = new Map<ReplyHunk, number>();
  if (r.kind === 'add') placed = newFileHunks(live, display, fixes);
  else if (r.kind === 'delete') placed = deletionHunk(base, diff, live, display, fixes);
  else {
    const chosen = placeHunks(base, diff.lines, live.map(hunkSpec), display, contextSeen);
    for (const c of chosen) logSameResult(c, display, fixes);
    const built = chosen.map((c) => buildOps(base, diff.lines, c, display, fixes, contextSeen));
    for (const h of built) blanksUsed.set(h.reply, h.blanksUsed);
    const sorted = [...built].sort((a, b) => a.start - b.start || a.reply.ordinal - b.reply.ordinal);
    if (sorted.some((h, i) => h !== built[i])) {
      fixes.push({
        kind: 'reorder-hunks',
        file: display,
        hunk: null,
        detail: `the hunks were not in file order (written ${built.map((h) => h.reply.ordinal).join(', ')}; in the file ${sorted.map((h) => h.reply.ordinal).join(', ')}); sorted them`,
        before: '',
        after: '',
      });
    }
    placed = mergeOverlapping(sorted, display, fixes);
    padContext(base, placed, display, fixes);
  }
  const ending = addedLineEnding(base, file, hunks, placed, diff.lines);
  const eof = settleEndOfFile(base, r.kind === 'add', placed, ending, display, fixes);

  const modeChange = file.extended.some((i) => diff.lines[i]?.text.startsWith('old mode '));
  if (placed.length === 0 && r.kind === 'modify' && !modeChange) {
    fixes.push({ kind: 'drop-empty-file-patch', file: display, hunk: null, detail: 'the file patch changes nothing; left out', before: '', after: '' });
    return null;
  }
  const header = fileHeader(diff, file, r, placed.length > 0, display, fixes);
  const body = hunkLines(base, placed, ending, diff.lines, display, fixes);

  const content = joinLines(postImage(base, placed, ending), eof.finalNewline);
  const expected: ExpectedFile[] =
    r.kind === 'delete'
      ? [{ path: r.oldPath as string, content: null }]
      : r.kind === 'rename'
        ? [{ path: r.oldPath as string, content: null }, { path: r.newPath as string, content }]
        : [{ path: r.newPath as string, content }];
  const leftover = hunks.flatMap((h) => h.trailing.slice(blanksUsed.get(h) ?? 0));
  return { lines: [...header, ...body.lines], leftover, crKept: body.crKept, crGained: body.crGained, expected, change: { oldPath: r.oldPath, newPath: r.newPath, kind: r.kind } };
}

function logSameResult(c: Chosen, display: string, fixes: Fix[]): void {
  if (c.alike < 2) return;
  fixes.push({
    kind: 'same-result-readings',
    file: display,
    hunk: c.spec.hunk.ordinal,
    detail: `the hunk fits the file at line ${c.start + 1} in ${c.alike} ways (which of two equal lines is the one it shows) that all change the same lines into the same text; taken as one`,
    before: '',
    after: '',
  });
}

function readBase(source: FileSource, path: string, display: string): BaseFile {
  const content = source.get(path);
  if (content === undefined) refuse(display, null, `the base content of ${path} was not provided to the engine (filesNeeded lists it)`);
  if (content === null) refuse(display, null, `${path} does not exist at base`);
  const decoded = decodeBase(path, content);
  if ('problem' in decoded) refuse(display, null, decoded.problem);
  return decoded.file;
}

/** Hunks without a removed or added line change nothing; they are left out. */
function dropNoOpHunks(diff: ReplyDiff, hunks: ReplyHunk[], display: string, fixes: Fix[]): ReplyHunk[] {
  return hunks.filter((h) => {
    if (h.body.some((b) => b.kind === 'removed' || b.kind === 'added')) return true;
    fixes.push({
      kind: 'drop-empty-hunk',
      file: display,
      hunk: h.ordinal,
      detail: 'the hunk has no removed or added lines, so it changes nothing; left out',
      before: diff.lines[h.header]?.text ?? '',
      after: '',
    });
    return false;
  });
}

/**
 * A new file has one hunk of added lines. A blank line without its '+' can only be an added blank
 * line there (there is no old file for it to be context of); anything else is refused.
 */
function newFileHunks(hunks: ReplyHunk[], display: string, fixes: Fix[]): PlacedHunk[] {
  if (hunks.length === 0) return [];
  if (hunks.length > 1) refuse(display, 2, 'the new file is written as several hunks; a new file must be one hunk of added lines');
  const hunk = hunks[0] as ReplyHunk;
  const ops: PlacedHunk['ops'] = [];
  let blanks = 0;
  for (const b of hunk.body) {
    if (b.kind === 'marker') continue;
    if (b.kind === 'added') ops.push({ kind: 'added', text: b.text, from: b, noEol: false });
    else if (b.unmarked && b.text === '') {
      ops.push({ kind: 'added', text: '', from: b, noEol: false });
      blanks++;
    } else {
      refuse(display, hunk.ordinal, `the file does not exist at base, so its hunk can only add lines, but it has the ${b.kind} line ${JSON.stringify((b.kind === 'removed' ? '-' : ' ') + b.text)}`, {
        expected: (b.kind === 'removed' ? '-' : ' ') + b.text,
      });
    }
  }
  if (blanks > 0) {
    fixes.push({ kind: 'added-blank-marker', file: display, hunk: hunk.ordinal, detail: `${blanks} blank line(s) in the new file's hunk had lost their '+'; they are added blank lines`, before: '', after: '+' });
  }
  return [{ reply: hunk, blanksUsed: 0, start: 0, end: 0, ops, markers: markersOf(hunk) }];
}

/**
 * A deleted file's patch must remove every line (git checks). The model's hunks, if any, must
 * only remove lines and must match the file; the removal is then written out in full.
 */
function deletionHunk(base: BaseFile, diff: ReplyDiff, hunks: ReplyHunk[], display: string, fixes: Fix[]): PlacedHunk[] {
  const adds = hunks.find((h) => h.body.some((b) => b.kind === 'added'));
  if (adds) refuse(display, adds.ordinal, 'the diff deletes the file but this hunk adds lines to it');
  let covered = 0;
  const from = new Map<number, BodyLine>();
  if (hunks.length > 0) {
    for (const c of placeHunks(base, diff.lines, hunks.map(hunkSpec), display, 0)) {
      covered += c.positions.length;
      c.positions.forEach((line, k) => from.set(line, c.spec.hunk.body[c.spec.oldBody[k] as number] as BodyLine));
    }
  }
  if (base.lines.length === 0) return [];
  if (covered !== base.lines.length) {
    fixes.push({
      kind: 'complete-deletion',
      file: display,
      hunk: null,
      detail: `the diff deletes the file but its hunks cover ${covered} of its ${base.lines.length} lines; the deletion now removes every line, as git requires`,
      before: '',
      after: '',
    });
  }
  const reply: ReplyHunk = hunks[0] ?? { ordinal: 1, header: -1, range: null, section: '', body: [], trailing: [] };
  const ops: PlacedHunk['ops'] = base.lines.map((_, line) => ({ kind: 'removed', line, from: from.get(line) ?? null, noEol: false }));
  return [{ reply, blanksUsed: 0, start: 0, end: base.lines.length, ops, markers: hunks.flatMap(markersOf) }];
}
