/**
 * A small unified-diff parser that keeps every line of its input.
 *
 * Why not a library: `parse-diff` and jsdiff's `parsePatch` were both evaluated.
 * - Both decide where a hunk ends by trusting the counts in its `@@` header. Model diffs get those
 *   counts wrong, which is exactly what we must detect and recount: with counts too low parse-diff
 *   reads the extra lines as headers and drops them; with counts too high it swallows the next
 *   file's header as context. jsdiff throws or misreads in the same cases.
 * - Both turn lines into objects and drop what they do not model (the `@@` trailing section text,
 *   `similarity`/`rename` lines in parse-diff, stray lines between files), so the diff cannot be
 *   written back byte-exact, and "a clean diff passes through unchanged" could not be promised.
 * - jsdiff is large for the part we would use; parse-diff is CommonJS with loose typing.
 * So the parser below classifies lines by their first character (not by header counts), keeps the
 * diff as a flat array of lines plus indexes into it, and serializes by joining the lines: a
 * repair rewrites or inserts lines and everything else stays byte-identical.
 *
 * Lines that fit no part of the grammar ("junk": stray prose, blank separators) stay in `lines`
 * untouched; git skips junk between file patches, and later repairs may remove it.
 */
import { OrchestratorError } from '../errors.js';
import { headerName, splitGitHeader } from './header-paths.js';
import { ArrayLines, splitLines, TextLines, type LineSource } from './line-source.js';
import type { FileChange } from './types.js';

export { ArrayLines, splitLines, TextLines, type LineSource } from './line-source.js';

/** The only error the parser throws; normalize turns it into `ok: false`. */
export class DiffParseError extends OrchestratorError {}

export interface HunkRange {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** Whether ",count" was written; git omits it when the count is 1, and we keep that style. */
  oldCountGiven: boolean;
  newCountGiven: boolean;
}

export interface Hunk {
  /** Index in ParsedDiff.lines of the `@@` line. */
  header: number;
  /** Index one past the last body line. */
  end: number;
  /** null when the `@@` line is not `@@ -a[,b] +c[,d] @@`; a repair may still rebuild it. */
  range: HunkRange | null;
  /** Verbatim text after the closing `@@` (usually ' function name()' or ''). */
  section: string;
  /** Line counts of the body as written (context, '-' and '+' lines; empty lines are context). */
  oldLines: number;
  newLines: number;
}

export interface FilePatch {
  /** Index of the file's first header line. */
  start: number;
  /** Paths without the a/ b/ prefix; null for /dev/null. */
  oldPath: string | null;
  newPath: string | null;
  kind: FileChange['kind'];
  /** false when a path lacks the a/ or b/ prefix that `git apply` (-p1) will strip anyway. */
  prefixed: boolean;
  binary: boolean;
  hunks: Hunk[];
}

