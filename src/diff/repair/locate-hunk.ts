/**
 * Where in the base file a hunk's old side (its context and removed lines) can sit. Line numbers
 * in model diffs are unreliable, so the search is by content, in tiers from strict to lenient; the
 * first tier with any match decides, and the caller refuses when it finds more than one place:
 *
 * 1. exact: every line equal (a '\r' aside). A diff that is valid as written matches here, at the
 *    same place git would apply it.
 * 2. trim: equal once whitespace at either end is ignored (indentation retyped with spaces,
 *    trailing spaces stripped, a blank context line without its space).
 * 3. trim with gaps: the model may also have dropped up to MAX_GAP context lines between two of its
 *    lines, next to a context line. Where added lines sit between the two, at most one line, once
 *    per hunk: its place among the added lines is decided later (place-dropped-line.ts). Here an
 *    alignment exact to the letter is one among the others (see gapped()).
 * 4. and 5. the same two with all whitespace ignored (an alignment tab retyped as spaces).
 *
 * Each tier starts from the hunk line with the fewest occurrences in the file (an index built once
 * per file and kind of key), so the work is proportional to the hunk, not the file.
 */
import { keyOf, lineIndex, plain, type BaseFile, type KeyKind } from './base-file.js';

export interface OldLine {
  text: string;
  kind: 'context' | 'removed';
}

/**
 * What may be missing between two consecutive old lines: nothing; up to MAX_GAP lines; or, where
 * added lines sit between them, one line (once per hunk).
 */
export type Gap = 'none' | 'free' | 'beside-added';

export interface LocateSpec {
  old: OldLine[];
  /** gaps[i]: between old[i] and old[i + 1]. */
  gaps: Gap[];
}

export type Tier = 'exact' | 'trim' | 'trim-gapped' | 'loose' | 'loose-gapped';

export interface Placement {
  /** The file line (0-based) of each old line, increasing. */
  positions: number[];
  tier: Tier;
}

export interface Located {
  placements: Placement[];
  /** The gapped search stopped early: there are too many ways to fit the hunk to tell them apart. */
  overflow: boolean;
}

/** Lines one gap may hide, and in a whole hunk: a model that dropped more is not guessed after. */
const MAX_GAP = 3;
const MAX_GAP_TOTAL = 6;
/** More distinct alignments than this is ambiguity already; stop enumerating. */
const MAX_ALIGNMENTS = 64;

/** Positions of the hunks' lines in the file, built once per file for all its hunks, on first use. */
export interface FileKeys {
  exact: () => Map<string, number[]>;
  trim: () => Map<string, number[]>;
}

export function locate(file: BaseFile, spec: LocateSpec, keys: FileKeys): Located {
  const none: Located = { placements: [], overflow: false };
  if (spec.old.length === 0) return none;
  const exact = exactMatches(file, spec, keys.exact());
  if (exact.length > 0) return { placements: exact, overflow: false };
  const canGap = spec.gaps.some((g) => g !== 'none');
  for (const kind of ['trim', 'loose'] as const) {
    const trimIndex = keys.trim();
    const found = contiguous(file, spec, kind, trimIndex);
    if (found.length > 0) return { placements: found, overflow: false };
    if (canGap) {
      const g = gapped(file, spec, kind, trimIndex);
      if (g.overflow || g.placements.length > 0) return g;
    }
  }
  return none;
}

/** Only the tiers that restore dropped lines: what else the hunk could mean if the model dropped one. */
export function locateWithDroppedLines(file: BaseFile, spec: LocateSpec, keys: FileKeys, loose = true): Located {
  if (!spec.gaps.some((g) => g !== 'none')) return { placements: [], overflow: false };
  const trim = gapped(file, spec, 'trim', keys.trim());
  return trim.overflow || trim.placements.length > 0 || !loose ? trim : gapped(file, spec, 'loose', keys.trim());
}

interface Anchored {
  /** The key of file line i. */
  keyAt: (i: number) => string;
  want: string[];
  anchor: number;
  anchorPositions: readonly number[];
}

