import path from 'node:path';
import { filesNeeded, repairReply, type RepairOutcome } from '../diff/engine.js';
import { checkPatchPath } from '../diff/paths.js';
import { unsafePathReason } from '../visible-text.js';
import { withGitMemo, type GitMemo } from '../git/memo.js';
import { readBlobs } from '../git/read-blobs.js';
import { executableIndexPaths, keptModeRefusal, nulByteRefusal, rawReplyRefusal, treePathRefusal } from './patch-policy.js';
import { fileModesAt } from '../git/file-modes.js';
import { buildStateTree, historyName, validatePatch, type PatchValidation } from '../git/state-tree.js';
import { linkedPaths } from '../git/tree-paths.js';

export interface RepairedPatch {
  outcome: RepairOutcome;
  /** Null when the engine refused the reply, so git was never asked. */
  validation: PatchValidation | null;
  /** Why the patch is refused, in one line; null when it validates. */
  error: string | null;
}

/**
 * The one path from a model's reply to a patch a person may approve: extract and repair against
 * the files as they are at base + approved patches, then have git apply the result in a
 * temporary index and check it produced exactly the post-image the engine computed.
 */
export async function repairAndValidate(
  repoRoot: string,
  base: string,
  approvedPatches: string[],
  reply: string,
  /** The repository folder's name as the model may have doubled it into paths; a run records it at init. */
  repoName: string = path.basename(repoRoot),
  /** Shared by the calls of one command (verify) that ask git the same questions; one per call otherwise. */
  memo?: GitMemo,
  /**
   * The repository files the executor was shown; a reply that changes, deletes or renames any other
   * existing file is refused naming it, and that file's content is never used or quoted. Null: no
   * such limit (a diff a person checks, a run recorded before attempts kept the list).
   */
  visible: readonly string[] | null = null,
): Promise<RepairedPatch> {
  const shown = visible === null ? null : new Set(visible);
  // A memo of its own answers nothing twice: neither the reply is hashed into a key nor base
  // contents kept once the engine has read them.
  if (memo === undefined) return withGitMemo(undefined, (m) => repairAndValidateWith(m, repoRoot, base, approvedPatches, reply, repoName, shown, false));
  // The same reply on the same history (a task re-run with the same seed) is repaired once per memo.
  const seen = visible === null ? 'every file visible' : JSON.stringify(visible);
  return memo.once(['repair-and-validate', repoRoot, base, repoName, reply, seen, historyName(memo, repoRoot, base, approvedPatches)], () =>
    repairAndValidateWith(memo, repoRoot, base, approvedPatches, reply, repoName, shown, true),
  );
}

/** Why a reply may not change `file`, an existing file the executor was not shown (one line, naming the file only). */
export function hiddenFileRefusal(file: string): string {
  return `the executor cannot see this file, so its reply may not change it: add it with \`add-context --file ${file}\` and run the task again`;
}

/** What the engine gets in place of a file the executor was not shown: nothing of its content. */
const HIDDEN = Buffer.alloc(0);

async function repairAndValidateWith(
  memo: GitMemo,
  repoRoot: string,
  base: string,
  approvedPatches: string[],
  reply: string,
  repoName: string,
  visible: ReadonlySet<string> | null,
  /** Whether the memo outlives this call (verify's): then it keeps the base contents it read. */
  shared: boolean,
): Promise<RepairedPatch> {
  const state = approvedPatches.length === 0 ? base : await buildStateTree(repoRoot, base, approvedPatches, memo);
  const needed = filesNeeded(reply, { repoName }).filter((file) => checkPatchPath(file) === null);
  // Which of the paths the reply may touch are links or submodules is asked alongside their content,
  // not once the engine has named them; both start from the same listing, asked of git once.
  const [blobs, neededLinked] = await Promise.all([readBlobs(repoRoot, state, needed, memo, { keep: shared }), linkedPaths(repoRoot, state, needed, memo)]);
  const outcome = repairWith(reply, blobs, repoName, visible);
  if (!outcome.ok) return { outcome, validation: null, error: outcome.error ?? 'the reply holds no diff that can be used' };

  const unsafe = outcome.files.flatMap((file) =>
    [file.oldPath, file.newPath].flatMap((item) => {
      // A name holding a control character is refused here, not by the engine: it may be C-quoted
      // in the reply ("a/x\033[2J"), and git would create it as written.
      const reason = item === null ? null : (checkPatchPath(item) ?? unsafePathReason(item));
      return reason ? [`${item} ${reason}`] : [];
    }),
  );
  if (unsafe.length > 0) return { outcome, validation: null, error: unsafe[0]! };

  // The output is held to the rules whatever the prompt (spec, context) told the model.
  const raw = rawReplyRefusal(reply) ?? (outcome.diff === reply ? null : rawReplyRefusal(outcome.diff)) ?? nulByteRefusal(outcome.diff);
  if (raw !== null) return { outcome, validation: null, error: raw };
  const executables = (outcome.diff === reply ? [reply] : [reply, outcome.diff]).map(executableIndexPaths);
  if (executables.some((paths) => paths === null || paths.length > 0)) {
    const kept = keptModeRefusal(executables, await fileModesAt(repoRoot, state, executables.flatMap((paths) => paths ?? [])));
    if (kept !== null) return { outcome, validation: null, error: kept };
  }
  const touched = [...new Set(outcome.files.flatMap((file) => [file.oldPath, file.newPath]).filter((item): item is string => item !== null))];
  // Only a path that is or goes through a link or submodule can be refused; bulk listings find
  // those, and the policy then judges each of them (usually none) on its own.
  const listed = new Set(needed);
  const unlisted = touched.filter((file) => !listed.has(file));
  const linked = new Set([...neededLinked, ...(unlisted.length > 0 ? await linkedPaths(repoRoot, state, unlisted, memo) : [])]);
  for (const file of touched.filter((item) => linked.has(item))) {
    const refusal = await treePathRefusal(repoRoot, state, file, memo);
    if (refusal !== null) return { outcome, validation: null, error: refusal };
  }

  const validation = await validatePatch(repoRoot, base, approvedPatches, outcome.diff, outcome.expected, memo);
  return { outcome, validation, error: validation.ok ? null : validation.error };
}

/**
 * The engine over base contents read beforehand; each content is let go once the engine has read
 * it for the last time, so a large patch never holds every base file at once.
 */
function repairWith(reply: string, blobs: Map<string, Buffer | null>, repoName: string, visible: ReadonlySet<string> | null) {
  const hidden = (file: string): boolean => visible !== null && !visible.has(file) && blobs.get(file) instanceof Buffer;
  return repairReply(
    reply,
    {
      get: (file) => (hidden(file) ? HIDDEN : blobs.get(file)),
      // Asked again, the engine would find the content missing and refuse, never read another.
      done: (file) => blobs.delete(file),
    },
    { repoName, hidden: (file) => (hidden(file) ? hiddenFileRefusal(file) : null) },
  );
}

/** The name a run's engine used: the repository folder at init, wherever the run is checked later. */
export function runRepoName(manifest: { repository: { root: string } }): string {
  return path.basename(manifest.repository.root);
}
