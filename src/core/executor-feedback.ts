import { WorkflowError } from '../errors.js';
import { filesNeeded } from '../diff/engine.js';
import { checkPatchPath } from '../diff/paths.js';
import { pathKindAt } from '../git/tree-paths.js';
import { estimateTextTokens, type ContextOverflow } from '../model/estimate-tokens.js';
import type { ChatMessage } from '../model/types.js';
import type { Pack } from '../pack/load-pack.js';
import { renderTemplate } from '../pack/template.js';
import { DEFAULT_PACK_DIR } from '../package-info.js';
import { Allowlist, ExecResponse, type CheckRecord, type ExecFeedback } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { ALLOWLIST } from './layout.js';
import { attemptChecks, checkVerdict, outputTail } from './run-checks.js';
import { newRunAdvice } from './model-call.js';
import type { ContextFile } from './prompts.js';
import type { TaskFacts } from './run-snapshot.js';

/**
 * Attempt N >= 2 of a task: the executor is shown its previous reply and told, in the pack's words,
 * what was wrong with it (the engine's failure, the reviewer's reason, the person's note). With
 * greedy decoding and a fixed seed, that is what lets a new attempt differ from the last.
 */

export interface PreviousAttempt {
  attempt: number;
  raw: string;
  request: string;
  feedback: ExecFeedback;
}

/**
 * What attempt N tells the model about attempt N-1, or null on a first attempt and on a run whose
 * pack has no feedback wording (its later attempts are sent like its first, as before).
 */
export async function previousAttempt(
  run: Run,
  repo: { root: string; name: string },
  pack: Pack,
  task: TaskFacts,
  context: { tree: string; files: ContextFile[] },
  person: string | null,
): Promise<PreviousAttempt | null> {
  const last = task.attempts.at(-1);
  if (!last) {
    if (person !== null) {
      throw new WorkflowError(`${task.task.id} has not run yet, so --feedback has no attempt to comment on: run \`run-task --run ${run.id} --task ${task.task.id}\` first`);
    }
    return null;
  }
  if (pack.executorFeedback === null) {
    if (person !== null) {
      throw new WorkflowError(
        `run ${run.id}'s prompt pack predates feedback to the executor (its pack/manifest.json has no prompts.executor_feedback): start a new run on a pack that has it with \`init --from ${run.id} --pack ${DEFAULT_PACK_DIR}\``,
      );
    }
    return null;
  }
  const files = last.files;
  const response = run.readJson(files.response, ExecResponse);
  const rejection = last.approval?.decision === 'rejected' ? last.approval.reason : null;
  return {
    attempt: last.attempt,
    raw: response.raw,
    request: files.request,
    feedback: {
      previous_attempt: last.attempt,
      failure: await failureOf(response, repo, context),
      rejection,
      person,
      check_output: failedChecksOutput(run, attemptChecks(run, files, response).checks),
    },
  };
}

/**
 * Each failed check of the previous attempt: its command, how it ended, and the last lines of its
 * log, for the model to read. Null when every check passed or none ran.
 */
function failedChecksOutput(run: Run, checks: CheckRecord[]): string | null {
  const failed = checks.filter((check) => !check.passed);
  if (failed.length === 0) return null;
  return failed
    .map((check) => {
      let log = '';
      try {
        log = run.readBytes(check.log).toString('utf8');
      } catch {
        log = '(its output is no longer in the run)';
      }
      const tail = outputTail(log, FEEDBACK_LINES).slice(-FEEDBACK_CHARS);
      return `$ ${check.command}\n(${checkVerdict(check)})\n${tail}`;
    })
    .join('\n\n');
}
/** Enough of a compiler's or test runner's last words to name the failure, small beside the context. */
const FEEDBACK_LINES = 40;
const FEEDBACK_CHARS = 4000;

/**
 * The previous attempt's failure as the model may see it. The engine's words can quote the file a
 * hunk was placed against; when that file exists but is not in the executor's context, only its
 * name is sent, never its lines.
 */
