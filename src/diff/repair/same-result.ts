/**
 * Alignments of a hunk that are one reading: a hunk that lost one of two equal context lines (two
 * blank lines) fits the file in two alignments, one taking the first of the two for the model's
 * line and one the second. When both span the same lines of the file and give the same lines
 * there, they are the same edit of the same place, and nothing is left to choose.
 *
 * Each alignment counts with the result buildOps will give it: the line restored next to added
 * lines goes where git's shape puts it (place-dropped-line.ts). An alignment whose restored line
 * could go either way (none or several readings of git's shape) counts with every reading, so it
 * is never merged: its readings may differ from each other, and that stays a refusal.
 */
import { plain, type BaseFile } from './base-file.js';
import { readingsOf } from './dropped-line-readings.js';
import type { Candidate, HunkSpec } from './hunk-spec.js';
import type { Op } from './hunk-ops.js';
import type { DiffLine } from './reply-diff.js';

export interface SameResult {
  cands: Candidate[];
  /** For each kept candidate, how many alignments it stands for (1 when merged with none). */
  alike: Map<Candidate, number>;
}

export function mergeSameResult(file: BaseFile, lines: readonly DiffLine[], spec: HunkSpec, cands: Candidate[], contextSeen: number): SameResult {
  const alike = new Map<Candidate, number>();
  if (cands.length < 2) {
    for (const c of cands) alike.set(c, 1);
    return { cands, alike };
  }
  const byResult = new Map<string, Candidate>();
  const kept: Candidate[] = [];
  // Whether the kept candidate of a group places its lines without a choice left to buildOps.
  const plainReading = new Map<Candidate, boolean>();
  for (const c of cands) {
    const readings = readingsOf(file, lines, spec.hunk, c.positions, contextSeen);
    const shaped = readings.filter((r) => r.shaped);
    const only = readings.length === 1 ? readings[0] : shaped.length === 1 ? shaped[0] : undefined;
    const key = only === undefined ? null : resultKey(file, only.ops);
    const same = key === null ? undefined : byResult.get(key);
    if (same === undefined) {
      kept.push(c);
      alike.set(c, 1);
      plainReading.set(c, readings.length === 1);
      if (key !== null) byResult.set(key, c);
      continue;
    }
    alike.set(same, (alike.get(same) as number) + 1);
    // The alignment that needs no side chosen for a restored line stands for the group, so the
    // repaired hunk does not depend on the shape rule at all when it need not.
    if (readings.length === 1 && plainReading.get(same) === false) {
      kept[kept.indexOf(same)] = c;
      alike.set(c, alike.get(same) as number);
      alike.delete(same);
      plainReading.set(c, true);
      byResult.set(key as string, c);
    }
  }
  return { cands: kept, alike };
}

/**
 * The lines the hunk spans in the base file and the lines it leaves there: equal keys are the same
 * edit of the same place (context and removed lines come from the file, added ones from the reply).
 */
function resultKey(file: BaseFile, ops: readonly Op[]): string {
  let first = -1;
  let last = -1;
  const out: string[] = [];
  for (const op of ops) {
    if (op.kind === 'added') {
      out.push(`+${op.text}`);
      continue;
    }
    if (first < 0) first = op.line;
    last = op.line;
    if (op.kind === 'context') out.push(` ${plain(file.lines[op.line] as string)}`);
  }
  return `${first}:${last}\n${out.join('\n')}`;
}
