import path from 'node:path';
import { OrchestratorError, WorkflowError } from '../errors.js';
import { parseDiff } from '../diff/parse.js';
import type { FileChange } from '../diff/types.js';
import { applyPatch, checkApply, commitIndex, stagedPaths, standingCommit, taskCommits, uncommittedPaths } from '../git/apply.js';
import { headCommit } from '../git/repository.js';
import type { Manifest, UndoRecord } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { guardApply } from './apply-guard.js';
import { taskApplications, type TaskApplication } from './applications.js';
import { readApprovedPatch, type ApprovedPatch } from './approved-patch.js';
import { undoFile } from './layout.js';
import { approvedAttempts, isTaskApproved, loadSnapshot, type RunSnapshot, type TaskFacts } from './run-snapshot.js';
import { audited, openSession } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface UndoTaskResult {
  run_id: string;
  task: string;
  mode: UndoRecord['mode'];
  /** False when the patch was already gone (taken out by hand): recorded as undone, nothing changed. */
  changed: boolean;
  patch_sha256: string;
  files: UndoRecord['files'];
  /** The commit apply-task made, when found on HEAD (commit mode). */
  applied_commit: string | null;
  /** The revert commit made (commit mode), else null. */
  revert_commit: string | null;
  /** The undo record, relative to the run's folder. */
  record: string;
  warnings: string[];
}

/**
 * Takes an applied task's patch back out: a revert commit when apply-task committed it, else a
 * reverse apply to the working tree. Like apply-task, every refusal leaves the working tree, the
 * index and HEAD as they were: git checks the whole reverse before it writes anything.
 */
export async function undoTask(env: WorkflowEnv, runId: string, taskId: string, options: { allowHookChange?: boolean } = {}): Promise<UndoTaskResult> {
  const session = await openSession(env, runId);
  const args = { run: runId, task: taskId, allow_hook_change: options.allowHookChange === true ? true : undefined };
  return audited(session.run, env, 'undo-task', args, async (record) => {
    const { run, repoRoot } = session;
    const snapshot = loadSnapshot(run);
    const applications = taskApplications(run);
    const application = appliedNow(run, applications, taskId);
    approvedTask(snapshot, taskId);
    const approved = readApprovedPatch(run, snapshot, taskId, 'undone');
    const blocking = laterDependents(run, snapshot, applications, taskId, approved);
    if (blocking.length > 0) {
      const first = blocking[0]!;
      throw new WorkflowError(
        `${blocking.map((item) => `${item.task} (${item.why})`).join(', ')} ${blocking.length === 1 ? 'is' : 'are'} applied on top of ${taskId}: run \`undo-task --run ${runId} --task ${first.task}\` first`,
      );
    }
    const reversed = approved.files.map(reverseChange);
    record.warnings.push(...(await guardApply(repoRoot, run, taskId, reversed, options, 'undo-task')));

    const head = await headCommit(repoRoot);
    const files = reversed.map((file) => ({ kind: file.kind, old_path: file.oldPath, new_path: file.newPath }));
    const done = application.commit ? await revertCommitted(run, repoRoot, session.manifest, snapshot, taskId, approved, record.warnings) : await reverseWorkingTree(repoRoot, taskId, approved, record.warnings);
    const undo: UndoRecord = {
      schema_version: 1,
      run_id: runId,
      task: taskId,
      undo: application.undos + 1,
      patch: { path: approved.path, sha256: approved.sha256 },
      mode: application.commit ? 'commit' : 'working-tree',
      changed: done.changed,
      head_before: head,
      applied_commit: done.applied,
      revert_commit: done.revert,
      files,
      undone_at: env.now().toISOString(),
    };
    const rel = undoFile(taskId, undo.undo);
    run.writeJson(rel, undo);
    return { run_id: runId, task: taskId, mode: undo.mode, changed: undo.changed, patch_sha256: approved.sha256, files, applied_commit: done.applied, revert_commit: done.revert, record: rel, warnings: record.warnings };
  });
}

interface Done {
  changed: boolean;
  applied: string | null;
  revert: string | null;
}

