/**
 * `\ No newline at end of file`. For the old side the base file is the authority: the marker goes
 * after the file's last line exactly when the file lacks a final newline, whatever the model
 * wrote. For the new side only the model can say, so its markers are read by what they follow (a
 * marker after an added line: the new file ends without a newline), wherever they were put; and
 * where two readings remain, or none, we refuse. A marker in a hunk that does not reach the end of
 * the file contradicts where the hunk fits, and is refused too.
 */
import type { Fix } from '../types.js';
import type { AddedEnding } from './added-line-endings.js';
import { plain, type BaseFile } from './base-file.js';
import { isOld, type AddOp, type Marker, type Op, type OldOp, type PlacedHunk } from './hunk-ops.js';
import { chooseReading } from './readings-choice.js';
import { q, refuse } from './refusal.js';

export interface EofResult {
  /** Whether the post-image ends with a newline (irrelevant when it is empty). */
  finalNewline: boolean;
}

const MARK = '\\ No newline at end of file';

export function settleEndOfFile(file: BaseFile, isNew: boolean, hunks: PlacedHunk[], ending: AddedEnding, display: string, fixes: Fix[]): EofResult {
  const why = new Map<PlacedHunk, string[]>();
  const result = settle(file, isNew, hunks, ending, display, fixes, (h, reason) => why.set(h, [...(why.get(h) ?? []), reason]));
  for (const h of hunks) logMarkerChange(h, why.get(h) ?? [], display, fixes);
  return result;
}

type Note = (h: PlacedHunk, reason: string) => void;

function settle(file: BaseFile, isNew: boolean, hunks: PlacedHunk[], ending: AddedEnding, display: string, fixes: Fix[], note: Note): EofResult {
  const n = file.lines.length;
  const baseNoEol = n > 0 && !file.finalNewline;
  const last = hunks[hunks.length - 1];
  const reachesEnd = last !== undefined && last.end === n;
  // A marker says its line is the file's last; a hunk placed elsewhere contradicts it (a sign
  // the hunk lost lines or sits in the wrong place), so that is refused rather than dropped.
  for (const h of hunks) {
    if ((h !== last || !reachesEnd) && h.markers.length > 0) {
      refuse(display, h.reply.ordinal, `the hunk has a ${q(MARK)} line, which only the end of the file can have, but its lines fit at line ${h.start + 1}, which is not the end of the file`);
    }
  }
  if (!last || !reachesEnd) return { finalNewline: file.finalNewline };

  const ordinal = last.reply.ordinal;
  const markers = last.markers;
  const afterAdded = markers.filter((m) => isNew || m.after === 'added');
  const afterOld = markers.filter((m) => !isNew && m.after !== 'added');
  const lastOld = findLast(last.ops, isOld);
  const lastNew = findLast(last.ops, (op): op is Op => op.kind !== 'removed');

  if (lastNew === undefined) {
    // Every line is removed: the new side is empty and cannot lack a newline.
    if (lastOld && baseNoEol) lastOld.noEol = true;
    if (afterAdded.length > 0) note(last, 'the new side of the hunk is empty');
    return { finalNewline: true };
  }

  if (lastNew.kind === 'context') {
    // The new file ends with an unchanged line: its ending is the base's when it is the base's
    // last line, else a newline. A marker can only be the old side's (where the base lacks one).
    const sharedLast = lastNew.line === n - 1;
    if (lastOld && baseNoEol) lastOld.noEol = true;
    const unexplained = baseNoEol ? (sharedLast ? [] : afterAdded) : markers;
    if (unexplained.length > 0) {
      refuse(display, ordinal, `the hunk has a ${q(MARK)} line, but the new file ends with the unchanged line ${q(plain(file.lines[lastNew.line] as string))}, which has a newline at base; a marker cannot take it away (that needs the line removed and added back)`);
    }
    return { finalNewline: sharedLast ? !baseNoEol : true };
  }

  // The new file ends with an added line.
  const lastAdded = lastNew as AddOp;
  if (lastOld && baseNoEol) {
    if (lastOld.kind === 'context') reAddLastLine(file, last, lastOld, display, fixes);
    else lastOld.noEol = true;
    if (afterOld.length === 0) note(last, 'the base file lacks a final newline');
  }
  let newLacks: boolean;
  if (!baseNoEol) {
    // The base ends with a newline, so no marker can be about the old side: any marker in the
    // hunk says the new file's last line (an added one) has none, wherever it was put.
    newLacks = markers.length > 0;
    if (newLacks && afterOld.length > 0) note(last, 'the base file does end with a newline, so the marker can only be about the new file');
    if (!newLacks && lastOld?.kind === 'removed' && lastOld.line === n - 1 && file.lines[n - 1] === lastAdded.text + ending(lastAdded)) {
      // Read as written, the pair changes nothing; with the marker, the file loses its newline.
      newLacks = chooseReading([false, true], () => refuse(display, ordinal, `the hunk removes the file's last line ${q(plain(file.lines[n - 1] as string))} and adds it back unchanged as the last line; that only makes sense if the new file should end without a newline, but the ${q(MARK)} line is missing`, {
        expected: `+${lastAdded.text}`,
        found: plain(file.lines[n - 1] as string),
        closest: { line: n, text: plain(file.lines[n - 1] as string) },
      }));
    }
  } else if (afterAdded.length > 0) {
    // The base lacks a final newline too: a marker after an added line is about the new file,
    // unless it is the only marker and sits among the added lines (the old side's, misplaced?).
    const only = afterAdded[0] as Marker;
    newLacks = afterOld.length === 0 && afterAdded.length === 1 && !only.atEnd
      ? chooseReading([true, false], () => refuse(display, ordinal, `a ${q(MARK)} line sits between added lines; the base file lacks a final newline too, so it is unclear whether the marker is about the old file or the new one`))
      : true;
  } else newLacks = false;
  lastAdded.noEol = newLacks;
  orderLastChange(last);
  return { finalNewline: !newLacks };
}

