import { readPersonFile } from '../files/person-files.js';
import { OrchestratorError, WorkflowError } from '../errors.js';
import { canonicalJson } from '../model/canonical-json.js';
import { validatePlan } from '../schema/plan.js';
import { overLimit, packLimits, PlanResponse, SCHEMA_VERSION } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { decider } from './identity.js';
import { planFiles } from './layout.js';
import { planFileWarnings } from './plan-file-warnings.js';
import { parsePlanReply } from './plan-reply.js';
import { revisableRevision, writePlanRevision, type PlanResult } from './plan.js';
import { baseFiles } from './repo-files.js';
import { loadRunPack } from './run-pack.js';
import { loadSnapshot, type RevisionFacts } from './run-snapshot.js';
import { audited, openSession } from './session.js';
import { shownRunPath } from './shown-path.js';
import type { WorkflowEnv } from './workflow-env.js';

/** Where a plan that did not validate is kept, numbered: edit-plan's record of what was typed. */
export const EDITS_DIR = 'plan/edits';

export interface PlanDraft {
  /** The revision the draft is, so a revision recorded meanwhile is not overwritten unseen. */
  revision: number;
  text: string;
}

/**
 * What a person starts from: the latest revision as pretty-printed JSON; when its reply did not
 * validate, the reply's JSON if it had any (fixing it is often quicker), else the reply as it was.
 * The gate is revise-plan's, asked before anyone types anything. Only reads the run.
 */
export async function planDraft(env: WorkflowEnv, runId: string): Promise<PlanDraft> {
  const session = await openSession(env, runId);
  const latest = revisableRevision(loadSnapshot(session.run), runId);
  return { revision: latest.revision, text: draftText(session.run, latest) };
}

function draftText(run: Run, latest: RevisionFacts): string {
  if (latest.plan) return `${JSON.stringify(latest.plan, null, 2)}\n`;
  // Read again from the reply, not from the record, so the keys stay in the order the model wrote.
  const raw = run.readJson(planFiles(latest.revision).response, PlanResponse).raw;
  const parsed = parsePlanReply(raw);
  return parsed.error === null ? `${JSON.stringify(parsed.value, null, 2)}\n` : raw;
}

export type PlanEdit =
  /** `--file`: read here, relative to the working directory. */
  | { file: string; by?: string }
  /** From the editor the CLI opened on planDraft's text. */
  | { text: string; draftOf: number; by?: string };

/** The edited text did not validate; it is kept in the run, at `kept`. */
export class PlanEditError extends OrchestratorError {
  constructor(
    message: string,
    readonly kept: string,
  ) {
    super(message);
  }
}

/**
 * A plan revision written by a person: no model is called. It is validated as a planner's reply
 * is, recorded with who wrote it, and has to be approved like any other revision.
 */
export async function editPlan(env: WorkflowEnv, runId: string, edit: PlanEdit): Promise<PlanResult> {
  const session = await openSession(env, runId);
  const { run } = session;
  const file = 'file' in edit ? edit.file : undefined;
  return audited(run, env, 'edit-plan', { run: runId, file, by: edit.by }, async (record) => {
    // A person's plan is bounded as a planner's reply is.
    const { reply_bytes } = packLimits(loadRunPack(run).manifest);
    const text = 'file' in edit ? readPlanFile(env, edit.file, reply_bytes) : edit.text;
    const snapshot = loadSnapshot(run);
    const latest = revisableRevision(snapshot, runId);
    const shownKept = (rel: string): string => shownRunPath(env.cwd, run.dir, rel);
    if ('draftOf' in edit && latest.revision !== edit.draftOf) {
      const rel = keepText(run, text);
      throw new PlanEditError(
        `plan revision ${latest.revision} was recorded while you edited revision ${edit.draftOf}: nothing recorded, your text is kept in ${shownKept(rel)}; compare it with \`show --run ${runId}\`, then \`edit-plan --run ${runId} --file ${shownKept(rel)}\``,
        rel,
      );
    }
    const bytes = Buffer.byteLength(text);
    if (bytes > reply_bytes) throw new OrchestratorError(overLimit('the plan', bytes, 'reply_bytes', reply_bytes));

    const parsed = parseJson(text);
    const validation = parsed.ok ? validatePlan(parsed.value) : { ok: false as const, plan: null, errors: [`not JSON: ${parsed.error}`] };
    if (!validation.ok) {
      const rel = keepText(run, text);
      const first = `${validation.errors[0]}${validation.errors.length > 1 ? ` (and ${validation.errors.length - 1} more)` : ''}`;
      const fix = file === undefined ? shownKept(rel) : file;
      throw new PlanEditError(
        `the plan ${file === undefined ? 'you wrote' : `in ${file}`} is not valid: ${first}; nothing recorded, the text is kept in ${shownKept(rel)}: fix it and run \`edit-plan --run ${runId} --file ${fix}\``,
        rel,
      );
    }
    const plan = validation.plan;
    if (latest.plan && canonicalJson(plan) === canonicalJson(latest.plan)) {
      throw new WorkflowError(`the plan is the same as revision ${latest.revision}: nothing recorded; change it, or decide on revision ${latest.revision} with \`approve-plan --run ${runId}\``);
    }

    const revision = snapshot.revisions.length + 1;
    const fileWarnings = planFileWarnings(plan, await baseFiles(session));
    const response: PlanResponse = {
      schema_version: SCHEMA_VERSION,
      revision,
      model: '',
      raw: text,
      thinking: '',
      done_reason: null,
      stats: { prompt_tokens: null, completion_tokens: null, total_duration_ns: null },
      fixes: [],
      parsed: parsed.ok ? parsed.value : null,
      parse_error: null,
      validation: { ok: true, errors: [] },
      file_warnings: fileWarnings,
      author: { kind: 'person', by: await decider(session.repoRoot, edit.by), via: file === undefined ? 'editor' : 'file' },
    };
    run.writeJson(planFiles(revision).response, response);
    return writePlanRevision(run, revision, plan, fileWarnings, record, env.cwd);
  });
}

function readPlanFile(env: WorkflowEnv, file: string, limit: number): string {
  const read = readPersonFile(env.cwd, file, limit);
  if (read.ok) return read.bytes.toString('utf8');
  // Sized before reading: a path like /dev/zero or a huge log is never read whole.
  if (read.problem === 'too-large') throw new OrchestratorError(overLimit(`plan file ${file}`, read.size, 'reply_bytes', limit));
  throw new OrchestratorError(`cannot read plan file ${file}: check the path, or run \`edit-plan\` without --file to open an editor`);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  // Some editors on some systems save a byte-order mark; it is no part of the JSON.
  const body = text.replace(/^\uFEFF/, '');
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    return { ok: false, error: body.trim() === '' ? 'the text is empty' : (error as Error).message };
  }
}

/** The text as it was typed, in the next free plan/edits/edit-NNN.json (recorded by the failed command's audit line). */
function keepText(run: Run, text: string): string {
  for (let n = 1; ; n++) {
    const rel = `${EDITS_DIR}/edit-${String(n).padStart(3, '0')}.json`;
    if (!run.exists(rel)) {
      run.writeText(rel, text);
      return rel;
    }
  }
}
