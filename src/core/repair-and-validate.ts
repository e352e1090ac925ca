import path from 'node:path';
import { diffAsWritten, filesNeeded, repairReplyAsync, type RepairOutcome } from '../diff/engine.js';
import { checkPatchPath } from '../diff/paths.js';
import { unsafePathReason } from '../visible-text.js';
import { withGitMemo, type GitMemo } from '../git/memo.js';
import { readBlobsAsTheyCome } from '../git/read-blobs.js';
import { executableIndexPaths, keptModeRefusal, nulByteRefusal, rawReplyRefusal, treePathRefusal } from './patch-policy.js';
import { fileModesAt } from '../git/file-modes.js';
import { applyAhead, buildStateTree, historyName, validatePatch, type PatchValidation } from '../git/state-tree.js';
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
  const named = filesNeeded(reply, { repoName });
  const needed = named.filter((file) => checkPatchPath(file) === null);
  const rawRefusal = rawReplyRefusal(reply);
  // A diff as git writes it usually passes the repair unchanged: git applies it on the other core
  // while the engine works, and the validation finds git's answer to the same question in the
  // memo. Only a call that owns its memo does this (a shared one counts its git processes), and
  // only for a diff the policy checks below would let through as written.
  if (!shared && rawRefusal === null && needed.length === named.length) {
    const ahead = diffAsWritten(reply);
    if (ahead !== null) applyAhead(repoRoot, base, approvedPatches, ahead, memo);
  }
  // Which of the paths the reply may touch are links or submodules is asked alongside their content,
  // not once the engine has named them; both start from the same listing, asked of git once.
  const [blobs, neededLinked] = await Promise.all([readBlobsAsTheyCome(repoRoot, state, needed, memo, { keep: shared }), linkedPaths(repoRoot, state, needed, memo)]);
  const outcome = await repairWith(reply, blobs, repoName, visible);
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
  const raw = rawRefusal ?? (outcome.diff === reply ? null : rawReplyRefusal(outcome.diff)) ?? nulByteRefusal(outcome.diff);
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
 * The engine over base contents as git sends them: each file is repaired as soon as its own
 * content is in (git reads the next ones meanwhile), and each content is let go once the engine has
 * read it for the last time, so a large patch never holds every base file at once. A content git
 * could not read fails the call as if it had been awaited first (the first such failure).
 */
async function repairWith(reply: string, reading: Map<string, Promise<Buffer> | null>, repoName: string, visible: ReadonlySet<string> | null): Promise<RepairOutcome> {
  const arrivedContents = new Map<string, Buffer>();
  // Settles as Promise.all of every read would (the first failure, or all read), without holding
  // what was read: each content goes once the engine is done with it.
  const every = new Promise<void>((resolve, reject) => {
    let left = 0;
    for (const content of reading.values()) {
      if (content === null) continue;
      left++;
      content.then(() => --left === 0 && resolve(), reject);
    }
    if (left === 0) resolve();
  });
  every.catch(() => {});
  // What a path's content is until it arrives: it tells that the file exists, and is never read.
  const pending = Buffer.alloc(0);
  const get = (file: string): Buffer | null | undefined => {
    const content = reading.get(file);
    return content === undefined || content === null ? content : (arrivedContents.get(file) ?? pending);
  };
  const hidden = (file: string): boolean => visible !== null && !visible.has(file) && get(file) instanceof Buffer;
  const outcome = await repairReplyAsync(
    reply,
    {
      get: (file) => (hidden(file) ? HIDDEN : get(file)),
      // Asked again, the engine would find the content missing and refuse, never read another.
      done: (file) => {
        reading.delete(file);
        arrivedContents.delete(file);
      },
    },
    { repoName, hidden: (file) => (hidden(file) ? hiddenFileRefusal(file) : null) },
    (file) => {
      const content = reading.get(file);
      if (content === undefined || content === null || arrivedContents.has(file)) return null;
      // Raced with every read: a read that failed earlier is the one reported, as awaiting all of them first would.
      return Promise.race([every, content]).then(async () => {
        arrivedContents.set(file, await content);
      });
    },
  );
  await every;
  return outcome;
}

/** The name a run's engine used: the repository folder at init, wherever the run is checked later. */
export function runRepoName(manifest: { repository: { root: string } }): string {
  return path.basename(manifest.repository.root);
}
