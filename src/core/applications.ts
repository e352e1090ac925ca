import type { Run } from '../store/run-store.js';

/** Where a task's patch stands in the repository, as the audit log records it. */
export interface TaskApplication {
  state: 'applied' | 'undone';
  /** How the latest apply-task put it there: committed (--commit) or the working tree only. */
  commit: boolean;
  /** undo-task lines recorded for the task so far: the next undo record is number undos + 1. */
  undos: number;
  /** Position of the latest apply-task line among the applications and undos, for "applied later than". */
  order: number;
}

/**
 * Each task apply-task or undo-task ever recorded, with its latest state: the log is the record
 * (nothing else stores it), replayed in order, so an undo followed by a new apply-task reads as
 * applied again. A task no line names is not in the map.
 */
export function taskApplications(run: Run): Map<string, TaskApplication> {
  const found = new Map<string, TaskApplication>();
  let order = 0;
  for (const line of run.readAudit()) {
    // Every command adds a line (status too), so a long-lived run's log is mostly lines that
    // cannot be an application: only those that name one of the two commands are worth parsing.
    if (!line.includes('apply-task') && !line.includes('undo-task')) continue;
    let entry: { command?: unknown; outcome?: unknown; args?: { task?: unknown; commit?: unknown } };
    // A damaged line is verify's business; here it only cannot count.
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    const task = entry.args?.task;
    if (entry.outcome !== 'ok' || typeof task !== 'string') continue;
    const was = found.get(task);
    if (entry.command === 'apply-task') {
      found.set(task, { state: 'applied', commit: entry.args?.commit === true, undos: was?.undos ?? 0, order: order++ });
    } else if (entry.command === 'undo-task' && was !== undefined) {
      found.set(task, { ...was, state: 'undone', undos: was.undos + 1 });
    }
  }
  return found;
}

/** The tasks whose patch is applied now (applied and not undone since), in the order they were applied. */
export function currentlyApplied(run: Run): string[] {
  return [...taskApplications(run)]
    .filter(([, item]) => item.state === 'applied')
    .sort(([, a], [, b]) => a.order - b.order)
    .map(([task]) => task);
}

/** What `status` and `runs` say of a task: applied (committed or in the working tree), undone, or null when never applied. */
export type ApplicationState = 'applied-committed' | 'applied-working-tree' | 'undone' | null;

export function applicationState(applications: ReadonlyMap<string, TaskApplication>, taskId: string): ApplicationState {
  const item = applications.get(taskId);
  if (item === undefined) return null;
  if (item.state === 'undone') return 'undone';
  return item.commit ? 'applied-committed' : 'applied-working-tree';
}
