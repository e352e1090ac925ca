import { RunFileError } from '../errors.js';
import { readFileAt, buildStateTree } from '../git/state-tree.js';
import { Allowlist, ExecResponse } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { ALLOWLIST, attemptFiles } from './layout.js';
import { readRecordedJson } from './recorded-files.js';
import type { ContextFile } from './prompts.js';
import { approvedAttempts, type RunSnapshot } from './run-snapshot.js';
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
  return approvedAttempts(snapshot).map(({ taskId, attempt }) => {
    const files = attemptFiles(taskId, attempt.attempt);
    const response = run.readJson(files.response, ExecResponse);
    // What every later patch builds on must be the bytes that were approved, not what is there now.
    if (attempt.patchSha256 !== attempt.approval!.subject.sha256) {
      throw new RunFileError(`${files.patch} is not the patch ${files.approval} approved (it was changed after it was approved): run \`verify --run ${run.id}\``);
    }
    return {
      task: taskId,
      patch: run.readText(files.patch),
      sha256: attempt.patchSha256!,
      touched: response.normalization.files.flatMap((file) => (file.kind === 'delete' || !file.newPath ? [] : [file.newPath])),
    };
  });
}

/**
 * What the executor may see: files touched by approved patches and allowlisted files, read at
 * base commit + approved patches (never from the working tree).
 */
export async function approvedContext(session: RunSession, approved: ApprovedPatch[]): Promise<{ tree: string; files: ContextFile[] }> {
  const tree = await buildStateTree(
    session.repoRoot,
    session.manifest.repository.base_commit,
    approved.map((item) => item.patch),
  );
  const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist);
  const paths = [...new Set([...approved.flatMap((item) => item.touched), ...allowlist.files.map((entry) => entry.path)])].sort();
  const files: ContextFile[] = [];
  for (const file of paths) {
    const content = await readFileAt(session.repoRoot, tree, file);
    if (content !== null) files.push({ path: file, content: content.toString('utf8') });
  }
  return { tree, files };
}
