import { planTasks, type Plan } from '../schema/plan.js';
import { quotePath } from './repo-files.js';

/**
 * The files a plan names that a person should look at before approving it. A task's file is
 * expected when it is at the base commit, or when a task it depends on (directly or through
 * others) names it too: that task runs, and its patch is approved, first, so the file exists by
 * then. Any other path is worth a word, since a 7-14B planner often invents or misspells them:
 * - named by no earlier task: a new file, or a mistake;
 * - named by an earlier task this one does not depend on: that task may not have run yet, so the
 *   file may not exist when this one runs (a missing dependency, or a mistake);
 * - a folder of the repository: a task changes files, not folders.
 * Each path gets one warning per task, in plan order. Pure: the caller lists the base's files.
 */
export function planFileWarnings(plan: Plan, baseFiles: readonly string[]): string[] {
  const files = new Set(baseFiles);
  const folders = new Set<string>();
  for (const file of baseFiles) {
    for (let cut = file.lastIndexOf('/'); cut > 0; cut = file.lastIndexOf('/', cut - 1)) folders.add(file.slice(0, cut));
  }
  const tasks = planTasks(plan);
  const named = new Map<string, Set<string>>();
  const firstNamedBy = new Map<string, string>();
  const needs = new Map<string, Set<string>>();
  const warnings: string[] = [];
  for (const task of tasks) {
    // depends_on names only earlier tasks (the plan validated), so their closures are known.
    const closure = new Set<string>();
    for (const dep of task.depends_on) {
      closure.add(dep);
      for (const further of needs.get(dep) ?? []) closure.add(further);
    }
    needs.set(task.id, closure);
    const own = new Set(task.files);
    named.set(task.id, own);
    for (const file of own) {
      const shown = quotePath(file);
      if (files.has(file)) continue;
      if ([...closure].some((dep) => named.get(dep)?.has(file))) continue;
      const earlier = firstNamedBy.get(file);
      if (folders.has(file.replace(/\/+$/, ''))) {
        warnings.push(`${task.id} names ${shown}, a folder of the repository, not a file: name the files it changes`);
      } else if (earlier) {
        warnings.push(`${task.id} names ${shown}, not in the repository and named by ${earlier}, which ${task.id} does not depend on: a missing dependency, or a mistake?`);
      } else {
        warnings.push(`${task.id} names ${shown}, not in the repository: a new file, or a mistake?`);
      }
      if (!earlier) firstNamedBy.set(file, task.id);
    }
  }
  return warnings;
}

/** The task a warning of planFileWarnings is about: each one starts with its id. */
export function warnedTask(warning: string): string | null {
  return /^(T\d{3}) names /.exec(warning)?.[1] ?? null;
}
