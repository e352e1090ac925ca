/**
 * Whether placeHunks would put a hunk that fits the file in several places at the line its header
 * states (as-written.ts asks, for a hunk it otherwise takes as written): the same votes as
 * agreedHint's, counted over the places found by the check's own line table.
 */
import type { TextLines } from '../line-source.js';
import { sectionText } from './place-hints.js';
import type { ReplyHunk } from './reply-diff.js';

/** A hunk that fits in more places than this is left to the full repair. */
export const MAX_PLACES = 8;

/** A hunk as the check read it: its old lines from `start`, its changes from `lo` to `hi` (old lines from `start`). */
export interface HunkAt {
  start: number;
  old: number;
  lo: number;
  hi: number;
  trail: number;
  marked: boolean;
  reply: ReplyHunk;
}

/** A place a hunk fits, as placeHunks' candidates have it. */
interface Place {
  ordinal: number;
  start: number;
  end: number;
  lo: number;
  hi: number;
}

const placeAt = (h: HunkAt, start: number): Place => ({ ordinal: h.reply.ordinal, start, end: start + h.old, lo: start + h.lo, hi: start + h.hi });

/**
 * Whether placeHunks puts every hunk that fits in several places at its stated line, with no
 * hint against it: the hunks that fit once are placed first; then, in the hunks' order, each of
 * the others by agreedHint's votes (the only place no placed hunk takes, the section text after
 * `@@`, the line numbers, the order of the placed hunks around it), which must all be the stated
 * line (the line numbers always vote, as the numbers of every hunk are right here). A hunk with
 * no context after its changes, or with git's end-of-file marker, is left to the full repair
 * (two more hints).
 */
export function hintsAgree(file: TextLines, read: readonly HunkAt[], places: readonly number[][]): boolean {
  const placed: Place[] = read.flatMap((h, i) => (places[i]!.length === 1 ? [placeAt(h, h.start)] : []));
  const above = funcLines(file);
  for (let i = 0; i < read.length; i++) {
    const h = read[i]!;
    if (places[i]!.length === 1) continue;
    if (places[i]!.length > MAX_PLACES || h.trail === 0 || h.marked) return false;
    const stated = placeAt(h, h.start);
    const free = places[i]!.map((start) => placeAt(h, start)).filter((c) => !placed.some((p) => c.lo <= p.hi && p.lo <= c.hi));
    const statedFree = free.find((c) => c.start === h.start);
    if (statedFree === undefined) return false;
    const votes: Place[][] = [free];
    const section = sectionText(h.reply.section);
    if (section !== '') votes.push(free.filter((c) => funcLineAbove(file, above, c.start)?.startsWith(section) === true));
    const bounds = orderBounds(h.reply.ordinal, placed);
    if (bounds !== null) votes.push(free.filter((c) => c.start >= bounds.after && c.end <= bounds.before));
    if (votes.some((vote) => vote.length === 1 && vote[0] !== statedFree)) return false;
    placed.push(stated);
  }
  return true;
}

/** For each line, the nearest line above it that starts with a letter, '_' or '$' (-1: none): git's default function line. */
function funcLines(file: TextLines): () => Int32Array {
  let above: Int32Array | null = null;
  return () => {
    if (above !== null) return above;
    above = new Int32Array(file.length + 1);
    let last = -1;
    for (let i = 0; i <= file.length; i++) {
      above[i] = last;
      const c = i < file.length ? file.first(i) : NaN;
      if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36) last = i;
    }
    return above;
  };
}

function funcLineAbove(file: TextLines, above: () => Int32Array, start: number): string | null {
  const i = above()[Math.min(start, file.length)]!;
  return i < 0 ? null : file.text.slice(file.start(i), file.end(i)).trimEnd();
}

/** Where the hunk must lie when the placed hunks, in the order written, are in file order and it has one on either side. */
function orderBounds(ordinal: number, placed: readonly Place[]): { after: number; before: number } | null {
  const sorted = [...placed].sort((a, b) => a.ordinal - b.ordinal);
  if (sorted.length < 2) return null;
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start < sorted[i - 1]!.end) return null;
  const prev = sorted.filter((p) => p.ordinal < ordinal).at(-1);
  const next = sorted.find((p) => p.ordinal > ordinal);
  return prev && next ? { after: prev.end, before: next.start } : null;
}
