import { addedLineControls, type ControlFinding } from '../diff/added-controls.js';
import { parseDiff } from '../diff/parse.js';
import { UsageError, WorkflowError } from '../errors.js';
import type { Plan } from '../schema/plan.js';
import { ExecResponse, type Approval, type PatchValidationRecord } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { hookChanges } from './apply-guard.js';
import { planFiles } from './layout.js';
import { attemptChecks, checkViews, type CheckView } from './check-records.js';
import { loadSnapshot, type RunSnapshot } from './run-snapshot.js';
import { audited, openSession } from './session.js';
import { deriveStatus, type RunState, type TaskStatus } from './state.js';
import { taskView, type TaskView } from './task-context.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface DecisionView {
  decision: Approval['decision'];
  by: string;
  at: string;
  reason: string | null;
  sha256: string;
}

export interface PlanView {
  kind: 'plan';
  run_id: string;
  state: RunState;
  revision: number;
  path: string;
  plan_sha256: string;
  /** null while the revision awaits a decision. */
  decision: DecisionView | null;
  /** A later revision whose reply did not validate, so the person knows why an older one is shown. */
  later_invalid: { revision: number; errors: string[] } | null;
  /** Files the plan names that are not in the repository, as recorded with the revision. */
  file_warnings: string[];
  plan: Plan;
  tasks: TaskStatus[];
}

export interface PatchView {
  kind: 'patch';
  run_id: string;
  task: string;
  title: string;
  attempt: number;
  attempts: number;
  path: string;
  /** The patch as approved or to be reviewed; null when the reply gave none (see no_patch_reason). */
  patch: string | null;
  patch_sha256: string | null;
  no_patch_reason: string | null;
  fixes: ExecResponse['normalization']['fixes'];
  /** The format the executor replied in (docs/edit-formats.md). */
  edit_format: NonNullable<ExecResponse['edit_format']>;
  /** How a whole or search-replace reply became the patch; null for a diff reply. */
  conversion: ExecResponse['conversion'] | null;
  validation: PatchValidationRecord;
  undeclared_files: string[];
  /** Added lines holding control characters: where, and which (escaped). */
  control_characters: ControlFinding[];
  /** Files the patch changes that a commit runs as hooks: apply-task refuses them without --allow-hook-change. */
  hook_files: string[];
  decision: DecisionView | null;
  /** The run's checks on this attempt's patch; empty when none ran (see checks_skipped). */
  checks: CheckView[];
  checks_skipped: 'no-checks' | 'interrupted' | null;
}

export type ShowResult = PlanView | PatchView | TaskView;

/**
 * What a person reviews: the current plan, or one attempt of a task with the fixes made to the
 * executor's reply and the validation result. Only reads the run (its audit line aside, as status).
 */
export async function showRun(env: WorkflowEnv, runId: string, options: { task?: string; attempt?: number } = {}): Promise<ShowResult> {
  if (options.attempt !== undefined && options.task === undefined) throw new UsageError('--attempt needs --task TNNN');
  if (options.attempt !== undefined && !(Number.isInteger(options.attempt) && options.attempt >= 1)) {
    throw new UsageError(`--attempt must be a positive whole number, not ${String(options.attempt)}`);
  }
  const session = await openSession(env, runId);
  const args = { run: runId, task: options.task, attempt: options.attempt };
  return audited(session.run, env, 'show', args, async () => {
    const snapshot = loadSnapshot(session.run);
    if (options.task === undefined) return planView(snapshot);
    // A task that has not run has no patch to show: what its executor call will be shown instead
    // (a task carried over has its own answer in patchView).
    const notRun = snapshot.tasks.find((item) => item.task.id === options.task && item.attempts.length === 0 && item.carried === null);
    if (notRun && options.attempt === undefined) return taskView(session, snapshot, notRun);
    const view = patchView(session.run, snapshot, options.task, options.attempt);
    const touched = view.patch === null ? [] : parseDiff(view.patch).files.flatMap((file) => [file.oldPath, file.newPath]).filter((item): item is string => item !== null);
    return { ...view, hook_files: touched.length === 0 ? [] : await hookChanges(session.repoRoot, touched) };
  });
}

