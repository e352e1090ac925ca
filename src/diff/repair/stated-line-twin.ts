/**
 * A hunk that fits the file exactly somewhere other than where its header says may still be the
 * hunk meant for the header's line, read wrongly: a context line that lost its leading space (" a"
 * written for "  a") reads as another line of the file (" a"), and the same lines of the file can
 * stand exactly elsewhere. Wrong line numbers and a lost leading space are both common in model
 * diffs, so when the hunk's lines are also the file's at the header's line, once whitespace is set
 * aside, with another result, which one was meant is a guess: refused. The exact fit still wins
 * where the header agrees with it, or where nothing is at the header's line but other text.
 */
import { keyOf, plain, type BaseFile } from './base-file.js';
import { candidate, statedStart, type Candidate, type HunkSpec } from './hunk-spec.js';
import { q, refuse } from './refusal.js';
import type { DiffLine } from './reply-diff.js';
import { mergeSameResult } from './same-result.js';

export function refuseTwinAtStatedLine(file: BaseFile, lines: readonly DiffLine[], spec: HunkSpec, exact: Candidate, display: string, contextSeen: number): void {
  const stated = statedStart(spec);
  const k = spec.old.length;
  if (stated === null || stated === exact.start || k === 0 || stated < 0 || stated + k > file.lines.length) return;
  const at = (i: number): string => plain(file.lines[stated + i] as string);
  const differs = spec.old.findIndex((o, i) => o.text !== at(i));
  // An exact fit at the header's line too is one of the places the placement chose among.
  if (differs < 0) return;
  // All whitespace set aside (which takes in lines equal once trimmed).
  if (!spec.old.every((o, i) => keyOf('loose', o.text) === keyOf('loose', at(i)))) return;
  const twin = candidate(spec, Array.from({ length: k }, (_, i) => stated + i));
  // Lines alike enough that both places make the same file: one reading.
  if (mergeSameResult(file, lines, spec, [exact, twin], contextSeen).cands.length === 1) return;
  const written = spec.old[differs]!.text;
  refuse(
    display,
    spec.hunk.ordinal,
    `the hunk's lines are the file's exactly at line ${exact.start + 1}, and at line ${stated + 1}, where its header puts it, once whitespace is set aside (line ${stated + differs + 1} is ${q(at(differs))} where the hunk has ${q(written)}: a context line that lost its leading space reads so); which was meant would be a guess: correct the header's line number or that line`,
    { expected: written },
    'two-ways',
  );
}
