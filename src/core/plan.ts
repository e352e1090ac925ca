import { RecordedFailure, UsageError, WorkflowError } from '../errors.js';
import type { ChatMessage } from '../model/types.js';
import { planJsonSchema, planTasks, validatePlan, type Plan } from '../schema/plan.js';
import { PlanResponse, SCHEMA_VERSION } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { sha256 } from '../store/run-store.js';
import { planFiles, SPEC, taskFile } from './layout.js';
import { callModel, startModelCall, type EarlyModelCall } from './model-call.js';
import { parsePlanReply } from './plan-reply.js';
import { planFileWarnings } from './plan-file-warnings.js';
import { readPersonFeedback } from './person-feedback.js';
import { plannerMessages, revisionMessages, type PreviousRevision } from './prompts.js';
import { renderPlanMarkdown } from './render.js';
import { baseFiles, repositoryFilesText } from './repo-files.js';
import { loadRunPack } from './run-pack.js';
import { loadSnapshot, type RevisionFacts, type RunSnapshot } from './run-snapshot.js';
import { audited, openSession, type CommandRecord, type RunSession } from './session.js';
import { shownPath } from './shown-path.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface PlanResult {
  revision: number;
  plan: Plan;
  planSha256: string;
  files: ReturnType<typeof planFiles>;
  /** Files the plan names that are not in the repository (plan-file-warnings.ts), worded for a person. */
  fileWarnings: string[];
  /** The run's folder as the person opens it from the current folder (shown-path.ts). */
  run_dir: string;
  /** The run's files this command wrote (of `files`, only these exist). */
  written: string[];
}

/**
 * What a planner call whose reply is not a valid plan recorded, carried by the RecordedFailure it
 * throws, so --json returns the revision, why it is not valid and the files written (the raw reply
 * and the response record) as run-task does for an attempt that does not validate.
 */
export interface PlanFailure {
  revision: number;
  /** The validation errors, the first as the error line says it. */
  errors: string[];
  files: ReturnType<typeof planFiles>;
  run_dir: string;
  written: string[];
}

export async function planRun(env: WorkflowEnv, runId: string): Promise<PlanResult> {
  const session = await openSession(env, runId);
  const listing = listBaseFiles(session);
  return audited(session.run, env, 'plan', { run: runId }, async (record) => {
    const snapshot = loadSnapshot(session.run);
    if (snapshot.current) {
      throw new WorkflowError(
        `run ${runId} already has a plan (revision ${snapshot.current.revision}): review it with \`status\`, change it with \`revise-plan\``,
      );
    }
    const pack = loadRunPack(session.run);
    const spec = session.run.readText(SPEC);
    // Every file of the run this call reads has been read: the listing may go (startModelCall).
    const early = startModelCall(session, 'planner');
    try {
      const paths = await listing;
      const messages = plannerMessages(pack.plannerSystem, spec, repositoryFilesText(session, paths), planJsonSchema());
      return await requestPlan(session, snapshot.revisions.length + 1, messages, record, paths, early);
    } finally {
      early.close();
    }
  });
}

/**
 * The base commit's paths, asked of git as soon as the manifest names the commit (git works while
 * the run is locked and its records are read and checked), awaited where they are needed. A
 * command that stops before then leaves the promise unawaited: its failure is then nobody's news.
 */
function listBaseFiles(session: RunSession): Promise<string[]> {
  const listing = baseFiles(session);
  listing.catch(() => {});
  return listing;
}

export interface ReviseOptions {
  feedback?: string;
  feedbackFile?: string;
}

export async function revisePlan(env: WorkflowEnv, runId: string, options: ReviseOptions): Promise<PlanResult> {
  const feedback = readFeedback(env, options);
  const session = await openSession(env, runId);
  const listing = listBaseFiles(session);
  const args = { run: runId, feedback: options.feedback, feedback_file: options.feedbackFile };
  return audited(session.run, env, 'revise-plan', args, async (record) => {
    const snapshot = loadSnapshot(session.run);
    const latest = revisableRevision(snapshot, runId);
    const pack = loadRunPack(session.run);
    const previous = previousRevision(session.run, latest);
    const spec = session.run.readText(SPEC);
    const early = startModelCall(session, 'planner');
    try {
      const paths = await listing;
      const messages = revisionMessages(pack.plannerSystem, spec, repositoryFilesText(session, paths), planJsonSchema(), previous, feedback);
      return await requestPlan(session, snapshot.revisions.length + 1, messages, record, paths, early);
    } finally {
      early.close();
    }
  });
}

/**
 * The gate for a new plan revision, whoever writes it (revise-plan: the planner; edit-plan: a
 * person): the revision it starts from, the latest, whether or not its reply validated.
 */
