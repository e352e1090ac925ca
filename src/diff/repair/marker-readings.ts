/**
 * A line of the file that starts with '-' or '+' ("- one" of a Markdown or YAML list, "-- note" in
 * SQL), written as context without its leading space, reads as removing or adding " one". The
 * diff's lines that may be such a line: each removed or added line that is, marker included, a
 * line of the file. Where there are any, each reading of them (as written, or some of them as
 * context lines that lost their marker, as a line written with none is: context-marker) is tried,
 * and the file is repaired only when every reading that fits gives the same result (repair-file.ts
 * asks, with `attempt`: one repair of the file from the hunks given, pushing its fixes).
 */
import type { Fix } from '../types.js';
import { decodeBase, plain } from './base-file.js';
import { q, refuse, RefusalError } from './refusal.js';
import type { ResolvedPaths } from './resolve-paths.js';
import type { BodyLine, ReplyHunk } from './reply-diff.js';

/** One repair of the file from these hunks (throws a RefusalError when there is none). */
type Attempt<T> = (hunks: ReplyHunk[], fixes: Fix[]) => T;
/** The new file a repair gives; undefined or null when it gives none. */
type Result = Buffer | null | undefined;

function markerLines(hunks: readonly ReplyHunk[], content: Buffer): BodyLine[] {
  // Most files have no line starting with '-' or '+': nothing to read twice, and no line set made.
  const starts = (c: string): boolean => content[0] === c.charCodeAt(0) || content.includes(`\n${c}`);
  const minus = starts('-');
  const plus = starts('+');
  if (!minus && !plus) return [];
  const decoded = decodeBase('', content);
  if ('problem' in decoded) return [];
  const lines = new Set(decoded.file.lines.map(plain));
  return hunks.flatMap((h) => h.body.filter((b) => (minus && b.kind === 'removed' && lines.has(`-${b.text}`)) || (plus && b.kind === 'added' && lines.has(`+${b.text}`))));
}

/** Past this many such lines (two to the power of them readings), the diff is not read each way. */
const MAX_MARKER_LINES = 6;

/** The hunks with `items` read as context lines that lost their leading space. */
function readAsContext(hunks: readonly ReplyHunk[], items: readonly BodyLine[]): ReplyHunk[] {
  const set = new Set(items);
  return hunks.map((h) => ({ ...h, body: h.body.map((b): BodyLine => (set.has(b) ? { kind: 'context', text: `${b.kind === 'removed' ? '-' : '+'}${b.text}`, index: b.index, unmarked: true } : b)) }));
}

/**
 * Every reading of `items` but the one as written: each non-empty subset of them read as context,
 * except those that leave a hunk of `hunks` without a change (a hunk is written to change something).
 */
function* markerReadings(hunks: readonly ReplyHunk[], items: readonly BodyLine[]): Generator<BodyLine[]> {
  for (let subset = 1; subset < 1 << items.length; subset++) {
    const reading = items.filter((_, k) => subset & (1 << k));
    const changes = (h: ReplyHunk): boolean => h.body.some((b) => (b.kind === 'removed' || b.kind === 'added') && !reading.includes(b));
    if (hunks.every((h) => changes(h) || !h.body.some((b) => b.kind === 'removed' || b.kind === 'added'))) yield reading;
  }
}

function twoReadings(r: ResolvedPaths, hunks: readonly ReplyHunk[], line: BodyLine, why: string): never {
  const asFile = `${line.kind === 'removed' ? '-' : '+'}${line.text}`;
  const doing = line.kind === 'removed' ? 'removing' : 'adding';
  refuse(r.newPath ?? r.oldPath, hunks.find((h) => h.body.includes(line))?.ordinal ?? null, `the line ${q(asFile)} reads both as ${doing} ${q(line.text)} and as the file's line ${q(asFile)} written as context without its leading space, ${why}; write it as ${q(` ${asFile}`)} if it is context`, {
    expected: asFile,
  }, 'two-ways');
}

function sameResult(a: Result, b: Result): boolean {
  return a === b || (a != null && b != null && a.equals(b));
}

/** The diff as written fit: refused when another reading of its marker lines fits with another result. */
export function refuseOtherMarkerReadings<T>(r: ResolvedPaths, hunks: ReplyHunk[], content: Buffer, mine: Result, attempt: Attempt<T>, resultOf: (repaired: T) => Result): void {
  const items = markerLines(hunks, content);
  if (items.length === 0) return;
  if (items.length > MAX_MARKER_LINES) twoReadings(r, hunks, items[0] as BodyLine, `as may ${items.length - 1} more lines, too many readings to try`);
  for (const reading of markerReadings(hunks, items)) {
    let other: T;
    try {
      other = attempt(readAsContext(hunks, reading), []);
    } catch (error) {
      if (!(error instanceof RefusalError)) throw error;
      // Refused for anything but fitting nowhere, that reading fits in more ways than one itself.
      if (error.kind !== 'nowhere') twoReadings(r, hunks, reading[0] as BodyLine, 'and that reading fits in more ways than one');
      continue;
    }
    if (!sameResult(mine, resultOf(other))) twoReadings(r, hunks, reading[0] as BodyLine, 'and the two readings change the file differently');
  }
}

/**
 * The diff as written fit nowhere: the one result of the readings of its marker lines that fit,
 * with the first such reading's fixes; null when none fits (the refusal of the diff as written
 * stands); refused when two give different results.
 */
export function onlyMarkerReading<T>(r: ResolvedPaths, hunks: ReplyHunk[], content: Buffer, attempt: Attempt<T>, resultOf: (repaired: T) => Result): { repaired: T; fixes: Fix[] } | null {
  const items = markerLines(hunks, content);
  if (items.length === 0 || items.length > MAX_MARKER_LINES) return null;
  let taken: { repaired: T; fixes: Fix[]; reading: BodyLine[] } | null = null;
  // A reading refused for anything but fitting nowhere fits in more ways than one itself: taken
  // with another that fits, it is two.
  let ambiguous: BodyLine[] | null = null;
  for (const reading of markerReadings(hunks, items)) {
    const fixes: Fix[] = [];
    let repaired: T;
    try {
      repaired = attempt(readAsContext(hunks, reading), fixes);
    } catch (error) {
      if (!(error instanceof RefusalError)) throw error;
      if (error.kind !== 'nowhere') ambiguous ??= reading;
      continue;
    }
    if (taken === null) taken = { repaired, fixes, reading };
    else if (!sameResult(resultOf(taken.repaired), resultOf(repaired))) twoReadings(r, hunks, taken.reading[0] as BodyLine, 'and the readings that fit change the file differently');
  }
  if (taken !== null && ambiguous !== null) twoReadings(r, hunks, ambiguous[0] as BodyLine, 'and the readings that fit cannot be told apart');
  return taken;
}
