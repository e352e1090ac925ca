/**
 * apply-task changes the repository in steps no transaction covers: `git apply` (working tree,
 * and the index with --commit), `git commit`, then its audit line. Killed between two of them, it
 * leaves a change the run does not record, and `status` would name the same `apply-task` again
 * and again, which then refuses (the index is staged, or the patch is already there). The next
 * command on the run takes over the dead apply-task's lock and settles what it left:
 * - a commit whose trailers (Run, Task, Patch-sha256) name an approved patch no audit line records
 *   as applied: recorded now, as the apply-task line that was never written;
 * - the patch staged and in the working tree, exactly (git checks that the working tree matches
 *   the index for its files): taken back out of both, so the same apply-task can run again;
 *   anything else staged, or changed since, is left alone;
 * - the patch in the working tree only, nothing of it staged: recorded as applied (not committed),
 *   which is what an apply-task without --commit does.
 */
import path from 'node:path';
import { applyPatch, checkApply, stagedPaths, taskCommits } from '../git/apply.js';
import { findRepoRoot } from '../git/repository.js';
import { parseDiff } from '../diff/parse.js';
import { Manifest } from '../schema/run-files.js';
import type { LockHolder } from '../store/run-lock.js';
import { sha256, type Run } from '../store/run-store.js';
import { appliedTasks } from './applied-tasks.js';
import { readRecordedManifest } from './recorded-files.js';
import { approvedAttempts, loadSnapshot } from './run-snapshot.js';
import type { WorkflowEnv } from './workflow-env.js';

/** Warnings for the current command's audit line; never throws (a failure is one of the warnings). */
export async function settleInterruptedApply(run: Run, env: WorkflowEnv, holder: LockHolder, command: string): Promise<string[]> {
  const dead = `apply-task (pid ${holder.pid}, since ${holder.since})`;
  try {
    return await settle(run, env, dead, command);
  } catch (error) {
    return [`${dead} died before writing its audit line; what it left in the repository could not be checked (${(error as Error).message}): look at \`git status\` and \`git log\` before applying again`];
  }
}

async function settle(run: Run, env: WorkflowEnv, dead: string, command: string): Promise<string[]> {
  const repoRoot = await findRepoRoot(path.resolve(env.cwd, env.repoDir));
  const manifest = readRecordedManifest(run);
  const applied = new Set(appliedTasks(run));
  const pending = approvedAttempts(loadSnapshot(run))
    .filter((item) => !applied.has(item.taskId))
    .map(({ taskId, path: patchPath, attempt, carried }) => {
      const bytes = run.readBytes(patchPath);
      // What was approved: the attempt's approval, or the sha256 a carry-over recorded.
      const approved = attempt ? attempt.approval?.subject.sha256 : carried?.sha256;
      return { taskId, patch: bytes.toString('utf8'), digest: sha256(bytes), approved };
    })
    // Only the approved patch itself: a changed patch.diff is verify's to report, never to apply.
    .filter((item) => item.digest === item.approved);
  if (pending.length === 0) return [];

  const base = manifest.repository.base_kind === 'commit' ? manifest.repository.base_commit : null;
  const commits = await taskCommits(repoRoot, run.id, base);
  for (const item of pending) {
    const commit = commits.find((found) => found.task === item.taskId && found.patchSha256 === item.digest);
    if (commit === undefined) continue;
    const why = `${dead} died after committing ${item.taskId}'s patch as ${commit.sha.slice(0, 12)}, before writing its audit line; recorded by ${command}`;
    record(run, env, item.taskId, { commit: true, recorded_commit: commit.sha }, why);
    return [why];
  }

  const staged = await stagedPaths(repoRoot);
  for (const item of pending) {
    const files = new Set(parseDiff(item.patch).files.flatMap((file) => [file.oldPath, file.newPath]).filter((p): p is string => p !== null));
    const ours = staged.filter((file) => files.has(file));
    if (ours.length > 0) {
      // git refuses unless the index holds the patch and the working tree matches the index for its files.
      if (!(await checkApply(repoRoot, item.patch, { index: true, reverse: true })).ok) {
        return [`${dead} died before writing its audit line; the index and the working tree hold changes to ${ours.join(', ')} that are not exactly ${item.taskId}'s patch: left as they are (look at \`git diff --cached\`)`];
      }
      await applyPatch(repoRoot, item.patch, { index: true, reverse: true });
      return [`${dead} died after staging ${item.taskId}'s patch, before committing it; ${command} took the patch back out of the index and the working tree (the rest as it was): run \`apply-task --run ${run.id} --task ${item.taskId}\` again`];
    }
    if (!(await checkApply(repoRoot, item.patch, { reverse: true })).ok) continue;
    const why = `${dead} died after applying ${item.taskId}'s patch to the working tree, before writing its audit line; recorded as applied (not committed) by ${command}`;
    record(run, env, item.taskId, {}, why);
    return [why];
  }
  return [];
}

/** The audit line the dead apply-task would have written. */
function record(run: Run, env: WorkflowEnv, taskId: string, args: Record<string, unknown>, why: string): void {
  const all: Record<string, unknown> = { run: run.id, task: taskId, ...args };
  const sorted = Object.fromEntries(Object.keys(all).sort().map((key) => [key, all[key]]));
  run.appendAudit({ time: env.now().toISOString(), command: 'apply-task', args: sorted, outcome: 'ok', warnings: [why], artifacts: [] });
}

/**
 * For apply-task finding its patch already applied with no audit line saying so: the commit that
 * holds it (by its trailers), if any, and the warning for the line that now records it.
 */
export async function recordAlreadyApplied(repoRoot: string, run: Run, manifest: Manifest, taskId: string, digest: string): Promise<{ commit: string | null; warning: string }> {
  const base = manifest.repository.base_kind === 'commit' ? manifest.repository.base_commit : null;
  const commit = (await taskCommits(repoRoot, run.id, base)).find((found) => found.task === taskId && found.patchSha256 === digest)?.sha ?? null;
  const where = commit === null ? 'in the working tree' : `committed as ${commit.slice(0, 12)} (its trailers name this run, ${taskId} and the patch)`;
  return { commit, warning: `${taskId}'s patch was already ${where}, but no apply-task had recorded it: recorded as applied now, nothing changed` };
}
