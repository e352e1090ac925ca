import type { z } from 'zod/mini';
import { Plan, planTasks, type PlanTask } from '../schema/plan.js';
import { Approval, CarryOver, ExecResponse, PlanResponse, type CarriedPatch } from '../schema/run-files.js';
import { sha256, type Run } from '../store/run-store.js';
import { attemptFiles, executionsRoot, planFiles } from './layout.js';
import { readCounted, readRecorded, type Recorded } from './recorded-files.js';

export interface RevisionFacts {
  revision: number;
  valid: boolean;
  errors: string[];
  plan: Plan | null;
  planSha256: string | null;
  approval: Approval | null;
  /** Recorded with the revision (plan-file-warnings.ts), so no git is needed to show them. */
  fileWarnings: string[];
  /** What approve-plan carried over into this revision (revision 2 on, or an imported plan). */
  carryOver: CarryOver | null;
  /** The folder of this revision's attempts (layout.executionsRoot). */
  executions: string;
}

export interface AttemptFacts {
  attempt: number;
  files: ReturnType<typeof attemptFiles>;
  /** Read from exec.response.json when first asked (response()). */
  readonly valid: boolean;
  readonly errors: string[];
  patchSha256: string | null;
  approval: Approval | null;
  /**
   * exec.response.json, parsed and schema-checked on first use and kept: a command reads the
   * records of the attempts it decides on, not every attempt of the run (an approved attempt's
   * state is its approval, which is read and checked here).
   */
  response(): ExecResponse;
  /** The bytes of exec.response.json, read on first use and kept (what response() parses; for an audit check). */
  readonly responseBytes: Buffer;
  /** The bytes of patch.diff as read and hashed here (patchSha256), null when there is none. */
  readonly patchBytes: Buffer | null;
}

export interface TaskFacts {
  task: PlanTask & { milestone: string };
  attempts: AttemptFacts[];
  /** The approval this task kept from the previous revision (or the imported run), if any; `order` is its place in the record. */
  carried: (CarriedPatch & { order: number }) | null;
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
  const tasks = current ? revisionTasks(run, current, reader) : [];
  for (const warning of reader.warnings) run.noteWarning(warning, { show: true });
  return { runId: run.id, revisions, current, tasks, recorded: reader.recorded, warnings: reader.warnings };
}

/**
 * A revision's tasks with what was done under it. Attempts and carried approvals belong to an
 * approved revision only: before its approval nothing can have run under it.
 */
export function revisionTasks(run: Run, revision: RevisionFacts, reader: DecisionReader = new DecisionReader(run, readRecorded(run))): TaskFacts[] {
  if (!revision.plan) return [];
  const approved = revision.approval?.decision === 'approved';
  const carried = new Map((approved ? (revision.carryOver?.carried ?? []) : []).map((item, order) => [item.task, { ...item, order }]));
  return planTasks(revision.plan).map((task) => ({
    task,
    attempts: approved ? loadAttempts(run, task.id, revision.executions, reader) : [],
    carried: carried.get(task.id) ?? null,
  }));
}

export class DecisionReader {
  readonly warnings: string[] = [];
  constructor(
    private readonly run: Run,
    readonly recorded: Recorded,
  ) {}

  read(rel: string): Approval | null {
    return this.readAs(rel, Approval);
  }

  readAs<T extends z.ZodMiniType>(rel: string, schema: T): z.infer<T> | null {
    const { value, warning } = readCounted(this.run, this.recorded, rel, schema);
    if (warning !== null) this.warnings.push(warning);
    return value;
  }
}

function loadRevision(run: Run, revision: number, decisions: DecisionReader): RevisionFacts {
  const files = planFiles(revision);
  const response = run.readJson(files.response, PlanResponse);
  const planBytes = response.validation.ok ? readUnlessNew(run, decisions.recorded, files.plan) : null;
  const valid = planBytes !== null;
  const approval = decisions.read(files.approval);
  const fileWarnings = response.file_warnings ?? [];
  // Where the revision's attempts live follows the file being there; what was carried over counts
  // only as audit.log recorded it, like any decision.
  const carryOver = decisions.readAs(files.carryOver, CarryOver);
  const executions = executionsRoot(revision, run.exists(files.carryOver));
  if (!valid) return { revision, valid, errors: response.validation.errors, plan: null, planSha256: null, approval, fileWarnings, carryOver, executions };
  const plan = run.parseJson(files.plan, planBytes.toString('utf8'), Plan);
  return { revision, valid, errors: [], plan, planSha256: sha256(planBytes), approval, fileWarnings, carryOver, executions };
}

