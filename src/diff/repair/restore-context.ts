/**
 * From a placed hunk to its operations, with the file as the authority on every line it already
 * has: context and removed lines are taken from the file (their whitespace drift is logged),
 * context lines the model dropped inside the hunk are restored, and short or lopsided context at
 * either end is topped up from the file so git finds the hunk where it belongs.
 */
import { excerpt, type Fix } from '../types.js';
import { plain, type BaseFile } from './base-file.js';
import { counts, countedBeyondBody, markersOf, trailingContext, type Op, type PlacedHunk } from './hunk-ops.js';
import type { Chosen } from './place-hunks.js';
import type { DiffLine } from './reply-diff.js';
import { placeDroppedLine, type DroppedBesideAdded } from './place-dropped-line.js';
import { refuseUnlessChoosing } from './readings-choice.js';
import { refuse } from './refusal.js';

/** Context wanted on each side of a change, as git writes by default; never more is added. */
export const CONTEXT = 3;
/** Context lines one gap may hide, as in locate-hunk.ts. */
const DROPPED_AT_MOST = 3;

type Drift = { kind: string; line: number; before: string; after: string };

/**
 * `contextSeen` is the most context any hunk of the reply has on one side of its changes (see
 * place-dropped-line.ts).
 */
export function buildOps(file: BaseFile, lines: readonly DiffLine[], chosen: Chosen, display: string, fixes: Fix[], contextSeen: number): PlacedHunk {
  const { spec, positions } = chosen;
  const hunk = spec.hunk;
  let ops: Op[] = [];
  const drift: Drift[] = [];
  let k = 0;
  let prevLine = -1;
  let addedRun = 0;
  let beside: DroppedBesideAdded | null = null;
  for (const b of hunk.body) {
    if (b.kind === 'marker') continue;
    if (b.kind === 'added') {
      ops.push({ kind: 'added', text: b.text, from: b, noEol: false });
      addedRun++;
      continue;
    }
    const line = positions[k++] as number;
    // Lines the model dropped between two of its lines (only where locate allowed a gap).
    if (prevLine >= 0 && line > prevLine + 1 && addedRun > 0) beside = { runStart: ops.length - addedRun, runLength: addedRun };
    for (let g = prevLine + 1; prevLine >= 0 && g < line; g++) {
      ops.push({ kind: 'context', line: g, from: null, noEol: false });
      drift.push({ kind: addedRun > 0 ? 'place-dropped-context' : 'restore-context', line: g, before: '', after: plain(file.lines[g] as string) });
    }
    prevLine = line;
    addedRun = 0;
    ops.push({ kind: b.kind, line, from: b, noEol: false });
    const actual = plain(file.lines[line] as string);
    if (b.unmarked) drift.push({ kind: 'context-marker', line, before: b.text, after: ` ${actual}` });
    else if (b.text !== actual) drift.push({ kind: b.kind === 'removed' ? 'removed-whitespace' : 'context-whitespace', line, before: b.text, after: actual });
  }
  // Unmarked lines after the hunk may be its context (see trailingContext).
  let end = positions.length > 0 ? (positions[positions.length - 1] as number) + 1 : chosen.start;
  const blanksUsed = positions.length > 0 ? trailingContext(file, lines, hunk, end) : 0;
  const restored = drift.filter((d) => d.kind === 'restore-context' || d.kind === 'place-dropped-context').length;
  refuseUnlessChoosing(() => refuseUnplacedTrailingContext(file, lines, hunk, end, blanksUsed, restored, display));
  for (const index of hunk.trailing.slice(0, blanksUsed)) {
    const text = lines[index]?.text ?? '';
    ops.push({ kind: 'context', line: end, from: { kind: 'context', text, index, unmarked: true }, noEol: false });
    drift.push({ kind: 'context-marker', line: end, before: text, after: ` ${plain(file.lines[end] as string)}` });
    end++;
  }
  if (beside) ops = placeDroppedLine(file, ops, beside, contextSeen, display, hunk.ordinal);
  refuseUnlessChoosing(() => refuseAddedThatIsContext(file, ops, display, hunk.ordinal));
  logDrift(drift, display, hunk.ordinal, fixes);
  if (!ops.some((op) => op.kind !== 'context')) refuse(display, hunk.ordinal, 'internal: a hunk without changes reached placement');
  return { reply: hunk, blanksUsed, start: chosen.start, end, ops, markers: markersOf(hunk) };
}

/**
 * Unmarked lines after a hunk that its header counts as its lines, yet that are not the file's
 * next lines there: context written after a dropped line ("}" after a lost blank line). Taking
 * them for prose (or separators) would place the hunk as if nothing were lost; which was meant
 * cannot be told.
 */
