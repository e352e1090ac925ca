import path from 'node:path';
import { RecordedFailure, WorkflowError } from '../errors.js';
import type { RepairOutcome } from '../diff/engine.js';
import { countHunkHeaders } from '../diff/hunk-count.js';
import { withGitMemo } from '../git/memo.js';
import { pathKinds } from '../git/tree-paths.js';
import { overLimit, packLimits, SCHEMA_VERSION, type ExecResponse, type PatchValidationRecord } from '../schema/run-files.js';
import { approvedContext, loadApprovedPatches } from './approved-state.js';
import { attemptFiles } from './layout.js';
import { callModel, startModelCall } from './model-call.js';
import { executorMessages } from './prompts.js';
import { describeControls, renderExecMarkdown, renderPatchMarkdown } from './render.js';
import { addedLineControls } from '../diff/added-controls.js';
import { visibleText } from '../visible-text.js';
import { executorOverflowAdvice, feedbackMessages, previousAttempt, sameRequestRefusal } from './executor-feedback.js';
import { readPersonFeedback } from './person-feedback.js';
import { loadRunPack } from './run-pack.js';
import { attemptFormat, checkWholeFileLimit, runPackFor } from './edit-format/attempt-format.js';
import { convertAttemptReply, type ConversionRecord } from './edit-format/convert-attempt.js';
import type { EditFormat } from '../schema/run-files.js';
import { isTaskApproved, latestAttempt, loadSnapshot, type RunSnapshot, type TaskFacts } from './run-snapshot.js';
import { repairAndValidate, runRepoName, type RepairedPatch } from './repair-and-validate.js';
import { outsideRunsDir } from './runs-dir-policy.js';
import { checkVerdict, checkViews, ChecksInterrupted, DEFAULT_CHECK_TIMEOUT_S, runChecks } from './run-checks.js';
import { audited, openSession } from './session.js';
import { shownPath } from './shown-path.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface RunTaskResult {
  task: string;
  attempt: number;
  valid: boolean;
  /** Why the patch does not validate; null when it does. */
  reason: string | null;
  response: ExecResponse;
  files: ReturnType<typeof attemptFiles>;
  /** The run's files this attempt wrote (of `files`, only these exist). */
  written: string[];
  warnings: string[];
  /** The run's folder as the person opens it from the current folder (shown-path.ts). */
  run_dir: string;
}

export interface RunTaskOptions {
  feedback?: string | undefined;
  feedbackFile?: string | undefined;
  /** Send the request even when it is byte-identical to the previous attempt's. */
  same?: boolean | undefined;
  /** `--no-checks`: this attempt runs none of the run's checks (recorded). */
  noChecks?: boolean | undefined;
  /** `--check-timeout S`: each check's time limit, in seconds. */
  checkTimeout?: number | undefined;
  /** `--edit-format`: this attempt's reply format, in place of the run's (recorded). */
  editFormat?: EditFormat | undefined;
}