function appliedNow(run: Run, applications: Map<string, TaskApplication>, taskId: string): TaskApplication {
  const application = applications.get(taskId);
  if (application === undefined) {
    throw new WorkflowError(`no apply-task of run ${run.id} recorded ${taskId} as applied, so there is nothing to undo: apply it with \`apply-task --run ${run.id} --task ${taskId}\``);
  }
  if (application.state === 'undone') {
    throw new WorkflowError(`${taskId} was undone already (${undoFile(taskId, application.undos)}): apply it again with \`apply-task --run ${run.id} --task ${taskId}\``);
  }
  return application;
}

/** The patch undo-task takes out is the approved one, as apply-task applied it: without it there is nothing to reverse. */
function approvedTask(snapshot: RunSnapshot, taskId: string): TaskFacts {
  const task = snapshot.tasks.find((item) => item.task.id === taskId);
  if (task && isTaskApproved(task)) return task;
  throw new WorkflowError(
    `${taskId} has no approved patch in plan revision ${snapshot.current?.revision ?? '?'} of run ${snapshot.runId}, so undo-task cannot tell what to take out: take it out with git (\`git revert\`, \`git checkout -- FILE\`), or approve-plan a revision that keeps it`,
  );
}

/**
 * Applied tasks that taking this one out would break: those that depend on it (depends_on of the
 * current plan, followed through), and those applied after it that change one of its files even
 * without depends_on (their patch was written on top of its lines; its reverse would not apply).
 */
function laterDependents(run: Run, snapshot: RunSnapshot, applications: Map<string, TaskApplication>, taskId: string, approved: ApprovedPatch): Array<{ task: string; why: string }> {
  const dependents = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const task of snapshot.tasks) {
      if (dependents.has(task.task.id)) continue;
      if (task.task.depends_on.some((dep) => dep === taskId || dependents.has(dep))) {
        dependents.add(task.task.id);
        grew = true;
      }
    }
  }
  const self = applications.get(taskId)!;
  const ours = new Set(approved.paths);
  const patches = new Map(approvedAttempts(snapshot).map((entry) => [entry.taskId, entry.path]));
  const found: Array<{ task: string; why: string; order: number }> = [];
  for (const [task, item] of applications) {
    if (task === taskId || item.state !== 'applied') continue;
    if (dependents.has(task)) {
      found.push({ task, why: `depends on ${taskId}`, order: item.order });
      continue;
    }
    const patch = patches.get(task);
    if (item.order < self.order || patch === undefined || !run.exists(patch)) continue;
    const shared = touchedPaths(run.readText(patch)).filter((file) => ours.has(file));
    if (shared.length > 0) found.push({ task, why: `applied later, changes ${shared.join(', ')}`, order: item.order });
  }
  // The last applied is the first to take out.
  return found.sort((a, b) => b.order - a.order).map(({ task, why }) => ({ task, why }));
}

function touchedPaths(patch: string): string[] {
  return [...new Set(parseDiff(patch).files.flatMap((file) => [file.oldPath, file.newPath]).filter((item): item is string => item !== null))];
}

function reverseChange(change: FileChange): FileChange {
  const kind = change.kind === 'add' ? 'delete' : change.kind === 'delete' ? 'add' : change.kind;
  return { oldPath: change.newPath, newPath: change.oldPath, kind };
}

/**
 * apply-task without --commit left the patch in the working tree only: it is taken out the same
 * way, by a reverse apply of the working tree, which keeps every other change (other files, and
 * other lines of the same files, as long as git can still place the reverse exactly).
 */
async function reverseWorkingTree(repoRoot: string, taskId: string, approved: ApprovedPatch, warnings: string[]): Promise<Done> {
  const check = await checkApply(repoRoot, approved.patch, { reverse: true });
  if (!check.ok) {
    if ((await checkApply(repoRoot, approved.patch)).ok) {
      warnings.push(`${taskId}'s patch was no longer in the working tree (it applies again as it is): recorded as undone, nothing changed`);
      return { changed: false, applied: null, revert: null };
    }
    throw new WorkflowError(
      `${taskId}'s patch cannot be taken back out of the working tree (${check.error}): ${approved.paths.join(', ')} changed since apply-task; put those lines back as the patch left them (\`git diff -- ${approved.paths.join(' ')}\` shows them) and run undo-task again, or take the patch out by hand`,
    );
  }
  const staged = (await stagedPaths(repoRoot)).filter((file) => approved.paths.includes(file));
  await applyPatch(repoRoot, approved.patch, { reverse: true });
  if (staged.length > 0) {
    warnings.push(`${staged.join(', ')} ${staged.length === 1 ? 'was' : 'were'} staged: the index still holds what was staged (\`git restore --staged ${staged.join(' ')}\` unstages it)`);
  }
  return { changed: true, applied: null, revert: null };
}

