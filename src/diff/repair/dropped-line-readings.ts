/**
 * The ways to read a hunk that fits the file as written but may have lost a context line. A hunk
 * that fits with git's shape (as much context after its changes as before, where the file allows)
 * is taken as written: every clean diff is such a hunk. One that fits only with lopsided context
 * is compared with the readings in which one dropped context line is restored:
 *
 * - in a gap between two of its lines (found by locateWithDroppedLines), before or after added
 *   lines that sit there;
 * - at its edge, between its first (last) old line and the added lines before (after) it: the
 *   model's "+A / ctx" may be "+A / dropped / ctx".
 *
 * When one of those readings has git's shape and a different result, the hunk is refused: a run
 * of equal lines ("#endif" twice, two blank lines) or a hunk whose only context sits on one side
 * makes "as written" and "one line lost" indistinguishable except by that shape, and picking
 * either would be a guess.
 */
import { plain, type BaseFile } from './base-file.js';
import type { Candidate, HunkSpec } from './hunk-spec.js';
import { locateWithDroppedLines, type FileKeys, type Tier } from './locate-hunk.js';
import { refuseUnlessChoosing } from './readings-choice.js';
import { refuse } from './refusal.js';
import { counts, isOld, trailingContext, type Op } from './hunk-ops.js';
import { gitShaped } from './place-dropped-line.js';
import type { BodyLine, DiffLine, ReplyHunk } from './reply-diff.js';

export interface Reading {
  ops: Op[];
  /** Removed lines and insertion points: equal signatures give the same file. */
  sig: string;
  shaped: boolean;
}

/** The readings of the hunk's old lines at `positions`, restoring what lies between them. */
export function readingsOf(file: BaseFile, lines: readonly DiffLine[], hunk: ReplyHunk, positions: readonly number[], contextSeen: number): Reading[] {
  const base: Op[] = [];
  let k = 0;
  let prev = -1;
  let run: number | null = null;
  let beside: { at: number; length: number; line: number } | null = null;
  for (const b of hunk.body) {
    if (b.kind === 'marker') continue;
    if (b.kind === 'added') {
      run ??= base.length;
      base.push({ kind: 'added', text: b.text, from: b, noEol: false });
      continue;
    }
    const line = positions[k++] as number;
    for (let g = prev + 1; prev >= 0 && g < line; g++) {
      if (run !== null) beside = { at: run, length: base.length - run, line: g };
      base.push({ kind: 'context', line: g, from: null, noEol: false });
    }
    base.push({ kind: b.kind, line, from: b, noEol: false });
    prev = line;
    run = null;
  }
  // Blank lines after the hunk that are its context (as in buildOps).
  const blanks = prev >= 0 ? trailingContext(file, lines, hunk, prev + 1) : 0;
  for (let t = 0; t < blanks; t++) base.push({ kind: 'context', line: prev + 1 + t, from: null, noEol: false });
  const variants: Op[][] = [base];
  if (beside) {
    const restored = base[beside.at + beside.length] as Op;
    const without = base.filter((op) => op !== restored);
    for (let p = 0; p < beside.length; p++) variants.push([...without.slice(0, beside.at + p), restored, ...without.slice(beside.at + p)]);
  }
  return variants.map((ops) => reading(file, ops, contextSeen));
}

/**
 * Readings with one line restored at the hunk's edge, next to added lines there. `outer`: also
 * restore it beyond a change at the edge ("ctx / +A" read as "ctx / +A / dropped", "ctx / -x" as
 * "ctx / -x / dropped"), which only a header whose counts do not vouch for the lines as written
 * leaves open: a hunk ends in a change in a clean diff only at the end of the file, and it is
 * taken as meaning just that.
 */
export function edgeReadings(file: BaseFile, ops: readonly Op[], contextSeen: number, outer: boolean): Reading[] {
  const out: Reading[] = [];
  const firstOld = ops.findIndex((op) => op.kind !== 'added');
  const first = ops[firstOld];
  if (firstOld >= 0 && first && first.kind !== 'added' && first.line > 0) {
    const restored: Op = { kind: 'context', line: first.line - 1, from: null, noEol: false };
    if (firstOld > 0) out.push(reading(file, [...ops.slice(0, firstOld), restored, ...ops.slice(firstOld)], contextSeen));
    // Beyond a change at the edge (added lines, or a removed line): "-x / ctx" as "dropped / -x / ctx".
    if (outer && ops[0]?.kind !== 'context') out.push(reading(file, [restored, ...ops], contextSeen));
  }
  let lastOld = ops.length - 1;
  while (lastOld >= 0 && ops[lastOld]?.kind === 'added') lastOld--;
  const last = ops[lastOld];
  if (lastOld >= 0 && last && last.kind !== 'added' && last.line + 1 < file.lines.length) {
    const restored: Op = { kind: 'context', line: last.line + 1, from: null, noEol: false };
    if (lastOld < ops.length - 1) out.push(reading(file, [...ops.slice(0, lastOld + 1), restored, ...ops.slice(lastOld + 1)], contextSeen));
    if (outer && ops[ops.length - 1]?.kind !== 'context') out.push(reading(file, [...ops, restored], contextSeen));
  }
  return out;
}