/** The hunk line with the fewest occurrences in the file, to start every match from. */
function anchored(file: BaseFile, spec: LocateSpec, kind: KeyKind, trimIndex: Map<string, number[]>): Anchored {
  const want = spec.old.map((o) => keyOf(kind, o.text));
  const index = kind === 'trim' ? null : lineIndex(file, kind);
  const positions = index ? index.positions : trimIndex;
  let anchor = 0;
  let fewest = Infinity;
  want.forEach((key, i) => {
    const n = positions.get(key)?.length ?? 0;
    if (n < fewest) {
      fewest = n;
      anchor = i;
    }
  });
  const keyAt = index ? (i: number): string => index.keys[i] as string : (i: number): string => (file.lines[i] as string).trim();
  return { keyAt, want, anchor, anchorPositions: positions.get(want[anchor] as string) ?? [] };
}

/** Contiguous places where every line is equal to the file's ('\r' aside). */
function exactMatches(file: BaseFile, spec: LocateSpec, index: Map<string, number[]>): Placement[] {
  let anchor = 0;
  let fewest = Infinity;
  spec.old.forEach((o, i) => {
    const n = index.get(o.text)?.length ?? 0;
    if (n < fewest) {
      fewest = n;
      anchor = i;
    }
  });
  const out: Placement[] = [];
  const k = spec.old.length;
  for (const p of index.get((spec.old[anchor] as OldLine).text) ?? []) {
    const s = p - anchor;
    if (s < 0 || s + k > file.lines.length) continue;
    if (spec.old.every((o, i) => plain(file.lines[s + i] as string) === o.text)) out.push({ positions: Array.from({ length: k }, (_, i) => s + i), tier: 'exact' });
  }
  return out;
}

/** Contiguous matches; on the 'trim' key, the exact ones (if any) win. */
function contiguous(file: BaseFile, spec: LocateSpec, kind: KeyKind, trimIndex: Map<string, number[]>): Placement[] {
  const { keyAt, want, anchor, anchorPositions } = anchored(file, spec, kind, trimIndex);
  const k = want.length;
  const exact: Placement[] = [];
  const other: Placement[] = [];
  for (const p of anchorPositions) {
    const s = p - anchor;
    if (s < 0 || s + k > file.lines.length) continue;
    let ok = true;
    for (let i = 0; i < k && ok; i++) ok = keyAt(s + i) === want[i];
    if (!ok) continue;
    const positions = Array.from({ length: k }, (_, i) => s + i);
    const isExact = kind === 'trim' && spec.old.every((o, i) => plain(file.lines[s + i] as string) === o.text);
    (isExact ? exact : other).push({ positions, tier: isExact ? 'exact' : kind });
  }
  return exact.length > 0 ? exact : other;
}

/** Alignments with dropped lines, around each occurrence of the anchor line. */
function gapped(file: BaseFile, spec: LocateSpec, kind: KeyKind, trimIndex: Map<string, number[]>): Located {
  const { keyAt, want, anchor, anchorPositions } = anchored(file, spec, kind, trimIndex);
  const n = file.lines.length;
  const tier: Tier = kind === 'trim' ? 'trim-gapped' : 'loose-gapped';
  const out: Placement[] = [];
  for (const p of anchorPositions) {
    const before = extend(keyAt, n, want, spec.gaps, anchor, p, -1);
    const after = extend(keyAt, n, want, spec.gaps, anchor, p, 1);
    if (before === null || after === null) return { placements: out, overflow: true };
    for (const b of before) {
      for (const a of after) {
        if (b.gap + a.gap === 0 || b.gap + a.gap > MAX_GAP_TOTAL || b.besideAdded + a.besideAdded > 1) continue;
        out.push({ positions: [...b.path, p, ...a.path], tier });
        if (out.length > MAX_ALIGNMENTS) return { placements: out, overflow: true };
      }
    }
  }
  // Every alignment counts, also where some match every line exactly: each already has the model
  // drop a line, and one that also lost a leading space (a context line "  a" written " a", which
  // reads as the file's "a") is as likely; where they give different results, the hunk is refused.
  return { placements: out, overflow: false };
}