/**
 * The base's last line has no newline and the model added lines after it: the line gains one,
 * which a diff can only say by removing it and adding it back (what `git diff` writes, too).
 */
function reAddLastLine(file: BaseFile, hunk: PlacedHunk, op: OldOp, display: string, fixes: Fix[]): void {
  const line = file.lines[op.line] as string;
  const text = plain(line);
  op.kind = 'removed';
  op.noEol = true;
  const i = hunk.ops.indexOf(op);
  const again: AddOp = { kind: 'added', text, from: null, noEol: false, fileCr: line !== text };
  hunk.ops.splice(i + 1, 0, again);
  fixes.push({
    kind: 'eof-newline',
    file: display,
    hunk: hunk.reply.ordinal,
    detail: `the base file's last line ${q(text)} has no newline and the diff adds lines after it; it is now removed and added back with a newline`,
    before: ` ${text}`,
    after: `-${text}\n${MARK}\n+${text}`,
  });
}

/** In the final run of changes, removed lines first: the old side's marker then sits before the added lines. */
function orderLastChange(hunk: PlacedHunk): void {
  let s = hunk.ops.length;
  while (s > 0 && hunk.ops[s - 1]?.kind !== 'context') s--;
  const run = hunk.ops.slice(s);
  const sorted = [...run.filter((op) => op.kind === 'removed'), ...run.filter((op) => op.kind === 'added')];
  hunk.ops.splice(s, run.length, ...sorted);
}

function findLast<T extends Op>(ops: readonly Op[], pred: (op: Op) => op is T): T | undefined {
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i] as Op;
    if (pred(op)) return op;
  }
  return undefined;
}

/** One fix per hunk whose markers end up elsewhere than the model put them, with the reasons. */
function logMarkerChange(h: PlacedHunk, reasons: string[], display: string, fixes: Fix[]): void {
  if (h.markers.length === 0 && !h.ops.some((op) => op.noEol)) return;
  const theirs = h.markers.map((m) => describe(h, m));
  const ours = h.ops.flatMap((op) => (op.noEol ? [opText(op)] : []));
  const theirAt = h.markers.map((m) => precedingIndex(h, m)).sort((a, b) => a - b);
  const ourAt = h.ops.flatMap((op) => (op.noEol ? [op.from?.index ?? -1] : [])).sort((a, b) => a - b);
  if (theirAt.join(',') === ourAt.join(',')) return;
  const list = (xs: string[]): string => (xs.length === 0 ? 'none' : xs.map((x) => `after ${q(x, 60)}`).join(', '));
  fixes.push({
    kind: 'no-newline-marker',
    file: display,
    hunk: h.reply.ordinal,
    detail: `${q(MARK)} lines: the diff had ${list(theirs)}; now ${list(ours)}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`,
    before: theirs.map((x) => `${x}\n${MARK}`).join('\n'),
    after: ours.map((x) => `${x}\n${MARK}`).join('\n'),
  });
}

/** The reply line a marker follows (-1 when it follows the hunk header). */
function precedingIndex(h: PlacedHunk, m: Marker): number {
  const body = h.reply.body;
  for (let i = body.indexOf(m.line) - 1; i >= 0; i--) {
    const b = body[i];
    if (b && b.kind !== 'marker') return b.index;
  }
  return -1;
}

function describe(h: PlacedHunk, m: Marker): string {
  const body = h.reply.body;
  for (let i = body.indexOf(m.line) - 1; i >= 0; i--) {
    const b = body[i];
    if (b && b.kind !== 'marker') return `${b.kind === 'added' ? '+' : b.kind === 'removed' ? '-' : ' '}${b.text}`;
  }
  return '(the hunk header)';
}

function opText(op: Op): string {
  return op.kind === 'added' ? `+${op.text}` : `${op.kind === 'removed' ? '-' : ' '}${op.from?.text ?? ''}`;
}

export { MARK as NO_NEWLINE_MARKER };