function reading(file: BaseFile, ops: Op[], contextSeen: number): Reading {
  return { ops, sig: signature(ops), shaped: gitShaped(file, ops, contextSeen) };
}

function signature(ops: readonly Op[]): string {
  const removed: number[] = [];
  const inserts: number[] = [];
  const firstOld = ops.find(isOld);
  const start = firstOld ? firstOld.line : 0;
  let after = -1;
  ops.forEach((op) => {
    if (op.kind === 'added') inserts.push(after >= 0 ? after : start);
    else {
      after = op.line + 1;
      if (op.kind === 'removed') removed.push(op.line);
    }
  });
  return `${removed.join(',')}|${inserts.join(',')}`;
}

/**
 * A hunk that fits as written can still be a hunk with a dropped context line; when a reading with
 * one line restored has git's shape and a different result, the hunk is refused. Which readings
 * are looked at depends on how sure the placement is:
 *
 * - fits with git's shape and its header counts agree with its lines: a clean hunk (a lost line
 *   would have changed the counts), taken as written. Every clean diff is one.
 * - otherwise (lopsided context, or counts that disagree or are missing, so nothing vouches that
 *   no line was lost): every reading, a line restored inside it anywhere it fits that way, or at
 *   the edge of any place it fits as written, the way a run of equal lines shifts a hunk that
 *   lost a line by one.
 */
export function checkNoDroppedLineReading(file: BaseFile, lines: readonly DiffLine[], spec: HunkSpec, c: Candidate, all: readonly Candidate[], tier: Tier, keys: FileKeys, contextSeen: number, display: string): void {
  const literal = readingsOf(file, lines, spec.hunk, c.positions, contextSeen)[0] as Reading;
  const lead = literal.ops.findIndex((op) => op.kind !== 'context');
  let trail = 0;
  for (let i = literal.ops.length - 1; i >= 0 && literal.ops[i]?.kind === 'context'; i--) trail++;
  // Header counts that agree with the lines as read (blank context lines after the body included)
  // vouch that none was lost; without them, git's shape alone does not.
  const r = spec.hunk.range;
  const read = counts(literal.ops);
  const vouched = r !== null && r.oldCount === read.old && r.newCount === read.new;
  // Counts that agree and git's shape are a clean hunk: a lost line would have changed the counts.
  const sure = vouched && literal.shaped;
  if (sure) return;
  const alternatives = all.flatMap((x) => edgeReadings(file, x === c ? literal.ops : (readingsOf(file, lines, spec.hunk, x.positions, contextSeen)[0] as Reading).ops, contextSeen, !vouched));
  // A hunk of git's shape is questioned only by readings that match as closely as it does itself
  // (tiers decide, as in locate): whitespace-blind matching of every line of every file would
  // cost more than all the rest of a large patch's repair.
  const gapped = literal.shaped && vouched
    ? { placements: [], overflow: false }
    : locateWithDroppedLines(file, { old: spec.old, gaps: spec.gaps }, keys, !literal.shaped || tier === 'loose');
  for (const p of gapped.placements) alternatives.push(...readingsOf(file, lines, spec.hunk, p.positions, contextSeen));
  // The marker pins its line to the file's end only when no line can have been lost after it.
  const last = vouched ? lastLineOfFile(spec.hunk) : null;
  const other = alternatives.find((a) => a.shaped && a.sig !== literal.sig && (last === null || a.ops.some((op) => op.from === last && op.kind !== 'added' && op.line === file.lines.length - 1)));
  if (!other && !gapped.overflow) return;
  const at = other?.ops.find(isOld);
  const where = other ? `at line ${(at ? at.line : c.start) + 1}` : 'in many places';
  refuseUnlessChoosing(() =>
    refuse(display, spec.hunk.ordinal, `the hunk fits at line ${c.start + 1} as written, but with ${lead} context line(s) before its changes and ${trail} after, a possible mark of a dropped context line; with that line restored it fits ${where} with a different result, so which was meant cannot be told`, {
      closest: { line: c.start + 1, text: plain(file.lines[c.start] ?? '') },
    }),
  );
}

/**
 * The old line a "\ No newline at end of file" line follows, if any: it is the file's last line,
 * so no reading may put it anywhere else.
 */
function lastLineOfFile(hunk: ReplyHunk): BodyLine | null {
  const at = hunk.body.findIndex((b, i) => b.kind === 'marker' && (hunk.body[i - 1]?.kind === 'context' || hunk.body[i - 1]?.kind === 'removed'));
  return at > 0 ? (hunk.body[at - 1] as BodyLine) : null;
}