export async function runTask(env: WorkflowEnv, runId: string, taskId: string, options: RunTaskOptions = {}): Promise<RunTaskResult> {
  const person = readPersonFeedback(env.cwd, options);
  const session = await openSession(env, runId);
  // The person's words are part of what was decided, so the audit line carries them whole.
  const args = {
    run: runId,
    task: taskId,
    feedback: person ?? undefined,
    feedback_file: options.feedbackFile,
    same: options.same === true ? true : undefined,
    no_checks: options.noChecks === true ? true : undefined,
    check_timeout: options.checkTimeout,
    edit_format: options.editFormat,
  };
  // One memo for the command's git work: one reader of objects, and the approved state built once.
  return audited(session.run, env, 'run-task', args, (record) => withGitMemo(undefined, async (memo) => {
    const snapshot = loadSnapshot(session.run);
    const task = runnableTask(snapshot, taskId);
    const approved = loadApprovedPatches(session.run, snapshot);
    const context = await approvedContext(session, approved, memo);
    const unseen: string[] = [];
    const kinds = await pathKinds(session.repoRoot, context.tree, task.task.files, memo);
    for (const file of task.task.files) {
      if (context.files.some((item) => item.path === file)) continue;
      const kind = kinds.get(file) ?? null;
      if (kind !== null) unseen.push(file);
      // A withheld file has its own warning (below), naming --allow-secret.
      if (kind === 'file' && !context.withheld.some((item) => item.path === file)) {
        record.warnings.push(`${taskId} changes ${file}, which the executor cannot see: add it with \`add-context --file ${file}\``);
      }
    }

    for (const { path: file, reason } of context.withheld) {
      record.warnings.push(`${file}, changed by an approved patch, looks like a secret (${reason}) and is left out of the executor's context: add it with \`add-context --file ${file} --allow-secret\` if it is not`);
    }
    const shown = context.files.map((item) => item.path);

    const format = attemptFormat(session.manifest, options.editFormat);
    const pack = runPackFor(loadRunPack(session.run), format, runId);
    if (format === 'whole') await checkWholeFileLimit(session.repoRoot, context.tree, task.task.files, pack, { runId, taskId });
    const attempt = task.attempts.length + 1;
    const previous = await previousAttempt(session.run, { root: session.repoRoot, name: runRepoName(session.manifest) }, pack, task, context, person);
    const messages = [
      ...executorMessages(pack.executorSystem, task.task, context.files, unseen, format),
      ...(previous ? feedbackMessages(pack, taskId, previous) : []),
    ];
    const executions = snapshot.current!.executions;
    const previousRequest = attempt > 1 ? attemptFiles(taskId, attempt - 1, executions).request : null;
    // The files of the run the call depends on are read (they are read between the git work that
    // builds the context, so not before it): the listing goes now, answered while the prompt's
    // size is checked.
    const early = startModelCall(session, 'executor');
    const { body, result, baseUrl } = await callModel(session, 'executor', messages, undefined, {
      early,
      advice: (overflow) => executorOverflowAdvice(session.run, context.files, overflow),
      beforeSend: (next) => {
        // Greedy decoding and a fixed seed: the same bytes get the same reply, so sending them is
        // only useful when the person says so.
        if (previousRequest === null || options.same === true || !session.run.exists(previousRequest)) return;
        if (session.run.readBytes(previousRequest).equals(Buffer.from(next, 'utf8'))) {
          throw sameRequestRefusal(session.run, taskId, attempt, previousRequest, pack.executorFeedback !== null);
        }
      },
    }).finally(() => early.close());

    const files = attemptFiles(taskId, attempt, executions);
    const { run } = session;
    run.writeText(files.request, body);
    // Kept before anything reads it; a reply in another format is not a diff, so not named one.
    run.writeText(format === 'diff' ? files.rawPatch : files.replyRaw, result.content);
    if (result.thinking) run.writeText(files.thinking, result.thinking);

    // A reply stopped by num_predict may end mid-hunk; a repaired version of it would be a smaller
    // patch than the model meant, so it is never repaired or validated.
    const base = session.manifest.repository.base_commit;
    const limits = packLimits(pack.manifest);
    const approvedTexts = approved.map((item) => item.patch);
    // A whole or search-replace reply becomes a diff first; from there it is checked as any diff is.
    const converted =
      result.done_reason !== 'length' && format !== 'diff'
        ? await convertAttemptReply(session.repoRoot, base, approvedTexts, result.content, format, runRepoName(session.manifest), memo, shown)
        : null;
    const conversion: ConversionRecord | null = converted?.conversion ?? null;
    const repaired = withinPatchLimit(
      result.done_reason === 'length'
        ? cutShort(session.manifest.generation.num_predict)
        : converted
          ? outsideRunsDir(converted, session.repoRoot, path.dirname(run.dir))
          : (tooManyHunks(result.content, limits.reply_hunks) ??
            outsideRunsDir(
              await repairAndValidate(session.repoRoot, base, approvedTexts, result.content, runRepoName(session.manifest), memo, shown),
              session.repoRoot,
              path.dirname(run.dir),
            )),
      limits.patch_bytes,
    );
    const { outcome } = repaired;
    const validation: PatchValidationRecord = {
      ok: repaired.error === null,
      base,
      approved_patches: approved.map((item) => ({ task: item.task, sha256: item.sha256 })),
      state_tree: repaired.validation?.state_tree ?? null,
      result_tree: repaired.validation?.result_tree ?? null,
      files: repaired.validation?.files ?? [],
      errors: repaired.error === null ? [] : [repaired.error],
    };
    const response: ExecResponse = {
      schema_version: SCHEMA_VERSION,
      task: taskId,
      attempt,
      model: session.manifest.models.executor.name,
      base_url: baseUrl,
      raw: result.content,
      thinking: result.thinking,
      done_reason: result.done_reason,
      stats: result.stats,
      normalization: { ok: outcome.ok, error: outcome.error, refusal: outcome.refusal, fixes: outcome.fixes, files: outcome.files },
      ...(format === 'diff' ? {} : { edit_format: format, ...(conversion ? { conversion } : {}) }),
      context_files: shown,
      validation,
      ...(previous ? { feedback: previous.feedback } : {}),
    };
    const undeclared = undeclaredFiles(outcome.files, task.task.files);
    if (undeclared.length > 0) {
      response.undeclared_files = undeclared;
      // Only a patch that validates can be approved; for one that does not, the refusal is the news.
      if (validation.ok) record.warnings.push(`${taskId} attempt ${attempt} changes ${undeclared.join(', ')}, which the task does not declare: approving it needs \`approve-task --ack-undeclared\``);
    }
    const controls = outcome.ok ? addedLineControls(outcome.diff) : [];
    if (controls.length > 0) {
      response.control_characters = controls;
      record.warnings.push(`${taskId} attempt ${attempt}: ${describeControls(controls)}`);
    }
    const patch = outcome.ok ? run.writeText(files.patch, outcome.diff) : null;
    let interrupted: unknown = null;
    const checks = session.manifest.checks ?? [];
    if (validation.ok && checks.length > 0) {
      if (options.noChecks === true) {
        response.checks_skipped = 'no-checks';
        record.warnings.push(`${taskId} attempt ${attempt}: the run's ${checks.length} check(s) did not run (--no-checks)`);
      } else {
        try {
          response.checks = await runChecks(run, {
            repoRoot: session.repoRoot,
            checks,
            links: session.manifest.check_links ?? [],
            withPatch: validation.result_tree!,
            withoutPatch: validation.state_tree!,
            timeoutMs: (options.checkTimeout ?? DEFAULT_CHECK_TIMEOUT_S) * 1000,
            signal: env.signal,
            artifactsDir: path.posix.dirname(files.patch),
          });
        } catch (error) {
          if (!(error instanceof ChecksInterrupted)) throw error;
          // The attempt is still recorded whole, as one whose checks did not run.
          response.checks_skipped = 'interrupted';
          interrupted = error;
        }
        for (const check of response.checks ?? []) {
          if (!check.passed) record.warnings.push(`${taskId} attempt ${attempt}: check \`${check.command}\` ${checkVerdict(check)}; see ${check.log}`);
        }
      }
    }
    // The notes are prose the model wrote around its diff: a view for a person, so shown visibly.
    if (outcome.notes) run.writeText(files.notes, visibleText(outcome.notes) + '\n');
    run.writeJson(files.response, response);
    // Views are derived from the recorded JSON; failing to render one must not fail the command.
    if (patch) renderView(() => run.writeText(files.patchMarkdown, renderPatchMarkdown(taskId, outcome.diff, patch.sha256)), record.warnings);
    renderView(() => run.writeText(files.markdown, renderExecMarkdown(task.task, response, checkViews(run, response.checks ?? []))), record.warnings);

    if (interrupted !== null) throw interrupted;
    const reason = validation.ok ? null : (validation.errors[0] ?? 'no reason recorded');
    const attemptResult: RunTaskResult = { task: taskId, attempt, valid: validation.ok, reason, response, files, written: run.writtenSoFar(), warnings: record.warnings, run_dir: shownPath(env.cwd, run.dir) };
    if (!validation.ok) {
      const what = conversion?.ok === false ? `the ${format} reply cannot be turned into a patch` : 'the patch does not validate';
      throw new RecordedFailure(
        `${taskId} attempt ${attempt}: ${what}: ${reason}; recorded in ${files.response}: \`run-task --run ${runId} --task ${taskId} --feedback "..."\` sends the model this failure with its reply and your note`,
        attemptResult,
      );
    }
    return attemptResult;
  }));
}

