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
  };
}

export function taskFile(revision: number, taskId: string): string {
  return `${tasksDir(revision)}/${taskId}.task.json`;
}

export function attemptDir(taskId: string, attempt: number): string {
  return attempt === 1 ? `executions/${taskId}` : `executions/${taskId}/attempt-${pad(attempt)}`;
}

export function attemptFiles(taskId: string, attempt: number) {
  const dir = attemptDir(taskId, attempt);
  return {
    request: `${dir}/exec.request.json`,
    response: `${dir}/exec.response.json`,
    thinking: `${dir}/thinking.txt`,
    markdown: `${dir}/exec.md`,
    rawPatch: `${dir}/artifacts/patch.raw.diff`,
    patch: `${dir}/artifacts/patch.diff`,
    notes: `${dir}/artifacts/notes.md`,
    patchMarkdown: `${dir}/artifacts/patch.md`,
    approval: `${dir}/approval.json`,
  };
}