function planView(snapshot: RunSnapshot): PlanView {
  const current = snapshot.current;
  if (!current?.plan || !current.planSha256) {
    const latest = snapshot.revisions.at(-1);
    if (latest) throw new WorkflowError(`plan revision ${latest.revision} did not validate (${latest.errors[0] ?? 'no reason recorded'}): run \`revise-plan --feedback "..."\``);
    throw new WorkflowError(`run ${snapshot.runId} has no plan yet: run \`plan --run ${snapshot.runId}\``);
  }
  const latest = snapshot.revisions.at(-1)!;
  const status = deriveStatus(snapshot);
  return {
    kind: 'plan',
    run_id: snapshot.runId,
    state: status.state,
    revision: current.revision,
    path: planFiles(current.revision).plan,
    plan_sha256: current.planSha256,
    decision: decisionView(current.approval),
    later_invalid: latest.revision > current.revision ? { revision: latest.revision, errors: latest.errors } : null,
    file_warnings: current.fileWarnings,
    plan: current.plan,
    // Empty until the plan is approved: task states only mean something then.
    tasks: status.tasks,
  };
}

function patchView(run: Run, snapshot: RunSnapshot, taskId: string, wanted: number | undefined): Omit<PatchView, 'hook_files'> {
  const task = snapshot.tasks.find((item) => item.task.id === taskId);
  if (!task) {
    const known = snapshot.tasks.map((item) => item.task.id).join(', ');
    throw new WorkflowError(`task ${taskId} is not in the current plan of run ${snapshot.runId}${known ? ` (tasks: ${known})` : ''}`);
  }
  const count = task.attempts.length;
  if (count === 0 && task.carried) {
    const from = task.carried.source.run_id ? `run ${task.carried.source.run_id}, ` : '';
    throw new WorkflowError(`${taskId} has no attempt in this plan revision: its approval was carried over from ${from}plan revision ${task.carried.source.plan_revision} (${task.carried.path}, sha256 ${task.carried.sha256}); \`apply-task --task ${taskId}\` applies it`);
  }
  if (count === 0) throw new WorkflowError(`${taskId} has not been run yet: run \`run-task --task ${taskId}\``);
  const number = wanted ?? count;
  const attempt = task.attempts[number - 1];
  if (!attempt) throw new WorkflowError(`${taskId} has ${count} attempt(s): pass --attempt 1 to ${count}`);

  const files = attempt.files;
  const response = run.readJson(files.response, ExecResponse);
  const patch = run.exists(files.patch) ? run.readText(files.patch) : null;
  const checksNow = attemptChecks(run, files, response);
  return {
    kind: 'patch',
    run_id: snapshot.runId,
    task: taskId,
    title: task.task.title,
    attempt: number,
    attempts: count,
    path: files.patch,
    patch,
    patch_sha256: attempt.patchSha256,
    no_patch_reason: patch === null ? noPatchReason(response) : null,
    fixes: response.normalization.fixes,
    edit_format: response.edit_format ?? 'diff',
    conversion: response.conversion ?? null,
    validation: response.validation,
    undeclared_files: response.undeclared_files ?? [],
    // Recorded by run-task; found again for attempts recorded before run-task looked for them.
    control_characters: response.control_characters ?? (patch === null ? [] : addedLineControls(patch)),
    decision: decisionView(attempt.approval),
    checks: checkViews(run, checksNow.checks),
    checks_skipped: checksNow.skipped,
  };
}

function noPatchReason(response: ExecResponse): string {
  const { refusal, error } = response.normalization;
  const where = refusal ? [refusal.file, refusal.hunk === null ? null : `hunk ${refusal.hunk}`].filter(Boolean).join(' ') : '';
  if (refusal && where) return `refused at ${where}: ${refusal.reason}`;
  return error ?? refusal?.reason ?? response.validation.errors[0] ?? 'the reply held no diff';
}

function decisionView(approval: Approval | null): DecisionView | null {
  return approval ? { decision: approval.decision, by: approval.by, at: approval.at, reason: approval.reason, sha256: approval.subject.sha256 } : null;
}
