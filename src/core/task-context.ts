import { checkPatchPath } from '../diff/paths.js';
import { withGitMemo, type GitMemo } from '../git/memo.js';
import { readBlobs } from '../git/read-blobs.js';
import { buildStateTree } from '../git/state-tree.js';
import { linkedPaths } from '../git/tree-paths.js';
import { Allowlist } from '../schema/run-files.js';
import { loadApprovedPatches, seedApprovedState, type ApprovedPatch } from './approved-state.js';
import { visiblePaths } from './context-paths.js';
import { ALLOWLIST } from './layout.js';
import { secretReason } from './secret-files.js';
import { readRecordedJson } from './recorded-files.js';
import type { RunSnapshot, TaskFacts } from './run-snapshot.js';
import type { RunSession } from './session.js';
import { deriveStatus, type TaskState } from './state.js';

/**
 * Where a task's declared file stands for the executor, in the current state (base commit +
 * approved patches):
 * - visible: it exists and the executor is shown it;
 * - hidden: it exists, but neither an approved patch nor add-context put it in the context;
 * - withheld: an approved patch touched it, but it looks like a secret, so the executor is not
 *   shown it until a person adds it with --allow-secret (as run-task decides);
 * - excluded: a person took it out with remove-context (whether or not it exists);
 * - absent: not there (a file the task creates, or a name the planner got wrong), or not a
 *   regular file (a symbolic link, a folder, a submodule), so there is nothing to show.
 */
export type TaskFileState = 'visible' | 'hidden' | 'withheld' | 'excluded' | 'absent';

export interface TaskFileView {
  path: string;
  state: TaskFileState;
}

/** Each declared file of `task` with its state, read from git (the state tree). */
export async function taskFileStates(session: RunSession, task: TaskFacts, approved: ApprovedPatch[], memo: GitMemo): Promise<TaskFileView[]> {
  const allowlist = readRecordedJson(session.run, ALLOWLIST, Allowlist);
  const visible = new Set(visiblePaths(allowlist, approved));
  const excluded = new Set((allowlist.excluded ?? []).map((entry) => entry.path));
  const allowed = new Set(allowlist.files.map((entry) => entry.path));
  const declared = [...new Set(task.task.files)];
  const contents = await stateFiles(session, approved, declared, memo);
  return declared.map((file) => {
    if (excluded.has(file)) return { path: file, state: 'excluded' };
    const content = contents.get(file) ?? null;
    if (content === null) return { path: file, state: 'absent' };
    if (!visible.has(file)) return { path: file, state: 'hidden' };
    // The judgement approvedContext makes for the prompt: an allowlisted file was checked (or allowed) when added.
    return { path: file, state: !allowed.has(file) && secretReason(file, content) !== null ? 'withheld' : 'visible' };
  });
}

/**
 * The content of each path at base + approved patches, as the executor would be shown it; null
 * when it is not a regular file there (absent, a folder, a submodule, a symbolic link or under
 * one) or when the path is not one git may be asked about (a model's "../x").
 */
export async function stateFiles(session: RunSession, approved: ApprovedPatch[], paths: readonly string[], memo: GitMemo): Promise<Map<string, Buffer | null>> {
  const unique = [...new Set(paths)];
  const safe = unique.filter((file) => checkPatchPath(file) === null && !/[\n\r]/.test(file));
  const base = session.manifest.repository.base_commit;
  await seedApprovedState(session.repoRoot, base, approved, memo);
  const tree = await buildStateTree(session.repoRoot, base, approved.map((item) => item.patch), memo);
  const linked = new Set(await linkedPaths(session.repoRoot, tree, safe, memo));
  const contents = await readBlobs(session.repoRoot, tree, safe.filter((file) => !linked.has(file)), memo);
  return new Map(unique.map((file) => [file, contents.get(file) ?? null]));
}

export interface TaskView {
  kind: 'task';
  run_id: string;
  task: TaskFacts['task'];
  /** The task's state, or null while the plan awaits approval (task states only mean something then). */
  state: TaskState | null;
  /** Each declared file and whether the executor will see it when the task runs. */
  files: TaskFileView[];
  next: string[];
}

/** `show --task` for a task that has not run: the task, and what its executor call will be shown. */
export async function taskView(session: RunSession, snapshot: RunSnapshot, task: TaskFacts): Promise<TaskView> {
  const files = await withGitMemo(undefined, (memo) => taskFileStates(session, task, loadApprovedPatches(session.run, snapshot), memo));
  const status = deriveStatus(snapshot);
  const state = status.tasks.find((item) => item.id === task.task.id)?.state ?? null;
  const cmd = (name: string): string => `llm-orchestrator ${name} --run ${snapshot.runId} --task ${task.task.id}`;
  const next = state === 'ready' ? [...(files.some((file) => file.state === 'hidden') ? [cmd('add-context')] : []), cmd('run-task')] : [];
  return { kind: 'task', run_id: snapshot.runId, task: task.task, state, files, next };
}
