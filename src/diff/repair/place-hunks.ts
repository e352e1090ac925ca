/**
 * One place per hunk, or a refusal. A hunk whose content fits the file in one place goes there
 * (locate-hunk.ts finds the places). When it fits in several, only these may still decide:
 *
 * - Hunks of one diff never change the same lines: a place overlapping the changes of a hunk
 *   already placed is ruled out.
 * - What else the model said about the place (place-hints.ts): believable line numbers, the
 *   section text after `@@`, a hunk without trailing context (end of file, as git applies it),
 *   the order of the hunks. Each counts only when it singles out one place; hints that point at
 *   different places are a contradiction, and the hunk is refused.
 *
 * A hunk placed as written but with lopsided context is then checked for a dropped line that
 * would put it elsewhere (dropped-line-readings.ts), and one placed exactly away from its header's
 * line for a lost leading space that would put it there (stated-line-twin.ts). Otherwise the hunk
 * is refused, naming the candidate lines (unless the file's index line names the result of one,
 * index-line.ts).
 */
import { fillExactPositions, fillTrimPositions, type BaseFile } from './base-file.js';
import { checkNoDroppedLineReading, readingsOf } from './dropped-line-readings.js';
import { candidate, countsAgree, countsAgreeWithBlanks, statedStart, type Candidate, type HunkSpec } from './hunk-spec.js';
import { locate, type FileKeys, type Tier } from './locate-hunk.js';
import { agreedHint } from './place-hints.js';
import { refuseAmbiguous, refuseNotFound } from './place-refusals.js';
import { refuse } from './refusal.js';
import type { DiffLine } from './reply-diff.js';
import { chooseReading } from './readings-choice.js';
import { mergeSameResult } from './same-result.js';
import { refuseTwinAtStatedLine } from './stated-line-twin.js';

export { hunkSpec, type HunkSpec } from './hunk-spec.js';

export interface Chosen {
  spec: HunkSpec;
  /** File line of each old line; for a hunk without old lines, empty. */
  positions: number[];
  /** First old line (or the insertion point when there are none) and one past the last. */
  start: number;
  end: number;
  tier: Tier | 'numbers';
  /** How many alignments of the hunk gave this same edit of the same lines (see same-result.ts). */
  alike: number;
}

