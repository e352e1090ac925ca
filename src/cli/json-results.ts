import type { ApplyTaskResult } from '../core/apply-task.js';
import type { CheckPatchResult } from '../core/check-patch.js';
import type { ChecksOnlyResult } from '../core/checks-only.js';
import type { AddContextResult, ContextListing, RemoveContextResult } from '../core/context.js';
import type { Check } from '../core/doctor.js';
import type { ExportResult } from '../core/export.js';
import type { RunListing } from '../core/list-runs.js';
import type { PlanFailure, PlanResult } from '../core/plan.js';
import type { ReplayReport } from '../core/replay.js';
import type { ReportResult } from '../core/report/report-run.js';
import type { RunTaskResult } from '../core/run-task.js';
import type { ShowResult } from '../core/show.js';
import type { TaskStatus } from '../core/state.js';
import type { StatusReport } from '../core/status.js';
import type { UndoTaskResult } from '../core/undo-task.js';
import type { FileChange as DiffFileChange } from '../diff/types.js';
import type {
  AddContextOutput,
  ApplyTaskOutput,
  UndoTaskOutput,
  ApprovePlanOutput,
  CheckOutcome,
  CheckPatchReport,
  DoctorOutput,
  ExportOutput,
  FileChange,
  InitOutput,
  JsonApproval,
  ListContextOutput,
  PlanOutput,
  RemoveContextOutput,
  ReplayOutput,
  ReportOutput,
  RunsOutput,
  RunTaskAttemptOutput,
  RunTaskRecheckOutput,
  ShowOutput,
  StatusOutput,
  VerifyOutput,
} from '../schema/json-output.js';
import type { CarryOver } from '../schema/run-files.js';
import { nextStep } from './next-step.js';

/**
 * Each command's `--json` result, built from what the core returned to the shape
 * src/schema/json-output.ts defines: snake_case keys throughout, every key present (null for a
 * missing fact), `files` naming only the files written, and the warnings only in the envelope.
 */

export function planJson(runId: string, result: PlanResult): PlanOutput {
  return {
    run_id: runId,
    revision: result.revision,
    valid: true,
    errors: [],
    plan: result.plan,
    plan_sha256: result.planSha256,
    file_warnings: result.fileWarnings,
    files: writtenFiles(result.files, result.written),
    run_dir: result.run_dir,
  };
}

/** A planner reply that is not a valid plan: the revision it was recorded as, why, and the files written. */
export function planFailureJson(runId: string, failure: PlanFailure): PlanOutput {
  return {
    run_id: runId,
    revision: failure.revision,
    valid: false,
    errors: failure.errors,
    plan: null,
    plan_sha256: null,
    file_warnings: [],
    files: writtenFiles(failure.files, failure.written),
    run_dir: failure.run_dir,
  };
}

export function approvePlanJson(approval: JsonApproval, carryOver: CarryOver | null): ApprovePlanOutput {
  return { ...approval, carry_over: carryOver };
}

export function runTaskJson(result: RunTaskResult): RunTaskAttemptOutput {
  const { response } = result;
  return {
    kind: 'attempt',
    task: result.task,
    attempt: result.attempt,
    valid: result.valid,
    reason: result.reason,
    files: writtenFiles(result.files, result.written),
    run_dir: result.run_dir,
    response: { ...response, normalization: { ...response.normalization, files: response.normalization.files.map(fileChange) } },
  };
}

export function recheckJson(result: ChecksOnlyResult): RunTaskRecheckOutput {
  return { kind: 'recheck', task: result.task, attempt: result.attempt, record: result.record, checks: result.checks };
}

export function addContextJson(result: AddContextResult): AddContextOutput {
  return { added: result.added, already: result.already, skipped: result.skipped, allowlist_sha256: result.allowlist_sha256 };
}

export function removeContextJson(result: RemoveContextResult): RemoveContextOutput {
  return { removed: result.removed, allowlist_sha256: result.allowlist_sha256 };
}

export function listContextJson(listing: ContextListing): ListContextOutput {
  return { allowlisted: listing.allowlisted, from_approved_patches: listing.from_approved_patches, withheld: listing.withheld, excluded: listing.excluded };
}

export function statusJson(report: StatusReport): StatusOutput {
  return {
    run_id: report.run_id,
    state: report.state,
    plan_revision: report.plan_revision,
    tasks: report.tasks.map((task) => ({ ...taskStatus(task), applied: task.applied, application: task.application })),
    next: report.next.map(nextStep),
    busy: report.busy,
    plan_warnings: report.plan_warnings,
    checks: report.checks,
    run_dir: report.run_dir,
    edit_format: report.edit_format,
  };
}

