import { OrchestratorError, WorkflowError } from '../errors.js';
import { checkPatchPath } from '../diff/paths.js';
import { normalizeReply } from '../diff/normalize.js';
import { pathKindAt, validatePatch } from '../git/state-tree.js';
import { SCHEMA_VERSION, type ExecResponse, type PatchValidationRecord } from '../schema/run-files.js';
import { approvedContext, loadApprovedPatches, type ApprovedPatch } from './approved-state.js';
import { attemptFiles } from './layout.js';
import { callModel } from './model-call.js';
import { executorMessages } from './prompts.js';
import { renderExecMarkdown, renderPatchMarkdown } from './render.js';
import { loadRunPack } from './run-pack.js';
import { isTaskApproved, latestAttempt, loadSnapshot, type RunSnapshot, type TaskFacts } from './run-snapshot.js';
import { audited, openSession, type RunSession } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface RunTaskResult {
  task: string;
  attempt: number;
  valid: boolean;
  response: ExecResponse;
  files: ReturnType<typeof attemptFiles>;
  warnings: string[];
}

export async function runTask(env: WorkflowEnv, runId: string, taskId: string): Promise<RunTaskResult> {
  const session = await openSession(env, runId);
  return audited(session.run, env, 'run-task', { run: runId, task: taskId }, async (record) => {
    const snapshot = loadSnapshot(session.run);
    const task = runnableTask(snapshot, taskId);
    const approved = loadApprovedPatches(session.run, snapshot);
    const context = await approvedContext(session, approved);
    for (const file of task.task.files) {
      const visible = context.files.some((item) => item.path === file);
      if (!visible && (await pathKindAt(session.repoRoot, context.tree, file)) === 'file') {
        record.warnings.push(`${taskId} changes ${file}, which the executor cannot see: add it with \`add-context --file ${file}\``);
      }
    }

    const pack = loadRunPack(session.run);
    const messages = executorMessages(pack.executorSystem, task.task, context.files);
    const { body, result } = await callModel(session, 'executor', messages);

    const attempt = task.attempts.length + 1;
    const files = attemptFiles(taskId, attempt);
    const { run } = session;
    run.writeText(files.request, body);
    run.writeText(files.rawPatch, result.content);
    if (result.thinking) run.writeText(files.thinking, result.thinking);

    const normalized = normalizeReply(result.content);
    // A reply stopped by num_predict may end mid-hunk; recounting would turn it into a smaller
    // patch than the model meant, so it is never validated.
    const validation =
      result.done_reason === 'length'
        ? cutShortValidation(session, approved, session.manifest.generation.num_predict)
        : await validateNormalized(session, approved, normalized);
    const response: ExecResponse = {
      schema_version: SCHEMA_VERSION,
      task: taskId,
      attempt,
      model: session.manifest.models.executor.name,
      raw: result.content,
      thinking: result.thinking,
      done_reason: result.done_reason,
      stats: result.stats,
      normalization: { ok: normalized.ok, error: normalized.error, fixes: normalized.fixes, files: normalized.files },
      validation,
    };
    const patch = normalized.ok ? run.writeText(files.patch, normalized.diff) : null;
    if (normalized.notes) run.writeText(files.notes, normalized.notes + '\n');
    run.writeJson(files.response, response);
    // Views are derived from the recorded JSON; failing to render one must not fail the command.
    if (patch) renderView(() => run.writeText(files.patchMarkdown, renderPatchMarkdown(taskId, normalized.diff, patch.sha256)), record.warnings);
    renderView(() => run.writeText(files.markdown, renderExecMarkdown(task.task, response)), record.warnings);

    if (!validation.ok) {
      const reason = validation.errors[0] ?? normalized.error;
      throw new OrchestratorError(`${taskId} attempt ${attempt}: the patch does not validate: ${reason}; recorded in ${files.response}: run \`run-task --task ${taskId}\` again`);
    }
    return { task: taskId, attempt, valid: true, response, files, warnings: record.warnings };
  });
}

function renderView(write: () => void, warnings: string[]): void {
  try {
    write();
  } catch (error) {
    warnings.push(`could not render a Markdown view: ${(error as Error).message}`);
  }
}

/** The refusals: nothing runs before the plan and the task's dependencies are approved. */
function runnableTask(snapshot: RunSnapshot, taskId: string): TaskFacts {
  const current = snapshot.current;
  if (current?.approval?.decision !== 'approved') {
    throw new WorkflowError(`the plan of run ${snapshot.runId} is not approved: review it and run \`approve-plan\` first`);
  }
  const task = snapshot.tasks.find((item) => item.task.id === taskId);
  if (!task) {
    const known = snapshot.tasks.map((item) => item.task.id).join(', ');
    throw new WorkflowError(`task ${taskId} is not in plan revision ${current.revision} (tasks: ${known})`);
  }
  const missing = task.task.depends_on.filter((dep) => !isTaskApproved(snapshot.tasks.find((item) => item.task.id === dep)!));
  if (missing.length > 0) throw new WorkflowError(`${taskId} depends on ${missing.join(', ')}, not approved yet: run and approve ${missing[0]} first`);
  if (isTaskApproved(task)) throw new WorkflowError(`${taskId} is already approved; nothing to run`);
  const latest = latestAttempt(task);
  if (latest && latest.valid && !latest.approval) {
    throw new WorkflowError(`${taskId} attempt ${latest.attempt} awaits review: \`approve-task\` or \`reject-task\` it first`);
  }
  return task;
}

function emptyValidation(session: RunSession, approved: ApprovedPatch[]): PatchValidationRecord {
  return {
    ok: false,
    base: session.manifest.repository.base_commit,
    approved_patches: approved.map((item) => ({ task: item.task, sha256: item.sha256 })),
    state_tree: null,
    result_tree: null,
    files: [],
    errors: [],
  };
}

function cutShortValidation(session: RunSession, approved: ApprovedPatch[], numPredict: number): PatchValidationRecord {
  const error = `the reply stopped at num_predict (${numPredict} tokens) and may be incomplete: raise num_predict in the pack or split the task`;
  return { ...emptyValidation(session, approved), errors: [error] };
}

async function validateNormalized(
  session: RunSession,
  approved: ApprovedPatch[],
  normalized: ReturnType<typeof normalizeReply>,
): Promise<PatchValidationRecord> {
  const base = session.manifest.repository.base_commit;
  const record = emptyValidation(session, approved);
  if (!normalized.ok) return { ...record, errors: [normalized.error ?? 'no diff found in the reply'] };
  const pathErrors = normalized.files.flatMap((file) =>
    [file.oldPath, file.newPath].flatMap((item) => {
      const reason = item === null ? null : checkPatchPath(item);
      return reason ? [`${item}: ${reason}`] : [];
    }),
  );
  if (pathErrors.length > 0) return { ...record, errors: pathErrors };
  const result = await validatePatch(session.repoRoot, base, approved.map((item) => item.patch), normalized.diff);
  return { ...record, ok: result.ok, state_tree: result.state_tree, result_tree: result.result_tree, files: result.files, errors: result.error ? [result.error] : [] };
}
