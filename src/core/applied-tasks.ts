import type { Run } from '../store/run-store.js';

/** The tasks `apply-task` applied to a working tree, in the order its audit lines record them. */
export function appliedTasks(run: Run): string[] {
  const applied: string[] = [];
  for (const line of run.readAudit()) {
    // Every command adds a line (status too), so a long-lived run's log is mostly lines that
    // cannot be an application: only those that name apply-task are worth parsing.
    if (!line.includes('apply-task')) continue;
    // A damaged line is verify's business; here it only cannot count as an application.
    try {
      const entry = JSON.parse(line) as { command?: unknown; outcome?: unknown; args?: { task?: unknown } };
      if (entry.command === 'apply-task' && entry.outcome === 'ok' && typeof entry.args?.task === 'string') applied.push(entry.args.task);
    } catch {
      continue;
    }
  }
  return applied;
}
