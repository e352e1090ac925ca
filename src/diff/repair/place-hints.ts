/**
 * Hints besides a hunk's lines that may pick one of several places it fits (see agreedHint).
 */
import { plain, type BaseFile } from './base-file.js';
import type { Candidate, HunkSpec } from './hunk-spec.js';
import { trailingContext } from './hunk-ops.js';
import { chooseReading } from './readings-choice.js';
import { refuse } from './refusal.js';
import type { DiffLine } from './reply-diff.js';

/**
 * What the model said about the place besides the hunk's lines, each a hint that counts only when
 * it singles out one candidate: the section text after `@@` (git writes the nearest line above
 * the hunk that starts with a letter, '_' or '$'), a hunk with leading but no trailing context
 * (git applies it only at the end of the file), believable line numbers, and the order of the
 * hunks when the hunk sits between two placed ones that are in file order. Hints that single out
 * different candidates contradict each other, and the hunk is refused; so is a hint at a place
 * where the hunk as written lacks git's shape while another place gives it that shape.
 */
export function agreedHint(file: BaseFile, lines: readonly DiffLine[], spec: HunkSpec, all: Candidate[], free: Candidate[], chosen: Map<HunkSpec, Candidate>, stated: number | null, shapedAt: (c: Candidate) => boolean, display: string): Candidate | undefined {
  const votes: Array<[string, Candidate]> = [];
  const vote = (name: string, cands: Candidate[]): void => {
    if (cands.length === 1) votes.push([name, cands[0] as Candidate]);
  };
  vote('only place not taken by another hunk', free);
  const section = sectionText(spec.hunk.section);
  if (section !== '') vote('section text', free.filter((c) => funcLineAbove(file, c.start)?.startsWith(section) === true));
  const body = spec.hunk.body.filter((b) => b.kind !== 'marker');
  const firstChange = body.findIndex((b) => b.kind !== 'context');
  const lastChange = body.length - 1 - [...body].reverse().findIndex((b) => b.kind !== 'context');
  // Lines after the hunk that would be its context at some place make "no trailing context" moot.
  const noTrailing = free.every((c) => c.end === file.lines.length || trailingContext(file, lines, spec.hunk, c.end) === 0);
  if (firstChange > 0 && lastChange === body.length - 1 && noTrailing) {
    vote('no trailing context (end of file)', free.filter((c) => c.end === file.lines.length));
  }
  // Believable numbers pointing at a place another hunk took contradict the placement.
  if (stated !== null) vote('line numbers', all.filter((c) => c.start === stated));
  const bounds = orderBounds(spec, chosen);
  if (bounds) vote('hunk order', free.filter((c) => c.start >= bounds.after && c.end <= bounds.before));
  const first = votes[0];
  if (!first) return undefined;
  const other = votes.find(([, c]) => c !== first[1]);
  if (other) {
    return chooseReading(free, () => refuse(display, spec.hunk.ordinal, `the hunk's lines fit the file in several places, and its ${first[0]} points at line ${first[1].start + 1} but its ${other[0]} at line ${other[1].start + 1}`));
  }
  if (!free.includes(first[1])) {
    return chooseReading(free, () => refuse(display, spec.hunk.ordinal, `the hunk's ${first[0]} point at line ${first[1].start + 1}, where another hunk of the file already applies`));
  }
  // Git writes as much context after a hunk's changes as before, less only where the file ends.
  // A hint at a place where the hunk as written cannot be git's, while at another free place it
  // can, is contradicted (a shifted line number landing on a second fit); shape never picks alone.
  const shaped = shapedAt(first[1]) ? undefined : free.find((c) => c !== first[1] && shapedAt(c));
  if (shaped) {
    return chooseReading(free, () => refuse(display, spec.hunk.ordinal, `the hunk's lines fit the file in several places, and its ${first[0]} points at line ${first[1].start + 1}, where its context is not what git writes, but at line ${shaped.start + 1} it is`));
  }
  return checkAgainstMarker(file, spec, all, free, first, display);
}

/**
 * A `\ No newline at end of file` after an old line says that line is the file's last. It never
 * picks a place on its own (models misplace markers), but when the file does lack its final
 * newline and some place puts the marked line last, a hint that picked another place is
 * contradicted, and the hunk is refused. Returns the place to take.
 */
function checkAgainstMarker(file: BaseFile, spec: HunkSpec, all: Candidate[], free: Candidate[], [hint, pick]: [string, Candidate], display: string): Candidate {
  if (file.finalNewline || file.lines.length === 0) return pick;
  const body = spec.hunk.body;
  const at = body.findIndex((b, i) => b.kind === 'marker' && (body[i - 1]?.kind === 'context' || body[i - 1]?.kind === 'removed'));
  const k = at > 0 ? spec.oldBody.indexOf(at - 1) : -1;
  if (k < 0) return pick;
  const last = file.lines.length - 1;
  const marked = all.filter((c) => c.positions[k] === last);
  if (marked.length === 0 || marked.includes(pick)) return pick;
  return chooseReading(free, () => refuse(display, spec.hunk.ordinal, `the hunk's lines fit the file in several places, and its ${hint} points at line ${pick.start + 1} but its "\\ No newline at end of file" line puts it at the file's end (line ${(marked[0] as Candidate).start + 1})`));
}

/** The section text as git would have written it (without the space after `@@`). */
export function sectionText(section: string): string {
  return (section.startsWith(' ') ? section.slice(1) : section).trimEnd();
}

const funcCache = new WeakMap<BaseFile, Int32Array>();

/** Git's default "function line" for a hunk starting at `start`: the nearest line above it starting with a letter, '_' or '$'. */
function funcLineAbove(file: BaseFile, start: number): string | null {
  let above = funcCache.get(file);
  if (!above) {
    above = new Int32Array(file.lines.length + 1);
    let last = -1;
    for (let i = 0; i <= file.lines.length; i++) {
      above[i] = last;
      if (i < file.lines.length && /^[A-Za-z_$]/.test(file.lines[i] as string)) last = i;
    }
    funcCache.set(file, above);
  }
  const i = above[Math.min(start, file.lines.length)] as number;
  return i < 0 ? null : plain(file.lines[i] as string).trimEnd();
}

/**
 * Where the hunk must lie if the model wrote its hunks in file order: between the placed hunks
 * written just before and just after it. Used only when it has both neighbours and every placed
 * hunk of the file is in file order (a reversed or shuffled diff shows itself there); a hunk at
 * either end of the list could be an afterthought written out of order.
 */
function orderBounds(spec: HunkSpec, chosen: Map<HunkSpec, Candidate>): { after: number; before: number } | null {
  const placed = [...chosen].sort((a, b) => a[0].hunk.ordinal - b[0].hunk.ordinal);
  if (placed.length < 2) return null;
  for (let i = 1; i < placed.length; i++) if ((placed[i] as [HunkSpec, Candidate])[1].start < (placed[i - 1] as [HunkSpec, Candidate])[1].end) return null;
  const k = spec.hunk.ordinal;
  const prev = [...placed].reverse().find(([s]) => s.hunk.ordinal < k);
  const next = placed.find(([s]) => s.hunk.ordinal > k);
  return prev && next ? { after: prev[1].end, before: next[1].start } : null;
}

