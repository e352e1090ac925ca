/**
 * A hunk as the placement steps see it: its old side (context and removed lines, which must be
 * found in the file), where lines may be missing between them, what its header claims, and each
 * candidate place as an edit (removed lines and insertion points), so that two alignments giving
 * the same file count as one place.
 */
import type { Gap, OldLine } from './locate-hunk.js';
import { countedBeyondBody } from './hunk-ops.js';
import type { DiffLine, ReplyHunk } from './reply-diff.js';

export interface HunkSpec {
  hunk: ReplyHunk;
  old: OldLine[];
  /** Index in hunk.body of each old line. */
  oldBody: number[];
  gaps: Gap[];
  /** Old and new line counts of the body as the model wrote it. */
  modelOld: number;
  modelNew: number;
}

export function hunkSpec(hunk: ReplyHunk): HunkSpec {
  const old: OldLine[] = [];
  const oldBody: number[] = [];
  let modelNew = 0;
  hunk.body.forEach((b, i) => {
    if (b.kind === 'context' || b.kind === 'removed') {
      old.push({ text: b.text, kind: b.kind });
      oldBody.push(i);
    }
    if (b.kind === 'context' || b.kind === 'added') modelNew++;
  });
  // A line the model dropped between two of its lines is kept as context: the diff removes only
  // the lines it names. Next to added lines its place among them is a question (see
  // place-dropped-line.ts). Every gap is considered, so that a hunk that fits in two ways (two
  // equal lines, one removed and one dropped) is seen to.
  const gaps = old.slice(1).map((_, i): Gap => {
    const between = hunk.body.slice((oldBody[i] as number) + 1, oldBody[i + 1]);
    return between.some((b) => b.kind === 'added') ? 'beside-added' : 'free';
  });
  return { hunk, old, oldBody, gaps, modelOld: old.length, modelNew };
}

/** Whether the header's counts are the hunk's own: a header written for this hunk. */
export function countsAgree(spec: HunkSpec): boolean {
  const r = spec.hunk.range;
  return r !== null && r.oldCount === spec.modelOld && r.newCount === spec.modelNew;
}

/**
 * Whether the header's counts are the hunk's own once the blank lines right after its body are
 * counted as its context (blank context lines that lost their leading space), as many as the
 * header asks for: a header written for this hunk all the same.
 */
export function countsAgreeWithBlanks(spec: HunkSpec, lines: readonly DiffLine[]): boolean {
  const more = countedBeyondBody(spec.hunk);
  if (more === null || more <= 0 || more > spec.hunk.trailing.length) return false;
  return spec.hunk.trailing.slice(0, more).every((i) => (lines[i]?.text ?? 'x').trim() === '');
}

/** The 0-based start the header claims; null without numbers or for the `@@ -1 +1 @@` placeholder. */
export function statedStart(spec: HunkSpec): number | null {
  const r = spec.hunk.range;
  if (!r) return null;
  if (!countsAgree(spec) && r.oldStart === 1 && r.newStart === 1 && !r.oldCountGiven && !r.newCountGiven) return null;
  return spec.modelOld === 0 ? r.oldStart : r.oldStart - 1;
}

export interface Candidate {
  positions: number[];
  start: number;
  end: number;
  /** The span of lines the hunk changes (removed lines and insertion points), inclusive. */
  lo: number;
  hi: number;
  /** The file lines before the first change, and from the end of the last one. */
  changeStart: number;
  changeEnd: number;
  /** The edit itself (removed lines and insertion points): equal signatures are the same place. */
  sig: string;
  /**
   * The same with each added run put before the old line after it rather than after the one
   * before it: they differ only where a line was restored between the two (a second reading).
   */
  sigNext: string;
}

export function candidate(spec: HunkSpec, positions: number[]): Candidate {
  const removed: number[] = [];
  const inserts: number[] = [];
  // An added line goes after the old line before it, or before the old line after it.
  const nextOld: number[] = new Array(spec.hunk.body.length + 1).fill(-1);
  for (let i = spec.hunk.body.length - 1, k = spec.old.length - 1; i >= 0; i--) {
    nextOld[i] = k >= 0 && spec.oldBody[k] === i ? k : (nextOld[i + 1] as number);
    if (k >= 0 && spec.oldBody[k] === i) k--;
  }
  const insertsNext: number[] = [];
  let prevOld = -1;
  let k = 0;
  spec.hunk.body.forEach((b, i) => {
    if (spec.oldBody[k] === i) {
      prevOld = positions[k] as number;
      if (b.kind === 'removed') removed.push(prevOld);
      k++;
    } else if (b.kind === 'added') {
      const next = nextOld[i] as number;
      inserts.push(prevOld >= 0 ? prevOld + 1 : next >= 0 ? (positions[next] as number) : 0);
      insertsNext.push(next >= 0 ? (positions[next] as number) : prevOld + 1);
    }
  });
  const start = positions[0] as number;
  const end = (positions[positions.length - 1] as number) + 1;
  let lo = Infinity;
  let hi = -Infinity;
  let changeEnd = -Infinity;
  for (const x of removed) [lo, hi, changeEnd] = [Math.min(lo, x), Math.max(hi, x), Math.max(changeEnd, x + 1)];
  for (const x of inserts) [lo, hi, changeEnd] = [Math.min(lo, x), Math.max(hi, x), Math.max(changeEnd, x)];
  return {
    positions,
    start,
    end,
    lo: lo === Infinity ? start : lo,
    hi: hi === -Infinity ? end - 1 : hi,
    changeStart: lo === Infinity ? start : lo,
    changeEnd: changeEnd === -Infinity ? end : changeEnd,
    sig: `${removed.join(',')}|${inserts.join(',')}`,
    sigNext: `${removed.join(',')}|${insertsNext.join(',')}`,
  };
}

