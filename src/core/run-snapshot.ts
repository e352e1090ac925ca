import { Plan, planTasks, type PlanTask } from '../schema/plan.js';
import { Approval, ExecResponse, PlanResponse } from '../schema/run-files.js';
import { sha256, type Run } from '../store/run-store.js';
import { attemptFiles, planFiles } from './layout.js';

export interface RevisionFacts {
  revision: number;
  valid: boolean;
  errors: string[];
  plan: Plan | null;
  planSha256: string | null;
  approval: Approval | null;
  /** Recorded with the revision (plan-file-warnings.ts), so no git is needed to show them. */
  fileWarnings: string[];
}

export interface AttemptFacts {
  attempt: number;
  valid: boolean;
  errors: string[];
  patchSha256: string | null;
  approval: Approval | null;
}

export interface TaskFacts {
  task: PlanTask & { milestone: string };
  attempts: AttemptFacts[];
}

/** Everything recorded in a run that decides its state, read once per command. */
export interface RunSnapshot {
  runId: string;
  revisions: RevisionFacts[];
  /** The latest revision whose plan validated: the plan under review or in force. */
  current: RevisionFacts | null;
  tasks: TaskFacts[];
}

export function loadSnapshot(run: Run): RunSnapshot {
  const revisions: RevisionFacts[] = [];
  for (let revision = 1; run.exists(planFiles(revision).response); revision++) {
    revisions.push(loadRevision(run, revision));
  }
  const current = [...revisions].reverse().find((revision) => revision.valid) ?? null;
  const tasks = current?.plan ? planTasks(current.plan).map((task) => ({ task, attempts: loadAttempts(run, task.id) })) : [];
  return { runId: run.id, revisions, current, tasks };
}

function loadRevision(run: Run, revision: number): RevisionFacts {
  const files = planFiles(revision);
  const response = run.readJson(files.response, PlanResponse);
  const valid = response.validation.ok && run.exists(files.plan);
  const approval = run.exists(files.approval) ? run.readJson(files.approval, Approval) : null;
  const fileWarnings = response.file_warnings ?? [];
  if (!valid) return { revision, valid, errors: response.validation.errors, plan: null, planSha256: null, approval, fileWarnings };
  const bytes = run.readBytes(files.plan);
  const plan = run.readJson(files.plan, Plan);
  return { revision, valid, errors: [], plan, planSha256: sha256(bytes), approval, fileWarnings };
}

function loadAttempts(run: Run, taskId: string): AttemptFacts[] {
  const attempts: AttemptFacts[] = [];
  for (let attempt = 1; run.exists(attemptFiles(taskId, attempt).response); attempt++) {
    const files = attemptFiles(taskId, attempt);
    const response = run.readJson(files.response, ExecResponse);
    const valid = response.normalization.ok && response.validation.ok && run.exists(files.patch);
    attempts.push({
      attempt,
      valid,
      errors: response.normalization.ok ? response.validation.errors : [response.normalization.error ?? 'no diff in the reply'],
      patchSha256: run.exists(files.patch) ? sha256(run.readBytes(files.patch)) : null,
      approval: run.exists(files.approval) ? run.readJson(files.approval, Approval) : null,
    });
  }
  return attempts;
}

export function latestAttempt(task: TaskFacts): AttemptFacts | null {
  return task.attempts.at(-1) ?? null;
}

export function isTaskApproved(task: TaskFacts): boolean {
  return latestAttempt(task)?.approval?.decision === 'approved';
}

/** Approved patches in the order they were approved: the state every later patch builds on. */
export function approvedAttempts(snapshot: RunSnapshot): Array<{ taskId: string; attempt: AttemptFacts }> {
  return snapshot.tasks
    .filter(isTaskApproved)
    .map((task) => ({ taskId: task.task.id, attempt: latestAttempt(task)! }))
    .sort((a, b) => byCodeUnits(a.attempt.approval!.at, b.attempt.approval!.at) || byCodeUnits(a.taskId, b.taskId));
}

/**
 * ISO timestamps and task ids sort the same by code units as by any locale's collation; without
 * the locale, the order cannot depend on the machine and no ICU collator is loaded at start-up.
 */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
