import { WorkflowError } from '../errors.js';
import { parseDiff } from '../diff/parse.js';
import type { FileChange } from '../diff/types.js';
import { sha256, type Run } from '../store/run-store.js';
import { planFiles } from './layout.js';
import { unrecordedReason } from './recorded-files.js';
import { approvedAttempts, type ApprovedEntry, type RunSnapshot } from './run-snapshot.js';

export interface ApprovedPatch {
  entry: ApprovedEntry;
  /** The patch.diff (or carried-over patch) relative to the run's folder. */
  path: string;
  patch: string;
  sha256: string;
  files: FileChange[];
  /** Every path the patch names (both sides of a rename), sorted. */
  paths: string[];
}

/**
 * A task's approved patch, read only if it is byte for byte what the approval approved and what
 * audit.log recorded: apply-task and undo-task both write these bytes into the user's files.
 * `act` completes "so it is not ..." in the refusal. The task must be approved (the caller checked).
 */
export function readApprovedPatch(run: Run, snapshot: RunSnapshot, taskId: string, act: 'applied' | 'undone'): ApprovedPatch {
  // A carried-over approval counts like any other: its patch, bound to the recorded sha256.
  const entry = approvedAttempts(snapshot).find((item) => item.taskId === taskId)!;
  const attempt = entry.attempt;
  const approvedPath = attempt ? attempt.approval!.subject.path : entry.path;
  const approvedSha = attempt ? attempt.approval!.subject.sha256 : entry.sha256;
  const patchPath = attempt ? attempt.files.patch : entry.path;
  const decisionFile = attempt ? attempt.files.approval : planFiles(snapshot.current!.revision).carryOver;

  const bytes = run.readBytes(patchPath);
  const digest = sha256(bytes);
  if (approvedPath !== patchPath || approvedSha !== digest) {
    throw new WorkflowError(
      `${patchPath} hashes to ${digest.slice(0, 12)}, but ${decisionFile} approved ${approvedPath} with sha256 ${approvedSha.slice(0, 12)}: the patch was changed after it was approved, so it is not ${act}; run \`verify --run ${run.id}\``,
    );
  }
  // The approval counts only as audit.log recorded it (loadSnapshot); so must the patch: one
  // put in place of the recorded patch, with an approval rewritten to match, is never used.
  const unrecorded = unrecordedReason(snapshot.recorded, patchPath, bytes);
  if (unrecorded !== null) {
    throw new WorkflowError(`${patchPath} is not the patch that was recorded and approved (${unrecorded}), so it is not ${act}; run \`verify --run ${run.id}\``);
  }
  const patch = bytes.toString('utf8');
  const files = parseDiff(patch).files.map((file): FileChange => ({ oldPath: file.oldPath, newPath: file.newPath, kind: file.kind }));
  const paths = [...new Set(files.flatMap((change) => [change.oldPath, change.newPath]).filter((item): item is string => item !== null))].sort();
  return { entry, path: patchPath, patch, sha256: digest, files, paths };
}
