/**
 * A context line the model dropped where the hunk also adds lines: the file has "X, D, Y", the
 * hunk says "X, +A, Y". D goes back, but before or after the added lines? The two readings give
 * different files, and the hunk's text alone does not say.
 *
 * One fact can: git writes every hunk with the same number of context lines before its first
 * change and after its last one (U, 3 by default), fewer only where the file begins or ends, and
 * one U for the whole diff (so at least the most context any hunk of the reply shows). A dropped
 * line next to the first or last change makes exactly one reading fit that shape in the common
 * case (the other is one line short or long on that side). A second fact: git lists each change's
 * removed lines before its added ones, so a reading that leaves an added line right before a
 * removed one (the line restored between two changes) is not git's. When exactly one reading fits, it is
 * the hunk the model copied; when none or several do, the hunk is refused.
 */
import { plain, type BaseFile } from './base-file.js';
import type { Op } from './hunk-ops.js';
import { chooseReading } from './readings-choice.js';
import { contextSpaceHint, q, refuse } from './refusal.js';

export interface DroppedBesideAdded {
  /** Index in ops of the first added line of the run between the two old lines. */
  runStart: number;
  /** Number of added lines in the run; the restored line sits right after them in `ops`. */
  runLength: number;
}

export function placeDroppedLine(file: BaseFile, ops: Op[], d: DroppedBesideAdded, contextSeen: number, display: string, ordinal: number): Op[] {
  const restored = ops[d.runStart + d.runLength] as Op;
  const without = ops.filter((op) => op !== restored);
  const readings: Op[][] = [];
  for (let p = 0; p <= d.runLength; p++) {
    readings.push([...without.slice(0, d.runStart + p), restored, ...without.slice(d.runStart + p)]);
  }
  const shaped = readings.filter((r) => gitShaped(file, r, contextSeen));
  if (shaped.length === 1) return shaped[0] as Op[];
  const line = restored.kind === 'added' ? -1 : restored.line;
  const text = plain(file.lines[line] ?? '');
  return chooseReading(shaped.length > 1 ? shaped : readings, () =>
    refuse(display, ordinal, `the diff dropped the context line ${line + 1} (${q(text)}) where the hunk adds lines; whether it goes before or after the added lines cannot be told (${shaped.length === 0 ? 'neither place' : 'both places'} gives a hunk of git's shape)${writtenAsAdded(ops, d, text)}`, {
      found: text,
      closest: { line: line + 1, text },
    }),
  );
}

/**
 * The dropped line may be there after all, as an added line: a file line that starts with '+',
 * written as context without its leading space, reads as adding the rest of it. Said, not taken:
 * which was meant is the model's to say.
 */
function writtenAsAdded(ops: readonly Op[], d: DroppedBesideAdded, text: string): string {
  const run = ops.slice(d.runStart, d.runStart + d.runLength);
  if (!run.some((op) => op.kind === 'added' && `+${op.text}` === text)) return '';
  return `; the hunk has ${q(text)} as an added line: ${contextSpaceHint(text)}`;
}

/**
 * Whether some U ≥ contextSeen makes the hunk's leading and trailing context exactly min(U, lines
 * the file has on that side of the changes), as git writes hunks; and whether every run of changes
 * lists its removed lines before its added ones, as git writes each change (a removed line right
 * after an added one never comes out of git).
 */
export function gitShaped(file: BaseFile, ops: readonly Op[], contextSeen: number): boolean {
  const first = ops.findIndex((op) => op.kind !== 'context');
  let last = ops.length - 1;
  while (last >= 0 && ops[last]?.kind === 'context') last--;
  if (first < 0) return false;
  for (let i = first + 1; i <= last; i++) if (ops[i]?.kind === 'removed' && ops[i - 1]?.kind === 'added') return false;
  return shaped(first, ops.length - 1 - last, changeStart(ops, first), file.lines.length - changeEnd(ops, last), contextSeen);
}

/**
 * Whether `lead` context lines before the changes and `trail` after them are what git writes for
 * some U ≥ contextSeen, given `before` and `after` lines in the file on either side of the changes.
 */
export function shaped(lead: number, trail: number, before: number, after: number, contextSeen: number): boolean {
  const leadFull = lead === before;
  const trailFull = trail === after;
  if (lead > before || trail > after) return false;
  if (leadFull && trailFull) return true;
  if (leadFull) return trail >= lead && trail >= contextSeen;
  if (trailFull) return lead >= trail && lead >= contextSeen;
  return lead === trail && lead >= contextSeen;
}

/** The file position where the changes start: a removed line, or where added lines go in. */
function changeStart(ops: readonly Op[], first: number): number {
  const op = ops[first] as Op;
  if (op.kind !== 'added') return op.line;
  for (let i = first - 1; i >= 0; i--) {
    const o = ops[i] as Op;
    if (o.kind !== 'added') return o.line + 1;
  }
  for (let i = first + 1; i < ops.length; i++) {
    const o = ops[i] as Op;
    if (o.kind !== 'added') return o.line;
  }
  return 0;
}

/** The file position just after the changes end. */
function changeEnd(ops: readonly Op[], last: number): number {
  const op = ops[last] as Op;
  if (op.kind !== 'added') return op.line + 1;
  for (let i = last + 1; i < ops.length; i++) {
    const o = ops[i] as Op;
    if (o.kind !== 'added') return o.line;
  }
  for (let i = last - 1; i >= 0; i--) {
    const o = ops[i] as Op;
    if (o.kind !== 'added') return o.line + 1;
  }
  return 0;
}