interface Partial {
  /** Positions of the lines on one side of the anchor, in file order. */
  path: number[];
  gap: number;
  /** Gaps used beside added lines. */
  besideAdded: number;
}

/** A step of a partial match: its line and the step before it (paths are shared, not copied). */
interface Step {
  pos: number;
  prev: Step | null;
  gap: number;
  besideAdded: number;
}

/** Every way to match the lines on one side of the anchor (dir -1: before it, 1: after it); null when there are too many. */
function extend(keyAt: (i: number) => string, n: number, want: readonly string[], gaps: readonly Gap[], anchor: number, p: number, dir: -1 | 1): Partial[] | null {
  let frontier: Step[] = [{ pos: p, prev: null, gap: 0, besideAdded: 0 }];
  for (let i = anchor + dir; i >= 0 && i < want.length; i += dir) {
    const kind = gaps[dir === 1 ? i - 1 : i]; // the boundary between old[i] and its neighbour
    const maxGap = kind === 'free' ? MAX_GAP : kind === 'beside-added' ? 1 : 0;
    const next: Step[] = [];
    for (const f of frontier) {
      for (let g = 0; g <= maxGap && f.gap + g <= MAX_GAP_TOTAL; g++) {
        const q = f.pos + dir * (g + 1);
        if (q < 0 || q >= n || keyAt(q) !== want[i]) continue;
        const besideAdded = f.besideAdded + (kind === 'beside-added' && g > 0 ? 1 : 0);
        if (besideAdded > 1) continue;
        next.push({ pos: q, prev: f, gap: f.gap + g, besideAdded });
      }
    }
    if (next.length === 0) return [];
    if (next.length > MAX_ALIGNMENTS) return null;
    frontier = next;
  }
  return frontier.map((f) => {
    const path: number[] = [];
    for (let s: Step | null = f; s !== null && s.prev !== null; s = s.prev) path.push(s.pos);
    // Collected from the far end back to the anchor: file order after it, reversed before it.
    if (dir === 1) path.reverse();
    return { path, gap: f.gap, besideAdded: f.besideAdded };
  });
}

/** The start with the most hunk lines in place: where the hunk "almost" fits, for a refusal. */
export function bestAlignment(file: BaseFile, spec: LocateSpec): { start: number; matched: number } | null {
  const index = lineIndex(file, 'loose').positions;
  const votes = new Map<number, number>();
  spec.old.forEach((o, i) => {
    const positions = index.get(keyOf('loose', o.text)) ?? [];
    if (positions.length > 200) return; // common lines ("}", blank) say nothing about the place
    for (const p of positions) votes.set(p - i, (votes.get(p - i) ?? 0) + 1);
  });
  let best: { start: number; matched: number } | null = null;
  for (const [start, matched] of votes) {
    if (!best || matched > best.matched || (matched === best.matched && start < best.start)) best = { start, matched };
  }
  return best;
}

/** The line of the file most like `text` among lines [from, to), by shared characters and character pairs. */
export function mostSimilarLine(file: BaseFile, text: string, from: number, to: number): { line: number; text: string } | null {
  const want = bigrams(text.trim());
  const wantChars = grams(text.trim(), 1);
  let best: { line: number; score: number } | null = null;
  for (let i = Math.max(0, from); i < Math.min(file.lines.length, to); i++) {
    const line = plain(file.lines[i] as string);
    const score = dice(want, bigrams(line.trim())) + dice(wantChars, grams(line.trim(), 1)) / 2;
    if (!best || score > best.score) best = { line: i, score };
  }
  return best && best.score > 0 ? { line: best.line + 1, text: plain(file.lines[best.line] as string) } : null;
}

function bigrams(s: string): Map<string, number> {
  return grams(s, 2);
}

function grams(s: string, n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= s.length; i++) {
    const b = s.slice(i, i + n);
    m.set(b, (m.get(b) ?? 0) + 1);
  }
  return m;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const [k, n] of a) {
    shared += Math.min(n, b.get(k) ?? 0);
    total += n;
  }
  for (const n of b.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}