/**
 * apply-task --commit made a commit of just the patch: undo-task commits its reverse on top of
 * HEAD as it is now, whatever came after, as long as the reverse applies cleanly to HEAD and the
 * working tree (git checks every hunk). Nothing else may be staged, and the patch's files must
 * have no uncommitted changes: the revert commit holds the reverse and nothing more.
 */
async function revertCommitted(run: Run, repoRoot: string, manifest: Manifest, snapshot: RunSnapshot, taskId: string, approved: ApprovedPatch, warnings: string[]): Promise<Done> {
  const staged = await stagedPaths(repoRoot);
  if (staged.length > 0) {
    throw new WorkflowError(`the index has staged changes (${listSome(staged)}) that the revert commit of ${taskId} would sweep in: commit or unstage them first, then run undo-task again`);
  }
  const dirty = await uncommittedPaths(repoRoot, approved.paths);
  if (dirty.length > 0) {
    throw new WorkflowError(`${dirty.join(', ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes, which ${taskId}'s revert commit would be mixed with: commit or stash them first, then run undo-task again`);
  }
  const base = manifest.repository.base_kind === 'commit' ? manifest.repository.base_commit : null;
  const commits = await taskCommits(repoRoot, run.id, base);
  const applied = standingCommit(commits, taskId, approved.sha256)?.sha ?? null;

  const check = await checkApply(repoRoot, approved.patch, { index: true, reverse: true });
  if (!check.ok) {
    if ((await checkApply(repoRoot, approved.patch, { index: true })).ok) {
      warnings.push(`${taskId}'s patch was no longer in HEAD (its commit was reverted or dropped by hand; it applies again as it is): recorded as undone, nothing changed`);
      return { changed: false, applied, revert: null };
    }
    const byHand = applied === null ? 'take it out by hand' : `revert it by hand with \`git revert ${applied.slice(0, 12)}\` and resolve the conflicts`;
    throw new WorkflowError(`${taskId}'s patch cannot be taken back out of HEAD (${check.error}): later commits changed its lines; ${byHand}`);
  }
  if (applied === null) {
    warnings.push(`no commit on HEAD carries ${taskId}'s trailers (the branch was rewritten or switched), but its patch is there: its reverse is committed all the same`);
  }
  await applyPatch(repoRoot, approved.patch, { index: true, reverse: true });
  const task = snapshot.tasks.find((item) => item.task.id === taskId)!;
  try {
    const revert = await commitIndex(repoRoot, revertMessage(run.id, task, approved.sha256, applied));
    return { changed: true, applied, revert };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    // As apply-task: a hook that refuses the commit must not leave the reverse staged.
    const putBack = await applyPatch(repoRoot, approved.patch, { index: true }).then(
      () => true,
      () => false,
    );
    if (putBack) {
      throw new OrchestratorError(`git commit failed (${why}), so the reverse of ${taskId}'s patch was taken back out of the index and the working tree: fix what made the commit fail, then run undo-task again`);
    }
    throw new OrchestratorError(
      `the reverse of ${taskId}'s patch is staged, but git commit failed (${why}): commit it yourself, or put the patch back with \`git apply --index ${path.relative(repoRoot, path.join(run.dir, approved.path))}\``,
    );
  }
}

/**
 * git revert's own subject and first line, so tools that know reverts recognise it; the trailers
 * tie it to the run, the task and the exact patch (Reverts-patch-sha256, not Patch-sha256: this
 * commit takes the patch out, and recovery must never read it as applying it).
 */
export function revertMessage(runId: string, task: TaskFacts, patchSha256: string, applied: string | null): string {
  const subject = task.task.title.replace(/\s+/g, ' ').trim();
  const body = applied === null ? `This takes ${task.task.id}'s patch back out (undo-task).` : `This reverts commit ${applied}.`;
  return `Revert "${subject}"\n\n${body}\n\nRun: ${runId}\nTask: ${task.task.id}\nReverts-patch-sha256: ${patchSha256}\n`;
}

function listSome(paths: string[]): string {
  return paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;
}
