/**
 * A reply in an edit format other than the unified diff (whole files, SEARCH/REPLACE blocks) to a
 * patch a person may approve: the files it names are read from the state tree (base + approved
 * patches), the reply is converted to a unified diff (src/diff/edit-formats/), and that diff goes
 * through the same repair-and-validate as a diff reply, which passes it through with no fixes.
 */
import path from 'node:path';
import type { RepairOutcome } from '../diff/engine.js';
import { convertReply, replyPathsNeeded, type ConversionResult, type EditFormat } from '../diff/edit-formats/index.js';
import { unsafePath } from '../diff/edit-formats/reply-lines.js';
import { withGitMemo, type GitMemo } from '../git/memo.js';
import { readBlobs } from '../git/read-blobs.js';
import { buildStateTree } from '../git/state-tree.js';
import { hiddenFileRefusal, repairAndValidate, type RepairedPatch } from './repair-and-validate.js';

export interface ConvertedPatch extends RepairedPatch {
  conversion: ConversionResult;
}

export type ConvertedFormat = Exclude<EditFormat, 'diff'>;

/** The refusal of a conversion in one line: where in the reply, then why. */
export function conversionRefusalLine(c: Extract<ConversionResult, { ok: false }>): string {
  // Most reasons name their line already ("line 7 of the reply ..."); the others get it in front.
  return c.line === undefined || c.reason.includes(`line ${c.line}`) ? c.reason : `reply line ${c.line}: ${c.reason}`;
}

export async function convertAndValidate(
  repoRoot: string,
  base: string,
  approvedPatches: string[],
  format: ConvertedFormat,
  reply: string,
  repoName: string = path.basename(repoRoot),
  memo?: GitMemo,
  /** The repository files the executor was shown (see repairAndValidate); null: no such limit. */
  visible: readonly string[] | null = null,
): Promise<ConvertedPatch> {
  return withGitMemo(memo, async (m) => {
    const state = approvedPatches.length === 0 ? base : await buildStateTree(repoRoot, base, approvedPatches, m);
    // Unsafe names are refused by the conversion before any read, so they are never asked of git.
    const needed = replyPathsNeeded(format, reply).filter((p) => unsafePath(p) === null);
    const blobs = await readBlobs(repoRoot, state, needed, m);
    const readFile = (p: string): string | undefined => {
      const blob = blobs.get(p);
      // Every path the conversion asks about was listed by replyPathsNeeded; another is a bug, not an absent file.
      if (blob === undefined) throw new Error(`the conversion asked about ${JSON.stringify(p)}, which replyPathsNeeded did not list`);
      return blob === null ? undefined : blob.toString('utf8');
    };
    const shown = visible === null ? null : new Set(visible);
    const conversion = convertReply(format, reply, readFile, { hidden: (p) => (shown !== null && !shown.has(p) ? hiddenFileRefusal(p) : null) });
    if (!conversion.ok) return { conversion, outcome: refusedOutcome(conversion), validation: null, error: conversionRefusalLine(conversion) };
    const repaired = await repairAndValidate(repoRoot, base, approvedPatches, conversion.diff, repoName, m, visible);
    return { ...repaired, conversion };
  });
}

/** A refused conversion in the engine's shape, so callers that show or record outcomes need no second path. */
function refusedOutcome(c: Extract<ConversionResult, { ok: false }>): RepairOutcome {
  return {
    ok: false,
    diff: '',
    notes: '',
    fixes: [],
    files: [],
    expected: [],
    error: conversionRefusalLine(c),
    refusal: { file: c.path ?? null, hunk: null, reason: conversionRefusalLine(c), expected: null, found: null, closest: null },
  };
}