export function showJson(view: ShowResult): ShowOutput {
  if (view.kind === 'plan') return { ...view, tasks: view.tasks.map(taskStatus) };
  if (view.kind === 'task') return { ...view, next: view.next.map(nextStep) };
  return { ...view, conversion: view.conversion ?? null };
}

export function applyTaskJson(result: ApplyTaskResult): ApplyTaskOutput {
  return {
    run_id: result.run_id,
    task: result.task,
    attempt: result.attempt,
    patch_sha256: result.patch_sha256,
    files: result.files.map(fileChange),
    staged: result.staged,
    commit: result.commit,
  };
}

export function runsJson(listing: RunListing): RunsOutput {
  return { runs_dir: listing.runs_dir, runs: listing.runs.map((run) => ({ ...run, next: run.next === null ? null : nextStep(run.next) })) };
}

/** check-patch's report: the `result` of `--json` (with the diff) and the file `--report` writes. */
export function checkPatchReport(result: CheckPatchResult, input: string): CheckPatchReport {
  return {
    ok: result.error === null,
    input,
    repository: result.repository,
    base: result.base,
    format: result.format,
    conversion: conversionJson(result.conversion),
    error: result.error,
    refusal: result.outcome.refusal,
    fixes: result.outcome.fixes,
    files: result.outcome.files.map(fileChange),
    notes: result.outcome.notes,
    validation: result.validation,
  };
}

/** A conversion as run-task records it in exec.response.json: every key present. */
function conversionJson(conversion: CheckPatchResult['conversion']): CheckPatchReport['conversion'] {
  if (conversion === null) return null;
  const steps = conversion.steps.map((step) => ({ fix: step.fix, message: step.message, path: step.path ?? null, line: step.line ?? null }));
  if (conversion.ok) return { ok: true, reason: null, path: null, line: null, steps, files: conversion.files };
  return { ok: false, reason: conversion.reason, path: conversion.path ?? null, line: conversion.line ?? null, steps, files: [] };
}

export function undoTaskJson(result: UndoTaskResult): UndoTaskOutput {
  return {
    run_id: result.run_id,
    task: result.task,
    mode: result.mode,
    changed: result.changed,
    patch_sha256: result.patch_sha256,
    files: result.files,
    applied_commit: result.applied_commit,
    revert_commit: result.revert_commit,
    record: result.record,
  };
}

export function checksJson(checks: Check[]): CheckOutcome[] {
  return checks.map((check) => ({ id: check.id, level: check.level, message: check.message, data: check.data }));
}

export function verifyJson(result: { checks: Check[]; head: string | null }): VerifyOutput {
  return { checks: checksJson(result.checks), head: result.head };
}

export function doctorJson(checks: Check[]): DoctorOutput {
  return { checks: checksJson(checks) };
}

export function replayJson(report: ReplayReport, reportPath: string): ReplayOutput {
  return { report, report_path: reportPath };
}

export function exportJson(result: ExportResult): ExportOutput {
  return { out: result.out, file_count: result.files, bytes: result.bytes, sha256: result.sha256 };
}

/** The page itself only when it went nowhere else (no --out). */
export function reportJson(result: ReportResult): ReportOutput {
  return { out: result.out, bytes: result.bytes, sha256: result.sha256, html: result.out === null ? result.html : null };
}

/** exec.response.json keeps the engine's FileChange with `kind` as text; the engine only writes its four kinds. */
function fileChange(file: Omit<DiffFileChange, 'kind'> & { kind: string }): FileChange {
  return { old_path: file.oldPath, new_path: file.newPath, kind: file.kind as DiffFileChange['kind'] };
}

function taskStatus(task: TaskStatus): Omit<StatusOutput['tasks'][number], 'applied' | 'application'> {
  return {
    id: task.id,
    title: task.title,
    milestone: task.milestone,
    state: task.state,
    attempts: task.attempts,
    patch: task.patch,
    depends_on: task.depends_on,
    carried_over: task.carried_over ?? null,
  };
}

/** The files a command wrote, of all those it may write, by role in snake_case (`rawPatch` → `raw_patch`). */
function writtenFiles(files: Record<string, string>, written: readonly string[]): Record<string, string> {
  const wrote = new Set(written);
  return Object.fromEntries(
    Object.entries(files)
      .filter(([, file]) => wrote.has(file))
      .map(([role, file]) => [role.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`), file]),
  );
}

export function initJson(runId: string, runDir: string, from: string | null): InitOutput {
  return { run_id: runId, run_dir: runDir, from };
}
