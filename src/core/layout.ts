/**
 * Where things live inside a run directory. The first plan revision and a task's first attempt
 * use the plain layout (`plan/`, `tasks/`, `executions/TNNN/`); later ones get numbered folders,
 * so nothing recorded is ever overwritten.
 */
const pad = (n: number): string => String(n).padStart(3, '0');

export const MANIFEST = 'manifest.json';
export const SPEC = 'spec.md';
export const ALLOWLIST = 'context/allowlist.json';
export const PACK_DIR = 'pack';

export function planDir(revision: number): string {
  return revision === 1 ? 'plan' : `plan/rev-${pad(revision)}`;
}

export function tasksDir(revision: number): string {
  return revision === 1 ? 'tasks' : `tasks/rev-${pad(revision)}`;
}

export function planFiles(revision: number) {
  const dir = planDir(revision);
  return {
    request: `${dir}/plan.request.json`,
    raw: `${dir}/plan.raw.txt`,
    thinking: `${dir}/plan.thinking.txt`,
    response: `${dir}/plan.response.json`,
    plan: `${dir}/plan.json`,
    markdown: `${dir}/plan.md`,
    approval: `${dir}/plan.approval.json`,
    /** Written by approve-plan from revision 2 on, and on an imported plan: the approvals carried over. */
    carryOver: `${dir}/plan.carry-over.json`,
  };
}

/** `init --from`: where the source run and the patches copied from it are recorded. */
export const PLAN_IMPORT = 'plan/plan.import.json';

export function importedPatch(taskId: string): string {
  return `imported/${taskId}/patch.diff`;
}

/**
 * Where a plan revision's attempts live. A revision approved with a carry-over record (revision 2
 * on, since carry-over exists) gets a folder of its own, so attempts made under an earlier revision
 * never count for it; revision 1, and revisions approved before carry-over existed, use
 * `executions/`.
 */
export function executionsRoot(revision: number, hasCarryOver: boolean): string {
  return revision >= 2 && hasCarryOver ? `executions/rev-${pad(revision)}` : 'executions';
}

export function taskFile(revision: number, taskId: string): string {
  return `${tasksDir(revision)}/${taskId}.task.json`;
}

export function attemptDir(taskId: string, attempt: number, root = 'executions'): string {
  return attempt === 1 ? `${root}/${taskId}` : `${root}/${taskId}/attempt-${pad(attempt)}`;
}

export function attemptFiles(taskId: string, attempt: number, root = 'executions') {
  const dir = attemptDir(taskId, attempt, root);
  return {
    request: `${dir}/exec.request.json`,
    response: `${dir}/exec.response.json`,
    thinking: `${dir}/thinking.txt`,
    markdown: `${dir}/exec.md`,
    rawPatch: `${dir}/artifacts/patch.raw.diff`,
    /** The reply of a whole or search-replace attempt, byte for byte (a diff reply is rawPatch). */
    replyRaw: `${dir}/artifacts/reply.raw.txt`,
    patch: `${dir}/artifacts/patch.diff`,
    notes: `${dir}/artifacts/notes.md`,
    patchMarkdown: `${dir}/artifacts/patch.md`,
    approval: `${dir}/approval.json`,
  };
}

/** undo-task's record of the task's n-th undo (n counts the task's undos over the run). */
export function undoFile(taskId: string, n: number): string {
  return `undo/${taskId}/undo-${pad(n)}.json`;
}
