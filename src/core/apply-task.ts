import path from 'node:path';
import { OrchestratorError, WorkflowError } from '../errors.js';
import { parseDiff } from '../diff/parse.js';
import type { FileChange } from '../diff/types.js';
import { applyPatch, checkApply, commitIndex, stagedPaths, uncommittedPaths } from '../git/apply.js';
import { sha256, type Run } from '../store/run-store.js';
import { guardApply } from './apply-guard.js';
import { recordAlreadyApplied } from './apply-recovery.js';
import { appliedTasks } from './applied-tasks.js';
import { planFiles } from './layout.js';
import { unrecordedReason } from './recorded-files.js';
import { approvedAttempts, isTaskApproved, latestAttempt, loadSnapshot, type RunSnapshot, type TaskFacts } from './run-snapshot.js';
import { audited, openSession } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface ApplyTaskResult {
  run_id: string;
  task: string;
  /** Null for an approval carried over from an earlier revision or run. */
  attempt: number | null;
  patch_sha256: string;
  files: FileChange[];
  /** True with --commit: the patch went through the index into a commit. */
  staged: boolean;
  /** The new commit's sha with --commit, else null. */
  commit: string | null;
  warnings: string[];
}

/**
 * Applies a task's approved patch to the working tree: the one command that changes the user's
 * files. Approving records a decision; this is the separate, explicit act. Every refusal leaves
 * the working tree, the index and HEAD as they were.
 */
export async function applyTask(env: WorkflowEnv, runId: string, taskId: string, options: { commit?: boolean; allowHookChange?: boolean } = {}): Promise<ApplyTaskResult> {
  const session = await openSession(env, runId);
  const args = { run: runId, task: taskId, commit: options.commit === true ? true : undefined, allow_hook_change: options.allowHookChange === true ? true : undefined };
  return audited(session.run, env, 'apply-task', args, async (record) => {
    const { run, repoRoot } = session;
    const snapshot = loadSnapshot(run);
    const task = approvedTask(snapshot, taskId);
    // A carried-over approval applies like any other: its patch, bound to the recorded sha256.
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
        `${patchPath} hashes to ${digest.slice(0, 12)}, but ${decisionFile} approved ${approvedPath} with sha256 ${approvedSha.slice(0, 12)}: the patch was changed after it was approved, so it is not applied; run \`verify --run ${runId}\``,
      );
    }
    // The approval counts only as audit.log recorded it (loadSnapshot); so must the patch: one
    // put in place of the recorded patch, with an approval rewritten to match, is not applied.
    const unrecorded = unrecordedReason(snapshot.recorded, patchPath, bytes);
    if (unrecorded !== null) {
      throw new WorkflowError(`${patchPath} is not the patch that was recorded and approved (${unrecorded}), so it is not applied; run \`verify --run ${runId}\``);
    }
    const patch = bytes.toString('utf8');
    const changes = parseDiff(patch).files.map((file): FileChange => ({ oldPath: file.oldPath, newPath: file.newPath, kind: file.kind }));
    const paths = [...new Set(changes.flatMap((change) => [change.oldPath, change.newPath]).filter((item): item is string => item !== null))].sort();
    record.warnings.push(...(await guardApply(repoRoot, run, taskId, changes, options)));

    const dirty = await uncommittedPaths(repoRoot, paths);
    if (dirty.length > 0) {
      throw new WorkflowError(
        `${dirty.join(', ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes, which ${taskId}'s patch would be mixed with: commit or stash them first (\`apply-task --commit\` commits each task as it applies it)`,
      );
    }
    if (options.commit === true) {
      const staged = await stagedPaths(repoRoot);
      if (staged.length > 0) {
        throw new WorkflowError(`the index has staged changes (${listSome(staged)}) that --commit would sweep into ${taskId}'s commit: commit or unstage them first, or apply without --commit`);
      }
    }

    const index = options.commit === true;
    const check = await checkApply(repoRoot, patch, { index });
    if (!check.ok) {
      if ((await checkApply(repoRoot, patch, { index, reverse: true })).ok) {
        // Applied, but by no recorded apply-task (one killed before its audit line, or by hand):
        // recorded now, or status would name this apply-task again and again.
        if (!appliedTasks(run).includes(taskId)) {
          const settled = await recordAlreadyApplied(repoRoot, run, session.manifest, taskId, digest);
          record.warnings.push(settled.warning);
          return { run_id: runId, task: taskId, attempt: attempt?.attempt ?? null, patch_sha256: digest, files: changes, staged: settled.commit !== null, commit: settled.commit, warnings: record.warnings };
        }
        throw new WorkflowError(`${taskId}'s patch is already in the working tree (it applies cleanly in reverse): nothing to apply`);
      }
      throw new WorkflowError(`${taskId}'s patch does not apply to the working tree (${check.error}): ${whyNot(run, snapshot, taskId)}`);
    }

    const missing = earlierNotApplied(run, snapshot, taskId);
    if (missing.length > 0) {
      record.warnings.push(`${taskId} was applied before ${missing.join(', ')}, approved earlier, which apply-task has not applied here; its patch was validated on top of them`);
    }
    await applyPatch(repoRoot, patch, { index });
    let commit: string | null = null;
    if (options.commit === true) {
      try {
        commit = await commitIndex(repoRoot, commitMessage(runId, task, digest));
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        // A hook that refuses the commit is common; a staged patch left behind would make the next
        // apply-task refuse the index. git takes back exactly the patch, or refuses and changes nothing.
        const undone = await applyPatch(repoRoot, patch, { index: true, reverse: true }).then(() => true, () => false);
        if (undone) {
          throw new OrchestratorError(`git commit failed (${why}), so ${taskId}'s patch was taken back out of the index and the working tree: fix what made the commit fail, then run apply-task again (or apply it without --commit)`);
        }
        throw new OrchestratorError(
          `${taskId}'s patch was applied and staged, but git commit failed (${why}): commit it yourself, or undo it with \`git apply --index --reverse ${path.relative(repoRoot, path.join(run.dir, patchPath))}\``,
        );
      }
    }
    return { run_id: runId, task: taskId, attempt: attempt?.attempt ?? null, patch_sha256: digest, files: changes, staged: index, commit, warnings: record.warnings };
  });
}

