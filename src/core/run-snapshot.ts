import { Plan, planTasks, type PlanTask } from '../schema/plan.js';
import { ExecResponse, PlanResponse, type Approval } from '../schema/run-files.js';
import { sha256, type Run } from '../store/run-store.js';
import { attemptFiles, planFiles } from './layout.js';
import { readDecision, readRecorded, type Recorded } from './recorded-files.js';

export interface RevisionFacts {
  revision: number;
  valid: boolean;
  errors: string[];
  plan: Plan | null;
  planSha256: string | null;
  approval: Approval | null;
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
  /** What audit.log recorded for each file: the decisions above are only those it records. */
  recorded: Recorded;
  /** Decision files that are there but do not count (no audit line, or changed since). */
  warnings: string[];
}

/**
 * Reads the run's state. The warnings about decision files that do not count also go into the
 * command's audit line, and are shown to the person (Run.noteWarning).
 */
export function loadSnapshot(run: Run): RunSnapshot {
  const reader = new DecisionReader(run, readRecorded(run));
  const revisions: RevisionFacts[] = [];
  for (let revision = 1; run.exists(planFiles(revision).response); revision++) {
    revisions.push(loadRevision(run, revision, reader));
  }
  const current = [...revisions].reverse().find((revision) => revision.valid) ?? null;
  const tasks = current?.plan ? planTasks(current.plan).map((task) => ({ task, attempts: loadAttempts(run, task.id, reader) })) : [];
  for (const warning of reader.warnings) run.noteWarning(warning, { show: true });
  return { runId: run.id, revisions, current, tasks, recorded: reader.recorded, warnings: reader.warnings };
}

class DecisionReader {
  readonly warnings: string[] = [];
  constructor(
    private readonly run: Run,
    readonly recorded: Recorded,
  ) {}

  read(rel: string): Approval | null {
    const { approval, warning } = readDecision(this.run, this.recorded, rel);
    if (warning !== null) this.warnings.push(warning);
    return approval;
  }
}

function loadRevision(run: Run, revision: number, decisions: DecisionReader): RevisionFacts {
  const files = planFiles(revision);
  const response = run.readJson(files.response, PlanResponse);
  const valid = response.validation.ok && run.exists(files.plan);
  const approval = decisions.read(files.approval);
  if (!valid) return { revision, valid, errors: response.validation.errors, plan: null, planSha256: null, approval };
  const bytes = run.readBytes(files.plan);
  const plan = run.readJson(files.plan, Plan);
  return { revision, valid, errors: [], plan, planSha256: sha256(bytes), approval };
}

function loadAttempts(run: Run, taskId: string, decisions: DecisionReader): AttemptFacts[] {
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
      approval: decisions.read(files.approval),
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
