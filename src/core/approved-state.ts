import { RunFileError } from '../errors.js';
import type { GitMemo } from '../git/memo.js';
import { readBlobs } from '../git/read-blobs.js';
import { buildStateTree, seedStateTree, treeIsComplete } from '../git/state-tree.js';
import { Allowlist, type PatchValidationRecord } from '../schema/run-files.js';
import { WorkflowError } from '../errors.js';
import { sha256 as hashOf, type Run } from '../store/run-store.js';
import { parseDiff } from '../diff/parse.js';
import { ALLOWLIST } from './layout.js';
import { visiblePaths } from './context-paths.js';
import { readRecordedJson, unrecordedReason } from './recorded-files.js';
import type { ContextFile } from './prompts.js';
import { approvedAttempts, type RunSnapshot } from './run-snapshot.js';
import { secretReason } from './secret-files.js';
import type { RunSession } from './session.js';

export interface ApprovedPatch {
  task: string;
  patch: string;
  sha256: string;
  /** Paths that exist after the patch (added or modified): the executor may see them. */
  readonly touched: string[];
  /**
   * The validation its attempt recorded, when audit.log records that exec.response.json as it is
   * now and git built the result; null for a carried patch or an unrecorded record.
   */
  readonly validated: PatchValidationRecord | null;
}

/**
 * The approved patches, in approval order, read from the run. Each patch is checked against its
 * approval here; what it touches and the validation its attempt recorded are worked out when first
 * asked: approve-task needs the latest approval's record alone, run-task what each patch touched.
 */
export function loadApprovedPatches(run: Run, snapshot: RunSnapshot): ApprovedPatch[] {
  return approvedAttempts(snapshot).map(({ taskId, attempt, path, sha256 }) => {
    // The bytes the snapshot hashed: what is checked against the approval is what is used.
    const bytes = attempt?.patchBytes ?? run.readBytes(path);
    // What every later patch builds on must be the bytes that were approved, not what is there
    // now; a carried patch is bound to its sha256 by the carry-over record alone.
    if (attempt && attempt.patchSha256 !== attempt.approval!.subject.sha256) {
      throw new RunFileError(`${path} is not the patch ${attempt.files.approval} approved (it was changed after it was approved): run \`verify --run ${run.id}\``);
    }
    if (!attempt && hashOf(bytes) !== sha256) {
      throw new WorkflowError(`${path} no longer hashes to the sha256 ${taskId} was carried over with: it was changed after it was approved; run \`verify --run ${run.id}\``);
    }
    const patch = bytes.toString('utf8');
    let touched: string[] | undefined;
    let validated: PatchValidationRecord | null | undefined;
    return {
      task: taskId,
      patch,
      sha256,
      get touched(): string[] {
        // Read from the approved bytes themselves (as for a carried patch, which has no attempt
        // here): the attempt's record lists the same files, but its list of what the executor was
        // shown grows with the run, so reading every record would make each step cost more than the last.
        touched ??= parseDiff(patch).files.flatMap((file) => (file.kind === 'delete' || !file.newPath ? [] : [file.newPath]));
        return touched;
      },
      get validated(): PatchValidationRecord | null {
        if (validated === undefined) {
          const response = attempt ? attempt.response() : null;
          const recorded = response !== null && unrecordedReason(snapshot.recorded, attempt!.files.response, attempt!.responseBytes) === null;
          validated = recorded && response.validation.ok && response.validation.result_tree !== null ? response.validation : null;
        }
        return validated;
      },
    };
  });
}

/**
 * Lets `memo` start from the state recorded at the latest approval instead of applying every
 * approved patch again: an approved attempt's validation record holds the tree of base + the
 * patches it was validated on + its own patch. That tree is taken only when
 * - audit.log records the exec.response.json as it is (loadApprovedPatches), so an edited record
 *   is never believed: pointing the state at another tree takes rewriting the audit chain, which
 *   `verify` (that proves every state from the base again, and checks each recorded tree against
 *   it) and an anchored head both reveal;
 * - it was validated on the same base and exactly the patches approved before it now (task and
 *   sha256, in order): an attempt approved after another patch was approved since it ran was
 *   re-validated on a state its record does not name;
 * - its objects are all still in the repository (`git gc` prunes trees no ref reaches).
 * Otherwise the state is rebuilt from the base, as before. Returns the number of approved patches
 * the seeded state covers (0: none).
 */
export async function seedApprovedState(repoRoot: string, base: string, approved: readonly ApprovedPatch[], memo: GitMemo): Promise<number> {
  for (let i = approved.length - 1; i >= 0; i--) {
    const validated = approved[i]!.validated;
    if (validated === null || validated.base !== base || validated.approved_patches.length !== i) continue;
    const before = approved.slice(0, i);
    if (validated.approved_patches.some((item, j) => item.task !== before[j]!.task || item.sha256 !== before[j]!.sha256)) continue;
    if (!(await treeIsComplete(repoRoot, base, validated.result_tree!))) continue;
    seedStateTree(memo, repoRoot, base, approved.slice(0, i + 1).map((item) => item.patch), validated.result_tree!);
    return i + 1;
  }
  return 0;
}

/**
 * What the executor may see: allowlisted files, and files touched by approved patches that pass
 * add-context's secret checks, read at base commit + approved patches (never from the working
 * tree), less what remove-context took out. A touched file that looks like a secret is withheld
 * until a person adds it.
 */
export async function approvedContext(
  session: RunSession,
  approved: ApprovedPatch[],
  memo: GitMemo,
): Promise<{ tree: string; files: ContextFile[]; withheld: Array<{ path: string; reason: string }> }> {
  const base = session.manifest.repository.base_commit;
  await seedApprovedState(session.repoRoot, base, approved, memo);
  const tree = await buildStateTree(session.repoRoot, base, approved.map((item) => item.patch), memo);
  const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist);
  const allowed = new Set(allowlist.files.map((entry) => entry.path));
  const paths = visiblePaths(allowlist, approved);
  // Every file at once, through the memo's one reader; a name git cannot be asked about is no file.
  const contents = await readBlobs(session.repoRoot, tree, paths.filter((file) => file !== '' && !/[\0\n\r]/.test(file)), memo);
  const files: ContextFile[] = [];
  const withheld: Array<{ path: string; reason: string }> = [];
  for (const file of paths) {
    const content = contents.get(file) ?? null;
    if (content === null) continue;
    // An allowlisted file passed the checks, or a person said it is not a secret (--allow-secret).
    const reason = allowed.has(file) ? null : secretReason(file, content);
    if (reason === null) files.push({ path: file, content: content.toString('utf8') });
    else withheld.push({ path: file, reason });
  }
  return { tree, files, withheld };
}
