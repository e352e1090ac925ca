/**
 * Model replies in the edit formats, written from a file's old and new content: whole files, and
 * minimal SEARCH/REPLACE blocks (each change with just enough unchanged lines around it to match
 * one place). Used by the property tests and by `npm run bench:formats`.
 */
import { editScript, splitFile, type Op } from '../../src/diff/edit-formats/unified.js';

export interface FileEdit {
  path: string;
  /** Null: the file does not exist before. */
  before: string | null;
  /** Null: the file is deleted. */
  after: string | null;
}

/** A fence longer than any run of backticks that starts a line of the content. */
export function fenceFor(content: string): string {
  let longest = 2;
  for (const m of content.matchAll(/^\s*(`+)/gm)) longest = Math.max(longest, (m[1] as string).length);
  return '`'.repeat(longest + 1);
}

/** The whole-file reply for the edits: a path line and a fenced block per file, `DELETE path` per deleted file. */
export function wholeReply(edits: readonly FileEdit[], lang = ''): string {
  const out: string[] = [];
  for (const e of edits) {
    if (e.after === null) {
      out.push(`DELETE ${e.path}`);
      continue;
    }
    const fence = fenceFor(e.after);
    const body = e.after === '' ? '' : e.after.endsWith('\n') ? e.after : `${e.after}\n`;
    out.push(e.path, `${fence}${lang}`, `${body}${fence}`);
  }
  return `${out.join('\n')}\n`;
}

export interface SearchReplaceBlock {
  path: string;
  search: string[];
  replace: string[];
}

/**
 * Minimal blocks taking `before` to `after`, or null when blocks cannot say it (the final newline
 * changes). Each run of changes gets the fewest unchanged lines around it (at least one for a pure
 * insertion) that make its SEARCH match exactly one place; blocks whose lines would overlap are
 * joined.
 */
export function minimalBlocks(path: string, before: string | null, after: string | null): SearchReplaceBlock[] | null {
  if (after === null) return null;
  if (before === null) {
    // A new file's block gets a final newline and no blank lines at its end.
    if (after !== '' && (!after.endsWith('\n') || after.endsWith('\n\n'))) return null;
    return [{ path, search: [], replace: splitFile(after).map((l) => l.text) }];
  }
  const a = splitFile(before);
  const b = splitFile(after);
  if (a.length === 0) return null;
  const lastNl = (ls: typeof a): boolean => ls.length === 0 || (ls[ls.length - 1] as { nl: boolean }).nl;
  if (lastNl(a) !== lastNl(b) && b.length > 0) return null;
  const ops = editScript(a, b, (l) => l.text);
  const old = a.map((l) => l.text);
  const windows: Array<[number, number]> = [];
  for (let s = 0; s < ops.length; ) {
    if ((ops[s] as Op).op === ' ') {
      s++;
      continue;
    }
    let e = s;
    while (e + 1 < ops.length && (ops[e + 1] as Op).op !== ' ') e++;
    windows.push(uniqueWindow(ops, old, s, e));
    s = e + 1;
  }
  // Join windows that share old lines (or would leave one block's lines inside another's).
  const joined: Array<[number, number]> = [];
  for (const w of windows) {
    const last = joined[joined.length - 1];
    if (last && (w[0] <= last[1] || oldStart(ops, w[0]) < oldEnd(ops, last[1]))) last[1] = Math.max(last[1], w[1]);
    else joined.push([w[0], w[1]]);
  }
  return joined.map(([s, e]) => {
    const range = ops.slice(s, e + 1);
    return { path, search: range.filter((o) => o.op !== '+').map((o) => old[o.i] as string), replace: range.filter((o) => o.op !== '-').map((o) => (b[o.j] as { text: string }).text) };
  });
}

const oldStart = (ops: readonly Op[], k: number): number => (ops[k] as Op).i;
const oldEnd = (ops: readonly Op[], k: number): number => (ops[k] as Op).i + ((ops[k] as Op).op === '+' ? 0 : 1);

/** The op range [s-k, e+k] for the smallest k whose old lines occur exactly once in the file. */
function uniqueWindow(ops: readonly Op[], old: readonly string[], s: number, e: number): [number, number] {
  const pureInsert = ops.slice(s, e + 1).every((o) => o.op === '+');
  for (let k = pureInsert ? 1 : 0; ; k++) {
    const from = Math.max(0, s - k);
    const to = Math.min(ops.length - 1, e + k);
    const search = ops.slice(from, to + 1).filter((o) => o.op !== '+').map((o) => old[o.i] as string);
    if (search.length > 0 && occurrences(old, search) === 1 && !fitsWithDroppedLine(old, search)) return [from, to];
    if (from === 0 && to === ops.length - 1) return [from, to];
  }
}

/** Whether the lines fit the file somewhere with one file line between two of them (the converter refuses those). */
function fitsWithDroppedLine(lines: readonly string[], want: readonly string[]): boolean {
  for (let p = 0; p + want.length < lines.length; p++) {
    for (let skip = 1; skip < want.length; skip++) {
      if (want.every((w, i) => lines[p + (i < skip ? i : i + 1)] === w)) return true;
    }
  }
  return false;
}

function occurrences(lines: readonly string[], want: readonly string[]): number {
  let n = 0;
  for (let p = 0; p + want.length <= lines.length; p++) if (want.every((w, i) => lines[p + i] === w)) n++;
  return n;
}

export function searchReplaceReply(blocks: readonly SearchReplaceBlock[], deletes: readonly string[] = []): string {
  const out: string[] = deletes.map((p) => `DELETE ${p}`);
  for (const bl of blocks) out.push(bl.path, '```', '<<<<<<< SEARCH', ...bl.search, '=======', ...bl.replace, '>>>>>>> REPLACE', '```');
  return `${out.join('\n')}\n`;
}