function refuseUnplacedTrailingContext(file: BaseFile, lines: readonly DiffLine[], hunk: PlacedHunk['reply'], end: number, used: number, restored: number, display: string): void {
  const next = hunk.trailing[used];
  const text = next === undefined ? '' : (lines[next]?.text ?? '').trim();
  // Whatever the counts say: a line right after the hunk that is the file's line a few lines
  // further on is that line, written after context lines the diff dropped.
  for (let g = 1; text !== '' && g <= DROPPED_AT_MOST; g++) {
    const at = end + used + g;
    if (at < file.lines.length && (file.lines[at] as string).trim() === text) {
      refuse(display, hunk.ordinal, `the line ${JSON.stringify(text)} after the hunk is the file's line ${at + 1}, ${g + 1} lines after the hunk's end: context lines were probably dropped before it, and where the hunk goes cannot be told`, {
        expected: plain(file.lines[end + used] ?? ''),
        found: text,
        closest: { line: at + 1, text: plain(file.lines[at] as string) },
      });
    }
  }
  const more = countedBeyondBody(hunk);
  // Lines restored inside the hunk (where locating it found them dropped) are lines the header
  // counts too: when they and the blank lines after the body make up the count, nothing is missing.
  if (more === null || more <= used || more === used + restored) return;
  if (next === undefined) {
    // The hunk's end lost its marker and the header still counts lines the diff does not show: a
    // line was dropped, perhaps before those unmarked lines, which locating the hunk cannot see.
    if (used > 0) refuse(display, hunk.ordinal, `the header counts ${more} line(s) after the hunk's body, but only ${used} follow it (without their leading space): a context line was probably dropped, and where the hunk goes cannot be told`);
    return;
  }
  // Blank ones too: a blank line the header counts is the file's blank line, not a separator.
  const written = lines[next]?.text ?? '';
  refuse(display, hunk.ordinal, `the header counts ${JSON.stringify(written)} after the hunk as one of its lines, but the file has ${JSON.stringify(plain(file.lines[end + used] ?? '(end of file)'))} there: a context line was probably dropped before it, and where the hunk goes cannot be told`, {
    expected: plain(file.lines[end + used] ?? ''),
    found: written,
  });
}

/**
 * A context line of the file that starts with '+' ("+ item" in a Markdown list) reads as an added
 * line once its leading space is dropped, and the file's own line then looks dropped. Adding it
 * would duplicate the line, so a restored line equal to '+' and an added line is refused.
 */
function refuseAddedThatIsContext(file: BaseFile, ops: readonly Op[], display: string, ordinal: number): void {
  if (!ops.some((op) => op.kind === 'context' && op.from === null)) return;
  const added = new Set(ops.flatMap((op) => (op.kind === 'added' ? [`+${op.text}`] : [])));
  for (const op of ops) {
    if (op.kind !== 'context' || op.from !== null) continue;
    const text = plain(file.lines[op.line] as string);
    if (added.has(text)) refuseAddedOrContext(display, ordinal, op.line, text);
  }
}

/** `text`, file line `line` (0-based), may be the model's added line or that line as context. */
function refuseAddedOrContext(display: string, ordinal: number, line: number, text: string): never {
  return refuse(display, ordinal, `the added line ${JSON.stringify(text.slice(1))} may be the file's context line ${line + 1} (${JSON.stringify(text)}) without its leading space; cannot tell whether it is meant as added`, {
    expected: text,
    found: text,
    closest: { line: line + 1, text },
  }, 'two-ways');
}

const DRIFT_WORDS: Record<string, string> = {
  'restore-context': 'context line(s) the diff dropped were restored from the file',
  'place-dropped-context':
    "context line the diff dropped next to added lines was restored from the file, on the one side of them that gives the hunk git's shape (equal context before and after its changes)",
  'context-marker': "context line(s) had lost their leading ' ' marker; restored from the file",
  'context-whitespace': 'context line(s) differed from the file in whitespace only; taken from the file',
  'removed-whitespace': 'removed line(s) differed from the file in whitespace only; taken from the file',
};

function logDrift(drift: Drift[], file: string, hunk: number, fixes: Fix[]): void {
  for (const kind of Object.keys(DRIFT_WORDS)) {
    const items = drift.filter((d) => d.kind === kind);
    if (items.length === 0) continue;
    const first = items[0] as Drift;
    fixes.push({
      kind,
      file,
      hunk,
      detail: `${items.length} ${DRIFT_WORDS[kind]} (first at line ${first.line + 1}: ${JSON.stringify(first.before)} → ${JSON.stringify(first.after)})`,
      before: excerpt(items.map((d) => d.before).join('\n')),
      after: excerpt(items.map((d) => d.after).join('\n')),
    });
  }
}

