import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OrchestratorError, UsageError, WorkflowError } from '../errors.js';
import type { ChatMessage } from '../model/types.js';
import { planJsonSchema, planTasks, validatePlan, type Plan } from '../schema/plan.js';
import { SCHEMA_VERSION, type PlanResponse } from '../schema/run-files.js';
import { sha256 } from '../store/run-store.js';
import { planFiles, SPEC, taskFile } from './layout.js';
import { callModel } from './model-call.js';
import { parsePlanReply } from './plan-reply.js';
import { plannerMessages, revisionMessages } from './prompts.js';
import { renderPlanMarkdown } from './render.js';
import { loadRunPack } from './run-pack.js';
import { loadSnapshot } from './run-snapshot.js';
import { audited, openSession, type CommandRecord, type RunSession } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface PlanResult {
  revision: number;
  plan: Plan;
  planSha256: string;
  files: ReturnType<typeof planFiles>;
}

export async function planRun(env: WorkflowEnv, runId: string): Promise<PlanResult> {
  const session = await openSession(env, runId);
  return audited(session.run, env, 'plan', { run: runId }, async (record) => {
    const snapshot = loadSnapshot(session.run);
    if (snapshot.current) {
      throw new WorkflowError(
        `run ${runId} already has a plan (revision ${snapshot.current.revision}): review it with \`status\`, change it with \`revise-plan\``,
      );
    }
    const pack = loadRunPack(session.run);
    const messages = plannerMessages(pack.plannerSystem, session.run.readText(SPEC), planJsonSchema());
    return requestPlan(session, snapshot.revisions.length + 1, messages, record);
  });
}

export interface ReviseOptions {
  feedback?: string;
  feedbackFile?: string;
}

export async function revisePlan(env: WorkflowEnv, runId: string, options: ReviseOptions): Promise<PlanResult> {
  const feedback = readFeedback(env, options);
  const session = await openSession(env, runId);
  const args = { run: runId, feedback: options.feedback, feedback_file: options.feedbackFile };
  return audited(session.run, env, 'revise-plan', args, async (record) => {
    const snapshot = loadSnapshot(session.run);
    const current = snapshot.current;
    if (!current?.plan) throw new WorkflowError(`run ${runId} has no plan to revise: run \`plan\` first`);
    if (snapshot.tasks.some((task) => task.attempts.length > 0)) {
      throw new WorkflowError(`run ${runId} has already run tasks of plan revision ${current.revision}; start a new run to change the plan`);
    }
    const pack = loadRunPack(session.run);
    const messages = revisionMessages(pack.plannerSystem, session.run.readText(SPEC), planJsonSchema(), current.plan, feedback);
    return requestPlan(session, snapshot.revisions.length + 1, messages, record);
  });
}

function readFeedback(env: WorkflowEnv, options: ReviseOptions): string {
  if (options.feedback !== undefined && options.feedbackFile !== undefined) {
    throw new UsageError('give either --feedback or --feedback-file, not both');
  }
  let feedback = options.feedback;
  if (options.feedbackFile !== undefined) {
    try {
      feedback = readFileSync(path.resolve(env.cwd, options.feedbackFile), 'utf8');
    } catch {
      throw new OrchestratorError(`cannot read feedback file ${options.feedbackFile}: check the path`);
    }
  }
  if (feedback === undefined || feedback.trim() === '') throw new UsageError('revise-plan needs --feedback TEXT or --feedback-file FILE saying what to change');
  return feedback;
}

/**
 * The planner call and everything recorded from it. The reply is written before it is parsed;
 * task files are written only for a plan that validated.
 */
async function requestPlan(session: RunSession, revision: number, messages: ChatMessage[], record: CommandRecord): Promise<PlanResult> {
  const { run, manifest } = session;
  const files = planFiles(revision);
  const { body, result, baseUrl } = await callModel(session, 'planner', messages, planJsonSchema());
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
  };
  run.writeJson(files.response, response);
  if (!validation.ok) {
    const more = validation.errors.length > 1 ? ` (and ${validation.errors.length - 1} more)` : '';
    throw new OrchestratorError(
      `the planner's reply is not a valid plan: ${validation.errors[0]}${more}; recorded in ${files.response}: run the command again or try another model`,
    );
  }

  const plan = validation.plan;
  const planArtifact = run.writeJson(files.plan, plan);
  for (const task of planTasks(plan)) {
    const { milestone, ...fields } = task;
    run.writeJson(taskFile(revision, task.id), { schema_version: SCHEMA_VERSION, plan_revision: revision, plan_sha256: planArtifact.sha256, milestone, task: fields });
  }
  try {
    run.writeText(files.markdown, renderPlanMarkdown(plan, revision, planArtifact.sha256));
  } catch (error) {
    record.warnings.push(`could not render ${files.markdown}: ${(error as Error).message}`);
  }
  return { revision, plan, planSha256: sha256(run.readBytes(files.plan)), files };
}
