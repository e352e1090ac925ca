import { RunFileError } from '../errors.js';
import { readFileAt, buildStateTree } from '../git/state-tree.js';
import { Allowlist, ExecResponse } from '../schema/run-files.js';
import { WorkflowError } from '../errors.js';
import { sha256 as hashOf, type Run } from '../store/run-store.js';
import { parseDiff } from '../diff/parse.js';
import { ALLOWLIST } from './layout.js';
import { visiblePaths } from './context-paths.js';
import { readRecordedJson } from './recorded-files.js';
import type { ContextFile } from './prompts.js';
import { approvedAttempts, type RunSnapshot } from './run-snapshot.js';
import { secretReason } from './secret-files.js';
import type { RunSession } from './session.js';

export interface ApprovedPatch {
  task: string;
  patch: string;
  sha256: string;
  /** Paths that exist after the patch (added or modified): the executor may see them. */
  touched: string[];
}

/** The approved patches, in approval order, read from the run. */
export function loadApprovedPatches(run: Run, snapshot: RunSnapshot): ApprovedPatch[] {
  return approvedAttempts(snapshot).map(({ taskId, attempt, path, sha256 }) => {
    const bytes = run.readBytes(path);
    // What every later patch builds on must be the bytes that were approved, not what is there
    // now; a carried patch is bound to its sha256 by the carry-over record alone.
    if (attempt && attempt.patchSha256 !== attempt.approval!.subject.sha256) {
      throw new RunFileError(`${path} is not the patch ${attempt.files.approval} approved (it was changed after it was approved): run \`verify --run ${run.id}\``);
    }
    if (!attempt && hashOf(bytes) !== sha256) {
      throw new WorkflowError(`${path} no longer hashes to the sha256 ${taskId} was carried over with: it was changed after it was approved; run \`verify --run ${run.id}\``);
    }
    const patch = bytes.toString('utf8');
    // A carried patch has no attempt of this revision: what it touches is read from the patch.
    const files = attempt ? run.readJson(attempt.files.response, ExecResponse).normalization.files : parseDiff(patch).files;
    return {
      task: taskId,
      patch,
      sha256,
      touched: files.flatMap((file) => (file.kind === 'delete' || !file.newPath ? [] : [file.newPath])),
    };
  });
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
): Promise<{ tree: string; files: ContextFile[]; withheld: Array<{ path: string; reason: string }> }> {
  const tree = await buildStateTree(
    session.repoRoot,
    session.manifest.repository.base_commit,
    approved.map((item) => item.patch),
  );
  const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist);
  const allowed = new Set(allowlist.files.map((entry) => entry.path));
  const paths = visiblePaths(allowlist, approved);
  const files: ContextFile[] = [];
  const withheld: Array<{ path: string; reason: string }> = [];
  for (const file of paths) {
    const content = await readFileAt(session.repoRoot, tree, file);
    if (content === null) continue;
    // An allowlisted file passed the checks, or a person said it is not a secret (--allow-secret).
    const reason = allowed.has(file) ? null : secretReason(file, content);
    if (reason === null) files.push({ path: file, content: content.toString('utf8') });
    else withheld.push({ path: file, reason });
  }
  return { tree, files, withheld };
}