function approvedTask(snapshot: RunSnapshot, taskId: string): TaskFacts {
  const task = snapshot.tasks.find((item) => item.task.id === taskId);
  if (!task) {
    const known = snapshot.tasks.map((item) => item.task.id).join(', ');
    throw new WorkflowError(`task ${taskId} is not in the approved plan of run ${snapshot.runId}${known ? ` (tasks: ${known})` : ': approve a plan first'}`);
  }
  if (isTaskApproved(task)) return task;
  const attempt = latestAttempt(task);
  const why =
    attempt === null
      ? 'has not been run'
      : attempt.approval?.decision === 'rejected'
        ? `attempt ${attempt.attempt} was rejected`
        : attempt.valid
          ? `attempt ${attempt.attempt} awaits review`
          : `attempt ${attempt.attempt} has no patch that validates`;
  throw new WorkflowError(`${taskId} is not approved (${why}): only an approved patch is applied; review it with \`show --task ${taskId}\` and \`approve-task\` it first`);
}


/** Tasks approved before this one (whose patches it was validated on) that apply-task has not applied. */
function earlierNotApplied(run: Run, snapshot: RunSnapshot, taskId: string): string[] {
  const order = approvedAttempts(snapshot).map((item) => item.taskId);
  const applied = new Set(appliedTasks(run));
  return order.slice(0, order.indexOf(taskId)).filter((id) => !applied.has(id));
}

function whyNot(run: Run, snapshot: RunSnapshot, taskId: string): string {
  const missing = earlierNotApplied(run, snapshot, taskId);
  if (missing.length > 0) {
    return `it was validated on top of ${missing.join(', ')}, approved before it and not applied here yet: apply-task ${missing[0]} first, in approval order`;
  }
  return 'the files it changes are no longer as the run saw them (base commit + the patches approved before it); apply it by hand, or start a new run from the current commit';
}

/** Subject from the task title; the trailers tie the commit to the run, the task and the exact patch. */
export function commitMessage(runId: string, task: TaskFacts, patchSha256: string): string {
  const subject = task.task.title.replace(/\s+/g, ' ').trim();
  return `${subject}\n\n${task.task.description.trim()}\n\nRun: ${runId}\nTask: ${task.task.id}\nPatch-sha256: ${patchSha256}\n`;
}

function listSome(paths: string[]): string {
  return paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;
}
