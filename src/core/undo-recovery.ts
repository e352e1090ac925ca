/**
 * undo-task changes the repository in steps no transaction covers, as apply-task does: `git apply
 * --reverse` (working tree, and the index in commit mode), `git commit`, its record, its audit
 * line. The next command on the run takes over a dead undo-task's lock and settles what it left,
 * for the tasks the log records as applied:
 * - a revert commit (trailers Run, Task, Reverts-patch-sha256) newer than the task's own commit:
 *   recorded now, as the undo-task line that was never written;
 * - the reverse staged and in the working tree, exactly (git checks that the working tree matches
 *   the index for its files): put back, so the same undo-task can run again;
 * - a task applied to the working tree whose patch is no longer there (it applies again): recorded
 *   as undone, which is what undo-task does to a working tree.
 * The undo record a recorded undo would have had is not written (its audit line says why).
 */
import path from 'node:path';
import { applyPatch, checkApply, stagedPaths, taskCommits } from '../git/apply.js';
import { findRepoRoot } from '../git/repository.js';
import type { LockHolder } from '../store/run-lock.js';
import { sha256, type Run } from '../store/run-store.js';
import { taskApplications } from './applications.js';
import { parseDiff } from '../diff/parse.js';
import { readRecordedManifest } from './recorded-files.js';
import { approvedAttempts, loadSnapshot } from './run-snapshot.js';
import type { WorkflowEnv } from './workflow-env.js';

/** Warnings for the current command's audit line; never throws (a failure is one of the warnings). */
export async function settleInterruptedUndo(run: Run, env: WorkflowEnv, holder: LockHolder, command: string): Promise<string[]> {
  const dead = `undo-task (pid ${holder.pid}, since ${holder.since})`;
  try {
    return await settle(run, env, dead, command);
  } catch (error) {
    return [`${dead} died before writing its audit line; what it left in the repository could not be checked (${(error as Error).message}): look at \`git status\` and \`git log\` before undoing again`];
  }
}

async function settle(run: Run, env: WorkflowEnv, dead: string, command: string): Promise<string[]> {
  const repoRoot = await findRepoRoot(path.resolve(env.cwd, env.repoDir));
  const manifest = readRecordedManifest(run);
  const applications = taskApplications(run);
  const applied = approvedAttempts(loadSnapshot(run))
    .filter((item) => applications.get(item.taskId)?.state === 'applied')
    .map(({ taskId, path: patchPath, attempt, carried }) => {
      const bytes = run.readBytes(patchPath);
      const approved = attempt ? attempt.approval?.subject.sha256 : carried?.sha256;
      return { taskId, patch: bytes.toString('utf8'), digest: sha256(bytes), approved, commit: applications.get(taskId)!.commit };
    })
    // Only the approved patch itself: a changed patch.diff is verify's to report.
    .filter((item) => item.digest === item.approved);
  if (applied.length === 0) return [];

  const base = manifest.repository.base_kind === 'commit' ? manifest.repository.base_commit : null;
  const commits = await taskCommits(repoRoot, run.id, base);
  for (const item of applied.filter((found) => found.commit)) {
    const newest = commits.find((found) => found.task === item.taskId);
    if (newest?.kind !== 'revert' || newest.patchSha256 !== item.digest) continue;
    const why = `${dead} died after committing the revert of ${item.taskId} as ${newest.sha.slice(0, 12)}, before writing its audit line; recorded by ${command} (no undo record was written)`;
    record(run, env, item.taskId, { recorded_commit: newest.sha }, why);
    return [why];
  }

  const staged = await stagedPaths(repoRoot);
  for (const item of applied) {
    const files = new Set(parseDiff(item.patch).files.flatMap((file) => [file.oldPath, file.newPath]).filter((p): p is string => p !== null));
    const ours = staged.filter((file) => files.has(file));
    if (item.commit && ours.length > 0) {
      // git refuses unless the index holds exactly the reverse and the working tree matches it.
      if (!(await checkApply(repoRoot, item.patch, { index: true })).ok) {
        return [`${dead} died before writing its audit line; the index and the working tree hold changes to ${ours.join(', ')} that are not exactly the reverse of ${item.taskId}'s patch: left as they are (look at \`git diff --cached\`)`];
      }
      await applyPatch(repoRoot, item.patch, { index: true });
      return [`${dead} died after staging the reverse of ${item.taskId}'s patch, before committing it; ${command} put the patch back in the index and the working tree (the rest as it was): run \`undo-task --run ${run.id} --task ${item.taskId}\` again`];
    }
    if (item.commit) continue;
    if ((await checkApply(repoRoot, item.patch, { reverse: true })).ok || !(await checkApply(repoRoot, item.patch)).ok) continue;
    const why = `${dead} died after taking ${item.taskId}'s patch out of the working tree, before writing its audit line; recorded as undone by ${command} (no undo record was written)`;
    record(run, env, item.taskId, {}, why);
    return [why];
  }
  return [];
}

/** The audit line the dead undo-task would have written. */
function record(run: Run, env: WorkflowEnv, taskId: string, args: Record<string, unknown>, why: string): void {
  const all: Record<string, unknown> = { run: run.id, task: taskId, ...args };
  const sorted = Object.fromEntries(Object.keys(all).sort().map((key) => [key, all[key]]));
  run.appendAudit({ time: env.now().toISOString(), command: 'undo-task', args: sorted, outcome: 'ok', warnings: [why], artifacts: [] });
}