export interface ParsedDiff {
  /** Every line of the input without its '\n'; joining them back gives the input. */
  lines: string[];
  /** Whether the input ended with '\n'. */
  finalNewline: boolean;
  files: FilePatch[];
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;
const EXTENDED_RE =
  /^(?:(?:old|new|deleted file|new file) mode [0-7]{6}|index [0-9a-f]+\.\.[0-9a-f]+(?: [0-7]{6})?|(?:dis)?similarity index \d{1,3}%|(?:rename|copy) (?:from|to) .+)$/;
const BINARY_RE = /^(?:Binary files .* differ|GIT binary patch)$/;

export function formatDiff(lines: readonly string[], finalNewline: boolean): string {
  return lines.length === 0 ? '' : lines.join('\n') + (finalNewline ? '\n' : '');
}

export function isGitHeader(line: string): boolean {
  return line.startsWith('diff --git ');
}

export function isHunkHeader(line: string): boolean {
  return line.startsWith('@@');
}

/** `--- x` directly followed by `+++ y`: the start of a file patch without `diff --git`. */
export function isFilePairAt(lines: readonly string[] | LineSource, i: number): boolean {
  if (!isLineSource(lines)) return (lines[i]?.startsWith('--- ') ?? false) && (lines[i + 1]?.startsWith('+++ ') ?? false);
  return lines.startsWith(i, '--- ') && lines.startsWith(i + 1, '+++ ');
}

function isLineSource(lines: readonly string[] | LineSource): lines is LineSource {
  return !Array.isArray(lines);
}

export function isExtendedHeader(line: string): boolean {
  return EXTENDED_RE.test(line) || BINARY_RE.test(line);
}

export function parseRange(line: string): { range: HunkRange | null; section: string } {
  const m = HUNK_RE.exec(line);
  if (!m) return { range: null, section: '' };
  const oldStart = Number(m[1]);
  const oldCount = m[2] === undefined ? 1 : Number(m[2]);
  const newStart = Number(m[3]);
  const newCount = m[4] === undefined ? 1 : Number(m[4]);
  if (!(Number.isSafeInteger(oldStart) && Number.isSafeInteger(oldCount) && Number.isSafeInteger(newStart) && Number.isSafeInteger(newCount))) return { range: null, section: '' };
  const range = { oldStart, oldCount, newStart, newCount, oldCountGiven: m[2] !== undefined, newCountGiven: m[4] !== undefined };
  return { range, section: m[5] ?? '' };
}

const PLUS = 43;
const SPACE = 32;
const BACKSLASH = 92;
const MINUS = 45;

function isBodyLine(lines: LineSource, i: number): boolean {
  const c = lines.first(i);
  if (c === PLUS || c === SPACE || c === BACKSLASH) return true;
  // `--- a/x` + `+++ b/x` + `@@` is the next file of a plain diff, not a removed line.
  return c === MINUS && !(isFilePairAt(lines, i) && lines.startsWith(i + 2, '@@'));
}

/**
 * Where the body of the hunk whose `@@` line is at `header` ends, and its line counts. Counts in
 * the header are only used for one ambiguity: blank lines at the very end of a hunk are empty
 * context lines (a model stripped the space) only as far as the header needs them.
 */
export function scanHunkBody(
  lines: readonly string[] | LineSource,
  header: number,
  range: HunkRange | null,
): { end: number; oldLines: number; newLines: number } {
  const src = isLineSource(lines) ? lines : new ArrayLines(lines);
  let oldLines = 0;
  let newLines = 0;
  let i = header + 1;
  while (i < src.length) {
    if (src.empty(i)) {
      let k = i;
      while (src.empty(k)) k++;
      if (k < src.length && isBodyLine(src, k)) {
        oldLines += k - i;
        newLines += k - i;
        i = k;
        continue;
      }
      const needOld = range ? range.oldCount - oldLines : 0;
      const needNew = range ? range.newCount - newLines : 0;
      if (needOld > 0 && needOld === needNew && needOld <= k - i) {
        oldLines += needOld;
        newLines += needOld;
        i += needOld;
      }
      break;
    }
    if (!isBodyLine(src, i)) break;
    const c = src.first(i);
    if (c === SPACE) {
      oldLines++;
      newLines++;
    } else if (c === MINUS) oldLines++;
    else if (c === PLUS) newLines++;
    i++;
  }
  return { end: i, oldLines, newLines };
}

interface Builder {
  start: number;
  git?: string;
  minus?: string;
  plus?: string;
  extended: string[];
  binary: boolean;
  hunks: Hunk[];
}

export function parseDiff(text: string): ParsedDiff {
  const { lines, finalNewline } = splitLines(text);
  return { lines, finalNewline, files: parseFiles(new ArrayLines(lines)) };
}

/**
 * The file patches parseDiff would find in `text`, read through offsets: no string per line is
 * made, only for header lines. For a caller that needs the files, not the lines (validating a
 * patch the engine just wrote).
 */
export function parseDiffFiles(text: string): FilePatch[] {
  return parseFiles(new TextLines(text));
}

function parseFiles(lines: LineSource): FilePatch[] {
  const builders: Builder[] = [];
  let cur: Builder | null = null;
  const open = (start: number): Builder => {
    const b: Builder = { start, extended: [], binary: false, hunks: [] };
    builders.push(b);
    return b;
  };
  let i = 0;
  while (i < lines.length) {
    if (lines.startsWith(i, 'diff --git ')) {
      cur = open(i);
      cur.git = (lines.at(i) as string).slice('diff --git '.length);
      i++;
    } else if (isFilePairAt(lines, i)) {
      // A `diff --git` header still waiting for its ---/+++ lines gets them; otherwise a new file.
      if (!cur || cur.git === undefined || cur.minus !== undefined || cur.hunks.length > 0) cur = open(i);
      cur.minus = (lines.at(i) as string).slice(4);
      cur.plus = (lines.at(i + 1) as string).slice(4);
      i += 2;
    } else if (lines.startsWith(i, '@@')) {
      const line = lines.at(i) as string;
      if (!cur) {
        throw new DiffParseError(
          `line ${i + 1} starts a hunk (${JSON.stringify(line.slice(0, 60))}) before any file header: a diff needs '--- a/<path>' and '+++ b/<path>' lines before its hunks`,
        );
      }
      const { range, section } = parseRange(line);
      const body = scanHunkBody(lines, i, range);
      cur.hunks.push({ header: i, end: body.end, range, section, oldLines: body.oldLines, newLines: body.newLines });
      i = body.end;
    } else {
      if (cur && cur.hunks.length === 0) {
        const line = lines.at(i) as string;
        if (isExtendedHeader(line)) {
          cur.extended.push(line);
          if (BINARY_RE.test(line)) cur.binary = true;
        }
      }
      i++; // anything else is junk, kept verbatim
    }
  }
  if (builders.length === 0) {
    throw new DiffParseError("no file patch found: a diff needs 'diff --git' or '--- a/<path>' / '+++ b/<path>' lines");
  }
  return builders.map((b) => finishFile(b, lines));
}

function finishFile(b: Builder, lines: LineSource): FilePatch {
  const ext = (prefix: string): string | undefined => {
    const line = b.extended.find((l) => l.startsWith(prefix));
    return line === undefined ? undefined : headerName(line.slice(prefix.length));
  };
  const renameFrom = ext('rename from ') ?? ext('copy from ');
  const renameTo = ext('rename to ') ?? ext('copy to ');
  const isNew = b.extended.some((l) => l.startsWith('new file mode '));
  const isDeleted = b.extended.some((l) => l.startsWith('deleted file mode '));
  const copy = b.extended.some((l) => l.startsWith('copy to '));

  let prefixed = true;
  const strip = (raw: string | undefined, prefix: string): string | null | undefined => {
    if (raw === undefined) return undefined;
    const name = headerName(raw);
    if (name === '/dev/null') return null;
    if (name.startsWith(prefix)) return name.slice(prefix.length);
    prefixed = false;
    return name;
  };
  // Most specific first: rename/copy lines, then ---/+++, then the git header, which only
  // matters when ---/+++ are absent (mode-only changes, empty new files).
  const gitPaths = b.git === undefined ? null : splitGitHeader(b.git);
  const pick = (named: string | undefined, raw: string | undefined, k: 0 | 1): string | null => {
    const prefix = k === 0 ? 'a/' : 'b/';
    const fromHeader = strip(raw, prefix);
    if (named !== undefined) return named;
    if (fromHeader !== undefined) return fromHeader;
    return (gitPaths && strip(gitPaths[k], prefix)) ?? null;
  };
  let oldPath = pick(renameFrom, b.minus, 0);
  let newPath = pick(renameTo, b.plus, 1);
  if (isNew || copy) oldPath = null;
  if (isDeleted) newPath = null;
  if (oldPath === null && newPath === null) {
    throw new DiffParseError(`the file patch at line ${b.start + 1} (${JSON.stringify((lines.at(b.start) ?? '').slice(0, 60))}) names no file`);
  }
  const kind: FilePatch['kind'] =
    oldPath === null ? 'add' : newPath === null ? 'delete' : oldPath !== newPath || renameFrom !== undefined ? 'rename' : 'modify';
  return { start: b.start, oldPath, newPath, kind, prefixed, binary: b.binary, hunks: b.hunks };
}

/** The body lines of a hunk, verbatim. */
export function hunkBody(diff: ParsedDiff, hunk: Hunk): string[] {
  return diff.lines.slice(hunk.header + 1, hunk.end);
}

/** The text of every '+' line of a file patch, in order, without the '+'. */
export function addedLines(diff: ParsedDiff, file: FilePatch): string[] {
  return file.hunks.flatMap((h) => hunkBody(diff, h).filter((l) => l.startsWith('+')).map((l) => l.slice(1)));
}

export function toFileChange(file: FilePatch): FileChange {
  return { oldPath: file.oldPath, newPath: file.newPath, kind: file.kind };
}

/** The path a person would call the file by: the new one unless it is deleted. */
export function displayPath(file: FilePatch): string {
  return file.newPath ?? file.oldPath ?? '';
}