async function failureOf(response: ExecResponse, repo: { root: string; name: string }, context: { tree: string; files: ContextFile[] }): Promise<ExecFeedback['failure']> {
  const { normalization, validation } = response;
  if (normalization.ok && validation.ok) return null;
  const errors = normalization.ok ? validation.errors : [normalization.error ?? 'the reply holds no diff that can be used'];
  const refusal = normalization.ok ? null : normalization.refusal;
  const shown = new Map(context.files.map((file) => [file.path, file.content]));
  // Only the engine's placement (a refusal about a file) and git's apply (state_tree set) read files.
  let about = refusal ? (refusal.file === null ? [] : [refusal.file]) : validation.state_tree === null ? [] : validation.files;
  // A refusal names the new path of a renamed file, while its lines come from the old one: when it
  // is about a file not shown, every file the reply reads from the base counts.
  if (refusal?.file && !shown.has(refusal.file)) {
    about = [...about, ...filesNeeded(response.raw, { repoName: repo.name }).filter((file) => checkPatchPath(file) === null)];
  }
  const hidden: string[] = [];
  for (const file of [...new Set(about)].sort()) {
    if (!shown.has(file) && (await existsAt(repo.root, context.tree, file))) hidden.push(file);
  }
  if (hidden.length > 0) return { errors: [], expected_line: null, excerpt: null, hidden_files: hidden };
  const content = refusal?.file ? shown.get(refusal.file) : undefined;
  return {
    errors,
    expected_line: refusal?.expected ?? null,
    excerpt: content !== undefined && refusal?.closest ? excerptAround(refusal.file!, content, refusal.closest.line) : null,
    hidden_files: [],
  };
}

async function existsAt(repoRoot: string, tree: string, file: string): Promise<boolean> {
  try {
    return (await pathKindAt(repoRoot, tree, file)) !== null;
  } catch {
    // A path git cannot even look up is treated as hidden: nothing about it is quoted.
    return true;
  }
}

/** Lines around `line` (1-based), as the file is now: three either side, numbered. */
const AROUND = 3;
function excerptAround(file: string, content: string, line: number): NonNullable<NonNullable<ExecFeedback['failure']>['excerpt']> | null {
  const lines = content.replace(/\n$/, '').split('\n');
  if (content === '' || line < 1) return null;
  const first = Math.max(1, line - AROUND);
  const last = Math.min(lines.length, line + AROUND);
  if (first > last) return null;
  const text = lines.slice(first - 1, last).map((item, i) => `${first + i}\t${item}`).join('\n');
  return { file, first_line: first, last_line: last, text };
}

/** The two messages that follow the task on attempt N: the previous reply, then what was wrong with it. */
export function feedbackMessages(pack: Pack, taskId: string, previous: PreviousAttempt): ChatMessage[] {
  const { feedback } = previous;
  const failure = feedback.failure;
  const excerpt = failure?.excerpt ?? null;
  const text = renderTemplate(pack.executorFeedback!, {
    task: taskId,
    failure: failure?.errors.join('\n') ?? '',
    expected_line: failure?.expected_line ?? '',
    excerpt_file: excerpt?.file ?? '',
    excerpt_lines: excerpt ? `${excerpt.first_line}-${excerpt.last_line}` : '',
    file_excerpt: excerpt?.text ?? '',
    hidden_files: failure?.hidden_files.join(', ') ?? '',
    rejection: feedback.rejection ?? '',
    feedback: feedback.person ?? '',
    check_output: feedback.check_output ?? '',
  });
  return [
    { role: 'assistant', content: previous.raw },
    { role: 'user', content: text },
  ];
}

/** run-task's refusal when attempt N would send attempt N-1's request again, byte for byte. */
export function sameRequestRefusal(run: Run, taskId: string, attempt: number, previousRequest: string, packHasFeedback: boolean): WorkflowError {
  const cmd = `run-task --run ${run.id} --task ${taskId}`;
  const options = packHasFeedback
    ? `say what to do differently with \`${cmd} --feedback "..."\``
    : `start a new run whose pack sends feedback with \`init --from ${run.id} --pack ${DEFAULT_PACK_DIR}\``;
  return new WorkflowError(
    `${taskId} attempt ${attempt} would send exactly the request of attempt ${attempt - 1} (${previousRequest}), so the model would answer the same: ${options}, show it a file with \`add-context --run ${run.id} --file PATH\`, or send it anyway with \`${cmd} --same\``,
  );
}

/** What to do about an executor prompt over num_ctx: the largest context files, and how to drop one. */
export function executorOverflowAdvice(run: Run, context: ContextFile[], overflow: ContextOverflow): string {
  const sized = context.map((file) => ({ path: file.path, tokens: estimateTextTokens(file.content) })).sort((a, b) => b.tokens - a.tokens || (a.path < b.path ? -1 : 1));
  if (sized.length === 0) return newRunAdvice(run.id, overflow, 'no context file to remove: shorten the task');
  const largest = sized.slice(0, 3).map((file) => `${file.path} (about ${file.tokens} tokens)`).join(', ');
  // Only allowlisted files can be taken out; files of approved patches are part of the state.
  const allowlisted = new Set(run.readJson(ALLOWLIST, Allowlist).files.map((entry) => entry.path));
  const removable = sized.find((file) => allowlisted.has(file.path));
  const remove = removable ? `remove one with \`remove-context --run ${run.id} --file ${removable.path}\`` : 'shorten the task';
  return `the largest context files are ${largest}: ${newRunAdvice(run.id, overflow, remove)}`;
}
