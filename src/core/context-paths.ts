import { isWorkingFile } from '../files/repository-files.js';
import { checkPatchPath } from '../diff/paths.js';
import { Allowlist } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { ALLOWLIST } from './layout.js';
import { readRecordedJson } from './recorded-files.js';
import { approvedAttempts, type RunSnapshot, type TaskFacts } from './run-snapshot.js';
import type { RunSession } from './session.js';

/**
 * What the executor may be shown, without git: kept apart from approved-state.ts (which builds the
 * state tree) so that `status`, which asks it, loads no git or diff code it does not use.
 */

/** The paths the executor may see, whether or not they exist: approved patches' and allowlisted, less the excluded. */
export function visiblePaths(allowlist: Allowlist, approved: ReadonlyArray<{ touched: string[] }>): string[] {
  const excluded = new Set((allowlist.excluded ?? []).map((entry) => entry.path));
  const all = new Set([...approved.flatMap((item) => item.touched), ...allowlist.files.map((entry) => entry.path)]);
  return [...all].filter((file) => !excluded.has(file)).sort();
}

/**
 * The declared files of a task that exist but that the executor cannot see, for `status`, which
 * must stay fast: no git process unless one of them could be there. A file counts only when it
 * is neither in the context nor taken out, was not deleted by an approved patch, and is in the
 * working tree; only then is the base commit asked (one `git cat-file --batch`) whether it is
 * there too. A file deleted from the working tree but still in the base commit is not reported
 * here (run-task warns about it).
 */
export async function hiddenTaskFiles(session: RunSession, snapshot: RunSnapshot, task: TaskFacts): Promise<string[]> {
  // Only as the audit log recorded it, like every other reader of the allowlist.
  const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist, snapshot.recorded);
  const { touched, gone } = await approvedChanges(session.run, snapshot);
  const seen = new Set([...visiblePaths(allowlist, [{ touched }]), ...(allowlist.excluded ?? []).map((entry) => entry.path)]);
  const candidates = [...new Set(task.task.files)].filter(
    (file) => !seen.has(file) && !gone.has(file) && checkPatchPath(file) === null && isWorkingFile(session.repoRoot, file),
  );
  if (candidates.length === 0) return [];
  const { entriesAlong } = await import('../git/read-blobs.js');
  const entries = await entriesAlong(session.repoRoot, session.manifest.repository.base_commit, candidates);
  return candidates.filter((file) => {
    const entry = entries.get(file);
    return entry?.type === 'blob' && entry.mode !== '120000';
  });
}

/** Paths approved patches left in place (added or changed), and those they deleted and no later one brought back. */
async function approvedChanges(run: Run, snapshot: RunSnapshot): Promise<{ touched: string[]; gone: Set<string> }> {
  const touched: string[] = [];
  const gone = new Set<string>();
  const entries = approvedAttempts(snapshot);
  // Each patch's files are read from the approved patch, as approved-state.ts does: its attempt's
  // record lists the same, but every record also lists what the executor was shown, which grows
  // with the run. The parser is loaded only when there is a patch, so status stays light.
  const { parseDiff } = entries.length > 0 ? await import('../diff/parse.js') : { parseDiff: null };
  for (const entry of entries) {
    const attempt = entry.attempt;
    const files =
      attempt && (attempt.patchBytes === null || attempt.patchSha256 !== attempt.approval!.subject.sha256)
        ? attempt.response().normalization.files
        : parseDiff!((attempt?.patchBytes ?? run.readBytes(entry.path)).toString('utf8')).files;
    for (const file of files) {
      if (file.kind === 'delete' || file.kind === 'rename') {
        if (file.oldPath) gone.add(file.oldPath);
      }
      if (file.kind !== 'delete' && file.newPath) {
        touched.push(file.newPath);
        gone.delete(file.newPath);
      }
    }
  }
  return { touched, gone };
}
