/**
 * Refusals for hunks that fit the file nowhere or in several places, worded for a person: the
 * line expected, what the file has there, and the nearest likely line.
 */
import { plain, type BaseFile } from './base-file.js';
import type { Candidate, HunkSpec } from './hunk-spec.js';
import { bestAlignment, mostSimilarLine, type OldLine } from './locate-hunk.js';
import { contextSpaceHint, q, refuse } from './refusal.js';
import { statedStart } from './hunk-spec.js';

export function refuseNotFound(file: BaseFile, spec: HunkSpec, display: string): never {
  const best = bestAlignment(file, { old: spec.old, gaps: spec.gaps });
  const marker = (o: OldLine): string => (o.kind === 'removed' ? '-' : ' ');
  if (!best) {
    const first = spec.old[0] as OldLine;
    const closest = mostSimilarLine(file, first.text, 0, file.lines.length);
    refuse(display, spec.hunk.ordinal, `none of the hunk's context or removed lines is in the file (first: ${q(marker(first) + first.text)})${lostSpace(file, first)}`, {
      expected: marker(first) + first.text,
      closest,
    }, 'nowhere');
  }
  // The first line that does not fit where most of the hunk does.
  let i = 0;
  const { start } = best;
  for (; i < spec.old.length; i++) {
    const line = file.lines[start + i];
    if (line === undefined || !sameLoose(plain(line), (spec.old[i] as OldLine).text)) break;
  }
  const bad = spec.old[Math.min(i, spec.old.length - 1)] as OldLine;
  const at = start + i;
  const found = at >= 0 && at < file.lines.length ? plain(file.lines[at] as string) : null;
  const closest = mostSimilarLine(file, bad.text, start - 10, start + spec.old.length + 10);
  const where = found === null ? `the file has no line ${at + 1}` : `line ${at + 1} is ${q(found)}`;
  refuse(display, spec.hunk.ordinal, `the hunk does not match the file: it fits best at line ${start + 1} (${best.matched} of ${spec.old.length} lines), where it expects ${q(marker(bad) + bad.text)} but ${where}${lostSpace(file, bad)}`, {
    expected: marker(bad) + bad.text,
    found,
    closest,
  }, 'nowhere');
}

/**
 * A context line of the file that starts with '-' (a Markdown or YAML list item), written without
 * its leading space, reads as the removal of the rest of the line. Which one was meant is the
 * model's to say, not the engine's to guess; the refusal names the line so the next diff can.
 */
function lostSpace(file: BaseFile, line: OldLine): string {
  if (line.kind !== 'removed') return '';
  const asWritten = `-${line.text}`;
  const at = file.lines.findIndex((candidate) => plain(candidate) === asWritten);
  if (at < 0) return '';
  return `; line ${at + 1} of the file is ${q(asWritten)}: ${contextSpaceHint(asWritten)}`;
}

function sameLoose(a: string, b: string): boolean {
  return a.replace(/\s+/g, '') === b.replace(/\s+/g, '');
}

export function refuseAmbiguous(file: BaseFile, spec: HunkSpec, cands: Candidate[], display: string, stated: number | null): never {
  const lines = cands.slice(0, 5).map((c) => c.start + 1);
  const more = cands.length > 5 ? ` and ${cands.length - 5} more` : '';
  const why = statedStart(spec) === null ? 'its header has no line numbers' : stated !== null ? `its header says line ${stated + 1}, which is none of them` : 'its header line numbers cannot be trusted to pick one';
  const first = cands[0] as Candidate;
  refuse(display, spec.hunk.ordinal, `the hunk's lines fit the file at lines ${lines.join(', ')}${more}, and ${why}; add context lines that appear only at the intended place`, {
    closest: { line: first.start + 1, text: plain(file.lines[first.start] ?? '') },
  });
}
