/**
 * A file's old and new content to git's unified diff: `diff --git` with a/ b/ prefixes, the new or
 * deleted file mode, 3 lines of context, hunks joined when 6 or fewer unchanged lines apart, removed
 * lines before added ones within a change, `\ No newline at end of file` where a last line lacks
 * one. That is the shape the repair engine passes through byte for byte with no fixes, so a diff
 * computed here reaches review exactly as written.
 *
 * The line alignment is jsdiff's Myers diff (a minimal edit script); which of several minimal
 * alignments it picks does not matter to git, only that it is the same for the same input.
 */
import { diffArrays } from 'diff';
import { quotePath } from '../repair/file-header.js';

/** One line of a file: its text (with the '\r' of a CRLF ending) and whether a '\n' ends it. */
export interface FileLine {
  text: string;
  nl: boolean;
}

export function splitFile(content: string): FileLine[] {
  if (content === '') return [];
  const finalNewline = content.endsWith('\n');
  const parts = (finalNewline ? content.slice(0, -1) : content).split('\n');
  return parts.map((text, i) => ({ text, nl: i < parts.length - 1 || finalNewline }));
}

export function joinFile(lines: readonly FileLine[]): string {
  return lines.map((l) => (l.nl ? `${l.text}\n` : l.text)).join('');
}

/** A line as compared: a last line without '\n' differs from the same text with one, as in git. */
const token = (l: FileLine): string => (l.nl ? `${l.text}\n` : l.text);

export interface Op {
  op: ' ' | '-' | '+';
  /** Old lines before this one (its 0-based index on the old side). */
  i: number;
  /** New lines before this one. */
  j: number;
}

/**
 * The edit script from a to b under `key` (lines with equal keys are "the same line"), with each
 * run of changes written removed-first. Beyond this many differing lines Myers costs more than the
 * answer is worth: the script becomes "remove all, add all" between the common ends, still exact.
 */
const MAX_EDIT = 4000;

export function editScript<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && key(a[pre] as T) === key(b[pre] as T)) pre++;
  let post = 0;
  while (post < a.length - pre && post < b.length - pre && key(a[a.length - 1 - post] as T) === key(b[b.length - 1 - post] as T)) post++;
  const midA = a.slice(pre, a.length - post).map(key);
  const midB = b.slice(pre, b.length - post).map(key);
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ op: ' ', i: k, j: k });
  let i = pre;
  let j = pre;
  const changes = midA.length === 0 || midB.length === 0 ? null : diffArrays(midA, midB, { maxEditLength: MAX_EDIT });
  if (changes) {
    for (const c of changes) {
      const n = c.count ?? c.value.length;
      for (let k = 0; k < n; k++) {
        if (c.added) ops.push({ op: '+', i, j: j++ });
        else if (c.removed) ops.push({ op: '-', i: i++, j });
        else ops.push({ op: ' ', i: i++, j: j++ });
      }
    }
  } else {
    while (i < a.length - post) ops.push({ op: '-', i: i++, j });
    while (j < b.length - post) ops.push({ op: '+', i, j: j++ });
  }
  for (let k = 0; k < post; k++) ops.push({ op: ' ', i: i++, j: j++ });
  return removedFirst(ops);
}

/** Within each run of changes, the removed lines first: git's order, and the engine's. */
function removedFirst(ops: Op[]): Op[] {
  const out: Op[] = [];
  for (let s = 0; s < ops.length; ) {
    if ((ops[s] as Op).op === ' ') {
      out.push(ops[s++] as Op);
      continue;
    }
    let e = s;
    while (e < ops.length && (ops[e] as Op).op !== ' ') e++;
    const run = ops.slice(s, e);
    const i0 = run[0]!.i;
    const j0 = run[0]!.j;
    let i = i0;
    let j = j0;
    // Each op's position is recomputed: after reordering, an added line comes after all removed ones.
    for (const o of run) if (o.op === '-') out.push({ op: '-', i: i++, j: j0 });
    for (const o of run) if (o.op === '+') out.push({ op: '+', i, j: j++ });
    s = e;
  }
  return out;
}

const CONTEXT = 3;
const NO_NEWLINE = '\\ No newline at end of file';

/** Hunk lines for a modification ('' when nothing differs). */
function hunks(a: readonly FileLine[], b: readonly FileLine[]): string[] {
  const ops = editScript(a, b, token);
  const changed: number[] = [];
  ops.forEach((o, k) => {
    if (o.op !== ' ') changed.push(k);
  });
  if (changed.length === 0) return [];
  const groups: Array<[number, number]> = [];
  for (const k of changed) {
    const last = groups[groups.length - 1];
    if (last && k - last[1] - 1 <= 2 * CONTEXT) last[1] = k;
    else groups.push([k, k]);
  }
  const out: string[] = [];
  for (const [first, lastChanged] of groups) {
    const body = ops.slice(Math.max(0, first - CONTEXT), Math.min(ops.length - 1, lastChanged + CONTEXT) + 1);
    const oc = body.filter((o) => o.op !== '+').length;
    const nc = body.filter((o) => o.op !== '-').length;
    const start = body[0] as Op;
    out.push(`@@ -${side(oc === 0 ? start.i : start.i + 1, oc)} +${side(nc === 0 ? start.j : start.j + 1, nc)} @@`);
    for (const o of body) {
      const line = (o.op === '+' ? b[o.j] : a[o.i]) as FileLine;
      out.push(`${o.op}${line.text}`);
      if (!line.nl) out.push(NO_NEWLINE);
    }
  }
  return out;
}

const side = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);

/**
 * The file patch taking `path` from `before` to `after` (null: the file is absent on that side),
 * without a trailing newline; '' when nothing changes.
 */
export function filePatch(path: string, before: string | null, after: string | null): string {
  if (before === after) return '';
  const head = `diff --git ${quotePath(`a/${path}`)} ${quotePath(`b/${path}`)}`;
  const minus = `--- ${quotePath(`a/${path}`)}`;
  const plus = `+++ ${quotePath(`b/${path}`)}`;
  if (before === null || after === null) {
    const lines = splitFile((before ?? after) as string);
    const added = before === null;
    const out = [head, added ? 'new file mode 100644' : 'deleted file mode 100644'];
    // git writes no hunk for an empty file that is created or deleted.
    if (lines.length === 0) return out.join('\n');
    out.push(added ? '--- /dev/null' : minus, added ? plus : '+++ /dev/null');
    out.push(added ? `@@ -0,0 +${side(1, lines.length)} @@` : `@@ -${side(1, lines.length)} +0,0 @@`);
    for (const l of lines) {
      out.push(`${added ? '+' : '-'}${l.text}`);
      if (!l.nl) out.push(NO_NEWLINE);
    }
    return out.join('\n');
  }
  const body = hunks(splitFile(before), splitFile(after));
  if (body.length === 0) return '';
  return [head, minus, plus, ...body].join('\n');
}

/** Several file patches as one diff: in path order, so the same changes give the same bytes. */
export function joinPatches(patches: ReadonlyArray<{ path: string; patch: string }>): string {
  const sorted = [...patches].filter((p) => p.patch !== '').sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return sorted.length === 0 ? '' : `${sorted.map((p) => p.patch).join('\n')}\n`;
}