/**
 * Hunks whose old sides overlap become one hunk, provided the overlap is context in both (two
 * hunks changing the same lines contradict each other and are refused). Hunks must be sorted.
 */
export function mergeOverlapping(hunks: PlacedHunk[], display: string, fixes: Fix[]): PlacedHunk[] {
  const out: PlacedHunk[] = [];
  for (const h of hunks) {
    const prev = out[out.length - 1];
    if (!prev || h.start >= prev.end) {
      out.push(h);
      continue;
    }
    const cut = prev.ops.findIndex((op) => op.kind !== 'added' && op.line >= h.start);
    const prevTail = cut < 0 ? [] : prev.ops.slice(cut);
    const hHead = h.ops.filter((op) => op.kind !== 'added' && op.line < prev.end);
    const firstChangeInH = h.ops.findIndex((op) => op.kind !== 'context');
    const overlapInH = h.ops.slice(0, firstChangeInH < 0 ? h.ops.length : firstChangeInH).filter((op) => op.kind !== 'added' && op.line < prev.end);
    if (prevTail.some((op) => op.kind !== 'context') || overlapInH.length !== hHead.length) {
      refuse(display, h.reply.ordinal, `hunks ${prev.reply.ordinal} and ${h.reply.ordinal} change overlapping lines of the file (around line ${h.start + 1}); they contradict each other`);
    }
    const merged: PlacedHunk = { reply: prev.reply, blanksUsed: prev.blanksUsed, start: prev.start, end: Math.max(prev.end, h.end), ops: [...prev.ops.slice(0, cut < 0 ? prev.ops.length : cut), ...h.ops], markers: [...prev.markers, ...h.markers] };
    fixes.push({
      kind: 'merge-hunks',
      file: display,
      hunk: h.reply.ordinal,
      detail: `hunks ${prev.reply.ordinal} and ${h.reply.ordinal} share context lines (from line ${h.start + 1}); merged into one hunk`,
      before: '',
      after: '',
    });
    out[out.length - 1] = merged;
  }
  return out;
}

/**
 * Top up context so each hunk has the same amount before and after its changes (at least one
 * line, at most CONTEXT), as far as the file and the neighbouring hunks allow. A model that drops
 * the last context line leaves a hunk git would only apply at the end of the file; a lopsided
 * hunk is fine for git but a sign of a dropped line, and context never changes what a hunk does.
 */
export function padContext(file: BaseFile, hunks: PlacedHunk[], display: string, fixes: Fix[]): void {
  hunks.forEach((h, i) => {
    const lead = h.ops.findIndex((op) => op.kind !== 'context');
    let trail = 0;
    for (let j = h.ops.length - 1; j >= 0 && h.ops[j]?.kind === 'context'; j--) trail++;
    const want = Math.min(CONTEXT, Math.max(lead, trail, 1));
    const prevEnd = i > 0 ? (hunks[i - 1] as PlacedHunk).end : 0;
    const nextStart = i + 1 < hunks.length ? (hunks[i + 1] as PlacedHunk).start : file.lines.length;
    const addLead = Math.max(0, Math.min(want - lead, h.start - prevEnd));
    const addTrail = Math.max(0, Math.min(want - trail, nextStart - h.end));
    if (addLead === 0 && addTrail === 0) return;
    const before = Array.from({ length: addLead }, (_, g) => h.start - addLead + g);
    const after = Array.from({ length: addTrail }, (_, g) => h.end + g);
    h.ops.unshift(...before.map((line): Op => ({ kind: 'context', line, from: null, noEol: false })));
    h.ops.push(...after.map((line): Op => ({ kind: 'context', line, from: null, noEol: false })));
    h.start -= addLead;
    h.end += addTrail;
    // A line taken from the file here may be the model's own, read as added (see refuseAddedThatIsContext).
    refuseAddedThatIsContext(file, h.ops, display, h.reply.ordinal);
    const c = counts(h.ops);
    const sides = [addLead > 0 ? `${addLead} before` : '', addTrail > 0 ? `${addTrail} after` : ''].filter(Boolean).join(' and ');
    fixes.push({
      kind: 'pad-context',
      file: display,
      hunk: h.reply.ordinal,
      detail: `the hunk had ${lead} context line(s) before its changes and ${trail} after; added ${sides} from the file (now ${c.old} old / ${c.new} new lines)`,
      before: '',
      after: excerpt([...before, ...after].map((l) => ` ${plain(file.lines[l] as string)}`).join('\n')),
    });
  });
}