/** `contextSeen`: the most context any hunk of the reply has on one side of its changes. */
export function placeHunks(file: BaseFile, lines: readonly DiffLine[], specs: HunkSpec[], display: string, contextSeen: number): Chosen[] {
  let exact: Map<string, number[]> | null = null;
  let trim: Map<string, number[]> | null = null;
  const keys: FileKeys = {
    exact: () => (exact ??= fillExactPositions(file, wantedKeys(specs, false))),
    trim: () => (trim ??= fillTrimPositions(file, wantedKeys(specs, true))),
  };
  const options: Array<{ spec: HunkSpec; cands: Candidate[]; all: Candidate[]; alike: Map<Candidate, number>; tier: Tier | 'numbers' }> = specs.map((spec) => {
    if (spec.old.length === 0) {
      const cands = insertionCandidates(file, spec, display);
      return { spec, cands, all: cands, alike: new Map(cands.map((c) => [c, 1])), tier: 'numbers' };
    }
    const found = locate(file, { old: spec.old, gaps: spec.gaps }, keys);
    if (found.overflow) {
      refuse(display, spec.hunk.ordinal, 'the hunk fits the file in too many ways once dropped context lines are allowed for; add the missing context lines');
    }
    if (found.placements.length === 0) refuseNotFound(file, spec, display);
    // Alignments that differ only in which of two identical context lines is the model's are one
    // place; unless a line restored next to added lines is still to be put on one side of them,
    // which the hunk's extent decides (place-dropped-line.ts): then each extent is a place.
    const bySig = new Map<string, Candidate>();
    for (const p of found.placements) {
      const c = candidate(spec, p.positions);
      const key = c.sig === c.sigNext ? c.sig : `${c.sig}/${c.sigNext}/${c.start}/${c.end}`;
      if (!bySig.has(key)) bySig.set(key, c);
    }
    const all = [...bySig.values()];
    const same = mergeSameResult(file, lines, spec, all, contextSeen);
    return { spec, cands: same.cands, all, alike: same.alike, tier: found.placements[0]?.tier ?? 'exact' };
  });

  const chosen = new Map<HunkSpec, Candidate>();
  for (const o of options) if (o.cands.length === 1) chosen.set(o.spec, o.cands[0] as Candidate);
  // Line numbers are believed only if every hunk placed by its content alone sits exactly where
  // its header says; a header whose counts are wrong also needs one such hunk to vouch for it.
  // And none may be contradicted: a header written for its hunk (counts that agree) whose line is
  // none of the places the hunk fits shows the numbers were shifted, and a shifted number can
  // point at another place the same lines fit.
  const unique = [...chosen];
  const numbersBelievable = unique.every(([spec, c]) => statedStart(spec) === c.start) && options.every((o) => !countsAgree(o.spec) || statedStart(o.spec) === null || o.all.some((c) => c.start === statedStart(o.spec)));
  const usableStart = (spec: HunkSpec): number | null => (numbersBelievable && (countsAgree(spec) || countsAgreeWithBlanks(spec, lines) || unique.length > 0) ? statedStart(spec) : null);

  for (let progress = true; progress; ) {
    progress = false;
    for (const o of options) {
      if (chosen.has(o.spec)) continue;
      const free = o.cands.filter((c) => ![...chosen.values()].some((p) => c.lo <= p.hi && p.lo <= c.hi));
      const shapedAt = (c: Candidate): boolean => readingsOf(file, lines, o.spec.hunk, c.positions, contextSeen).some((r) => r.shaped);
      const pick = agreedHint(file, lines, o.spec, o.cands, free, chosen, usableStart(o.spec), shapedAt, display);
      if (pick) {
        chosen.set(o.spec, pick);
        progress = true;
      }
    }
  }

  return options.map((o) => {
    const c = chosen.get(o.spec) ?? chooseReading(o.cands, () => refuseAmbiguous(file, o.spec, o.cands, display, usableStart(o.spec)));
    // Every alignment, merged ones too, may still question the hunk as written.
    if (o.tier === 'exact' || o.tier === 'trim' || o.tier === 'loose') checkNoDroppedLineReading(file, lines, o.spec, c, o.all, o.tier, keys, contextSeen, display);
    if (o.tier === 'exact') refuseTwinAtStatedLine(file, lines, o.spec, c, display, contextSeen);
    return { spec: o.spec, positions: c.positions, start: c.start, end: c.end, tier: o.tier, alike: o.alike.get(c) ?? 1 };
  });
}

/** Each old line of the hunks (trimmed with `trim`) mapped to an empty list of positions, without a list of them first. */
function wantedKeys(specs: readonly HunkSpec[], trim: boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const spec of specs) {
    for (const o of spec.old) {
      const key = trim ? o.text.trim() : o.text;
      if (!out.has(key)) out.set(key, []);
    }
  }
  return out;
}

/** A hunk with no context or removed lines: only an empty file or the header can place it. */
function insertionCandidates(file: BaseFile, spec: HunkSpec, display: string): Candidate[] {
  if (file.lines.length === 0) return [{ positions: [], start: 0, end: 0, lo: 0, hi: 0, changeStart: 0, changeEnd: 0, sig: '', sigNext: '' }];
  const stated = countsAgree(spec) ? statedStart(spec) : null;
  if (stated === 0 && spec.hunk.range?.oldStart === 0) {
    refuse(display, spec.hunk.ordinal, 'the hunk only adds lines, at line 0, as if the file were new, but it exists at base and is not empty; was a new file meant?');
  }
  if (stated === null || stated > file.lines.length) {
    refuse(display, spec.hunk.ordinal, 'the hunk only adds lines and has no context lines, so only its header could place it, and the header line numbers are missing or do not match the hunk');
  }
  return [{ positions: [], start: stated, end: stated, lo: stated, hi: stated, changeStart: stated, changeEnd: stated, sig: `|${stated}`, sigNext: `|${stated}` }];
}