/** Paths the patch touches that are not in the task's `files`. */
export function undeclaredFiles(files: Array<{ oldPath: string | null; newPath: string | null }>, declared: string[]): string[] {
  const touched = files.flatMap((file) => [file.oldPath, file.newPath]).filter((item): item is string => item !== null);
  return [...new Set(touched)].filter((file) => !declared.includes(file)).sort();
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

/** A patch over the pack's limits.patch_bytes is refused like one that does not validate. */
function withinPatchLimit(repaired: RepairedPatch, limit: number): RepairedPatch {
  const bytes = Buffer.byteLength(repaired.outcome.diff);
  if (!repaired.outcome.ok || bytes <= limit) return repaired;
  return { ...repaired, validation: null, error: overLimit('the patch', bytes, 'patch_bytes', limit) };
}

function cutShort(numPredict: number): RepairedPatch {
  return refusedUnread(`the reply stopped at num_predict (${numPredict} tokens) and may be incomplete: raise num_predict in the pack or split the task`);
}

/** A reply with more hunks than the pack allows is never given to the engine (verify does the same). */
function tooManyHunks(reply: string, limit: number): RepairedPatch | null {
  const hunks = countHunkHeaders(reply);
  if (hunks <= limit) return null;
  return refusedUnread(`the reply has ${hunks} hunks, over the pack's limits.reply_hunks (${limit}): split the task, or raise limits.reply_hunks in the pack's manifest.json`);
}

function refusedUnread(error: string): RepairedPatch {
  const outcome: RepairOutcome = { ok: false, diff: '', notes: '', fixes: [], files: [], expected: [], error, refusal: null };
  return { outcome, validation: null, error };
}
