import { Plan, type PlanTask } from '../../schema/plan.js';
import { ExecResponse, type Approval, type AuditEntry, type Manifest } from '../../schema/run-files.js';
import type { Run } from '../../store/run-store.js';
import { UndoRecord } from '../../schema/undo.js';
import { applicationState, taskApplications, type ApplicationState } from '../applications.js';
import { planFiles, SPEC, undoFile } from '../layout.js';
import { readRecordedManifest } from '../recorded-files.js';
import { attemptChecks, checkViews, type CheckView } from '../run-checks.js';
import { loadSnapshot, type AttemptFacts, type RevisionFacts } from '../run-snapshot.js';
import { deriveStatus, type RunStatus, type TaskStatus } from '../state.js';
import type { Check } from '../verify/check.js';
import { readAuditLog } from '../verify/audit-log.js';

export interface LatestAttempt {
  facts: AttemptFacts;
  /** Run-relative path of the attempt's normalized patch (whether or not it exists). */
  patchPath: string;
  response: ExecResponse;
  patch: string | null;
  /** The reply as the model wrote it, kept to show what the fixes changed. */
  rawPatch: string | null;
  /** The run's checks on the patch, with the last lines of each log. */
  checks: CheckView[];
}

export interface TaskReport {
  /** null until the plan is approved: tasks have no state before that. */
  status: TaskStatus | null;
  task: PlanTask & { milestone: string };
  attempts: AttemptFacts[];
  latest: LatestAttempt | null;
  /** Whether its approved patch is applied now, as audit.log's apply-task and undo-task lines say. */
  application: ApplicationState;
  /** The latest undo-task record when the patch is undone now (how it was taken out), else null. */
  undo: { file: string; record: UndoRecord } | null;
}

export interface ApprovalRow {
  /** Where the decision is recorded, run-relative. */
  file: string;
  approval: Approval;
}

export interface AuditLine {
  line: number;
  hash: string;
  entry: AuditEntry | null;
}

/** Everything the report shows, read from the run once; rendering is a pure function of it. */
export interface ReportData {
  manifest: Manifest;
  spec: string;
  status: RunStatus;
  revisions: RevisionFacts[];
  plan: Plan | null;
  tasks: TaskReport[];
  approvals: ApprovalRow[];
  /** Decision files in the run that do not count: audit.log does not record them as they are. */
  warnings: string[];
  audit: { lines: AuditLine[]; chain: Check | null };
}

/**
 * Reads what the report shows. Called before the report's own audit line is appended, so the
 * timeline ends with the last command before it and the report of a run state is always the same.
 */
export function collectReport(run: Run): ReportData {
  const manifest = readRecordedManifest(run);
  const snapshot = loadSnapshot(run);
  const status = deriveStatus(snapshot);
  const statusById = new Map(status.tasks.map((task) => [task.id, task]));
  const applications = taskApplications(run);
  const tasks: TaskReport[] = snapshot.tasks.map((facts) => {
    const application = applicationState(applications, facts.task.id);
    return {
      status: statusById.get(facts.task.id) ?? null,
      task: facts.task,
      attempts: facts.attempts,
      latest: readLatest(run, facts.task.id, facts.attempts.at(-1) ?? null),
      application,
      undo: application === 'undone' ? readUndo(run, facts.task.id, applications.get(facts.task.id)!.undos) : null,
    };
  });

  const approvals: ApprovalRow[] = [];
  for (const revision of snapshot.revisions) {
    if (revision.approval) approvals.push({ file: planFiles(revision.revision).approval, approval: revision.approval });
  }
  // An approval carried over is decided by the plan approval that carried it: shown as that
  // person's decision, at that moment, bound to the patch's sha256, recorded in the carry-over record.
  const current = snapshot.current;
  for (const task of snapshot.tasks) {
    if (!task.carried || !current?.approval) continue;
    const from = task.carried.source.run_id ? `run ${task.carried.source.run_id}, ` : '';
    approvals.push({
      file: planFiles(current.revision).carryOver,
      approval: {
        ...current.approval,
        reason: `carried over from ${from}plan revision ${task.carried.source.plan_revision}`,
        subject: { kind: 'patch', path: task.carried.path, sha256: task.carried.sha256, plan_revision: current.revision, task: task.task.id, attempt: null },
      },
    });
  }
  for (const task of snapshot.tasks) {
    for (const attempt of task.attempts) {
      if (attempt.approval) approvals.push({ file: attempt.files.approval, approval: attempt.approval });
    }
  }
  // Time order reads as a story; the file breaks ties so equal times always come out the same way.
  // By code units, not locale: the same bytes on every machine.
  approvals.sort((a, b) => byCodeUnits(a.approval.at, b.approval.at) || byCodeUnits(a.file, b.file));

  const { record, checks } = run.exists('audit.log') ? readAuditLog(run) : { record: null, checks: [] };
  const lines: AuditLine[] = (record?.entries ?? []).map((entry, i) => ({ line: i + 1, hash: record!.hashes[i]!, entry }));

  return {
    manifest,
    spec: run.readText(SPEC),
    status,
    revisions: snapshot.revisions,
    plan: snapshot.current?.plan ?? null,
    tasks,
    approvals,
    warnings: snapshot.warnings,
    audit: { lines, chain: checks[0] ?? null },
  };
}

function readLatest(run: Run, taskId: string, facts: AttemptFacts | null): LatestAttempt | null {
  if (!facts) return null;
  const files = facts.files;
  const result: LatestAttempt = {
    checks: [],
    facts,
    patchPath: files.patch,
    response: run.readJson(files.response, ExecResponse),
    patch: run.exists(files.patch) ? run.readText(files.patch) : null,
    // A whole or search-replace reply is kept as reply.raw.txt instead.
    rawPatch: run.exists(files.rawPatch) ? run.readText(files.rawPatch) : run.exists(files.replyRaw) ? run.readText(files.replyRaw) : null,
  };
  result.checks = checkViews(run, attemptChecks(run, files, result.response).checks);
  return result;
}

/** The task's n-th undo record; null when it is missing or unreadable (verify says which). */
function readUndo(run: Run, taskId: string, n: number): TaskReport['undo'] {
  const file = undoFile(taskId, n);
  try {
    return run.exists(file) ? { file, record: run.readJson(file, UndoRecord) } : null;
  } catch {
    return null;
  }
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