/**
 * A file's bytes, or null when it was never written. A file audit.log records that is gone is
 * damage, not a step still to take: read as absent, a deleted plan.json or patch.diff would turn
 * into "the reply did not validate" and the tool would propose asking the model again.
 */
function readUnlessNew(run: Run, recorded: Recorded, rel: string): Buffer | null {
  const bytes = run.readBytesIfPresent(rel);
  if (bytes === null && recorded.has(rel)) throw run.missing(rel);
  return bytes;
}

function loadAttempts(run: Run, taskId: string, root: string, decisions: DecisionReader): AttemptFacts[] {
  const attempts: AttemptFacts[] = [];
  for (let attempt = 1; ; attempt++) {
    const files = attemptFiles(taskId, attempt, root);
    if (!run.exists(files.response)) {
      if (decisions.recorded.has(files.response)) throw run.missing(files.response);
      break;
    }
    // Read once, and hashed: patchSha256 is of these bytes.
    const patchBytes = readUnlessNew(run, decisions.recorded, files.patch);
    // Read when first asked, then kept: what is checked against audit.log is what is parsed.
    let bytes: Buffer | null = null;
    let parsed: ExecResponse | null = null;
    const responseBytes = (): Buffer => (bytes ??= run.readBytes(files.response));
    const response = (): ExecResponse => (parsed ??= run.parseJson(files.response, responseBytes().toString('utf8'), ExecResponse));
    attempts.push({
      attempt,
      files,
      get valid() {
        const record = response();
        return record.normalization.ok && record.validation.ok && patchBytes !== null;
      },
      get errors() {
        const record = response();
        return record.normalization.ok ? record.validation.errors : [record.normalization.error ?? 'no diff in the reply'];
      },
      patchSha256: patchBytes === null ? null : sha256(patchBytes),
      approval: decisions.read(files.approval),
      response,
      get responseBytes() {
        return responseBytes();
      },
      patchBytes,
    });
  }
  return attempts;
}

export function latestAttempt(task: TaskFacts): AttemptFacts | null {
  return task.attempts.at(-1) ?? null;
}

export function isTaskApproved(task: TaskFacts): boolean {
  return task.carried !== null || latestAttempt(task)?.approval?.decision === 'approved';
}

export interface ApprovedEntry {
  taskId: string;
  /** The approved patch.diff in this run, and the sha256 it was approved with. */
  path: string;
  sha256: string;
  /** The approved attempt of this revision; null for an approval carried over. */
  attempt: AttemptFacts | null;
  carried: (CarriedPatch & { order: number }) | null;
}

/**
 * Approved patches in the order they were approved: the state every later patch builds on. The
 * approvals carried over come first, in their recorded order (they were approved before this
 * revision was), then this revision's own, by approval time.
 */
export function approvedAttempts(snapshot: RunSnapshot): ApprovedEntry[] {
  return approvedOf(snapshot.tasks);
}

export function approvedOf(tasks: TaskFacts[]): ApprovedEntry[] {
  // Carried approvals keep the record's order: their approval order before, which every later
  // patch of the earlier revision was validated on.
  const carried = tasks
    .flatMap((task) => (task.carried ? [task.carried] : []))
    .map((item): ApprovedEntry => ({ taskId: item.task, path: item.path, sha256: item.sha256, attempt: null, carried: item }));
  const own = tasks
    .filter((task) => task.carried === null && isTaskApproved(task))
    .map((task): ApprovedEntry => {
      const attempt = latestAttempt(task)!;
      return { taskId: task.task.id, path: attempt.files.patch, sha256: attempt.patchSha256!, attempt, carried: null };
    })
    .sort((a, b) => byCodeUnits(a.attempt!.approval!.at, b.attempt!.approval!.at) || byCodeUnits(a.taskId, b.taskId));
  return [...carried.sort((a, b) => a.carried!.order - b.carried!.order), ...own];
}

/**
 * ISO timestamps and task ids sort the same by code units as by any locale's collation; without
 * the locale, the order cannot depend on the machine and no ICU collator is loaded at start-up.
 */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