export function revisableRevision(snapshot: RunSnapshot, runId: string): RevisionFacts {
  const latest = snapshot.revisions.at(-1);
  if (!latest) throw new WorkflowError(`run ${runId} has no plan to revise: run \`plan\` first`);
  // Tasks may have run: the new revision is approved as usual, and approving it carries over the
  // approvals whose task is unchanged (carry-over.ts); earlier attempts stay where they are.
  return latest;
}

/** A revision that did not validate is shown to the model as it wrote it, with what was wrong. */
function previousRevision(run: Run, latest: RevisionFacts): PreviousRevision {
  if (latest.plan) return { plan: latest.plan };
  return { raw: run.readJson(planFiles(latest.revision).response, PlanResponse).raw, errors: latest.errors };
}

function readFeedback(env: WorkflowEnv, options: ReviseOptions): string {
  const feedback = readPersonFeedback(env.cwd, options);
  if (feedback === null) throw new UsageError('revise-plan needs --feedback TEXT or --feedback-file FILE saying what to change');
  return feedback;
}

/**
 * The planner call and everything recorded from it. The reply is written before it is parsed;
 * task files are written only for a plan that validated.
 */
async function requestPlan(session: RunSession, revision: number, messages: ChatMessage[], record: CommandRecord, paths: readonly string[], early: EarlyModelCall): Promise<PlanResult> {
  const { run, manifest } = session;
  const files = planFiles(revision);
  const { body, result, baseUrl } = await callModel(session, 'planner', messages, planJsonSchema(), { early });
  run.writeText(files.request, body);
  run.writeText(files.raw, result.content);
  if (result.thinking) run.writeText(files.thinking, result.thinking);

  const parsed = parsePlanReply(result.content);
  let validation = parsed.error ? { ok: false as const, plan: null, errors: [parsed.error] } : validatePlan(parsed.value);
  if (!validation.ok && result.done_reason === 'length') {
    const cut = `the reply stopped at num_predict (${manifest.generation.num_predict} tokens): raise num_predict in the pack`;
    validation = { ...validation, errors: [cut, ...validation.errors] };
  }
  const response: PlanResponse = {
    schema_version: SCHEMA_VERSION,
    revision,
    model: manifest.models.planner.name,
    base_url: baseUrl,
    raw: result.content,
    thinking: result.thinking,
    done_reason: result.done_reason,
    stats: result.stats,
    fixes: parsed.fixes,
    parsed: parsed.error ? null : parsed.value,
    parse_error: parsed.error,
    validation: { ok: validation.ok, errors: validation.errors },
    ...(validation.ok ? { file_warnings: planFileWarnings(validation.plan, paths) } : {}),
  };
  run.writeJson(files.response, response);
  if (!validation.ok) {
    const more = validation.errors.length > 1 ? ` (and ${validation.errors.length - 1} more)` : '';
    // Asking again would send the same request and get the same reply: say what changes it.
    const failure: PlanFailure = { revision, errors: validation.errors, files, run_dir: shownPath(session.env.cwd, run.dir), written: run.writtenSoFar() };
    throw new RecordedFailure(
      `the planner's reply is not a valid plan: ${validation.errors[0]}${more}; recorded in ${files.response}: the same request would get the same reply, so tell the planner what is wrong with \`revise-plan --run ${run.id} --feedback "..."\`, write the plan yourself with \`edit-plan --run ${run.id}\`, or try another model with \`init --from ${run.id} --planner-model MODEL\``,
      failure,
    );
  }
  return writePlanRevision(run, revision, validation.plan, response.file_warnings ?? [], record, session.env.cwd);
}

/** A plan that validated, with its task files and Markdown view, as revision `revision`. */
export function writePlanRevision(run: Run, revision: number, plan: Plan, fileWarnings: string[], record: CommandRecord, cwd: string): PlanResult {
  const files = planFiles(revision);
  const planArtifact = run.writeJson(files.plan, plan);
  for (const task of planTasks(plan)) {
    const { milestone, ...fields } = task;
    run.writeJson(taskFile(revision, task.id), { schema_version: SCHEMA_VERSION, plan_revision: revision, plan_sha256: planArtifact.sha256, milestone, task: fields });
  }
  try {
    run.writeText(files.markdown, renderPlanMarkdown(plan, revision, planArtifact.sha256, fileWarnings));
  } catch (error) {
    record.warnings.push(`could not render ${files.markdown}: ${(error as Error).message}`);
  }
  return { revision, plan, planSha256: sha256(run.readBytes(files.plan)), files, fileWarnings, run_dir: shownPath(cwd, run.dir), written: run.writtenSoFar() };
}
