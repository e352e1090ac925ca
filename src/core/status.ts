import { ExecResponse, type EditFormat } from '../schema/run-files.js';
import type { Run } from '../store/run-store.js';
import { attemptChecks, checkVerdict } from './check-records.js';
import { liveLockHolder } from '../store/run-lock.js';
import { applicationState, taskApplications, type ApplicationState } from './applications.js';
import { approvedAttempts, loadSnapshot, type RunSnapshot } from './run-snapshot.js';
import { audited, openSession, type RunSession } from './session.js';
import { hiddenTaskFiles } from './context-paths.js';
import { warnedTask } from './plan-file-warnings.js';
import { shownPath } from './shown-path.js';
import { deriveStatus, type RunStatus, type TaskStatus } from './state.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface StatusReport extends Omit<RunStatus, 'tasks'> {
  /**
   * Each task's status, whether its approved patch is applied now, and how, as audit.log records it
   * (apply-task, undo-task): committed, in the working tree, undone, or null when never applied.
   */
  tasks: Array<TaskStatus & { applied: boolean; application: ApplicationState }>;
  /** Another command at work on the run right now (its lock is held by a live process), else null. */
  busy: { command: string; pid: number; since: string } | null;
  /** The current plan revision's file warnings, as recorded with it (no git is asked). */
  plan_warnings: string[];
  /**
   * Those of plan_warnings whose task has no approved patch yet: the question a warning asks (a
   * new file, or a mistake?) is answered once a person approves a patch for its task.
   */
  open_plan_warnings: string[];
  /** Each latest attempt awaiting review, with how its checks went; empty for a run without checks. */
  checks: Array<{ task: string; attempt: number; passed: number; failed: Array<{ command: string; verdict: string }>; skipped: 'no-checks' | 'interrupted' | null }>;
  /** The run's folder as the person opens it from the current folder (shown-path.ts). */
  run_dir: string;
  /** The format the executor is asked to reply in (the pack's generation.edit_format); run-task --edit-format may change it for one attempt. */
  edit_format: EditFormat;
}

/** The run's state and, whatever the state, the command to run next. */
export async function runStatus(env: WorkflowEnv, runId: string): Promise<StatusReport> {
  const session = await openSession(env, runId);
  const holder = liveLockHolder(session.run.dir);
  if (holder) {
    // The run's files and audit log are the other command's to write now: read, do not record.
    const snapshot = loadSnapshot(session.run);
    const status = deriveStatus(snapshot);
    const again = `llm-orchestrator status --run ${runId}`;
    return {
      ...status,
      tasks: withApplied(session.run, status),
      busy: { command: holder.command, pid: holder.pid, since: holder.since },
      ...planWarnings(snapshot, status),
      checks: [],
      run_dir: shownPath(env.cwd, session.run.dir),
      edit_format: session.manifest.generation.edit_format ?? 'diff',
      next: [`wait for ${holder.command} (pid ${holder.pid}) to finish, then: ${again}`],
    };
  }
  return audited(session.run, env, 'status', { run: runId }, async () => {
    const snapshot = loadSnapshot(session.run);
    const status = deriveStatus(snapshot);
    const next = status.state === 'completed' ? afterCompletion(session.run, snapshot) : await withContextFirst(session, snapshot, status);
    return { ...status, tasks: withApplied(session.run, status), busy: null, ...planWarnings(snapshot, status), checks: checksAwaitingReview(session.run, snapshot), run_dir: shownPath(env.cwd, session.run.dir), edit_format: session.manifest.generation.edit_format ?? 'diff', next };
  });
}

function planWarnings(snapshot: RunSnapshot, status: RunStatus): Pick<StatusReport, 'plan_warnings' | 'open_plan_warnings'> {
  const recorded = snapshot.current?.fileWarnings ?? [];
  const approved = new Set(status.tasks.filter((task) => task.state === 'approved').map((task) => task.id));
  return { plan_warnings: recorded, open_plan_warnings: recorded.filter((warning) => !approved.has(warnedTask(warning) ?? '')) };
}

function withApplied(run: Run, status: RunStatus): StatusReport['tasks'] {
  const applications = taskApplications(run);
  return status.tasks.map((task) => {
    const application = applicationState(applications, task.id);
    return { ...task, applied: application === 'applied-committed' || application === 'applied-working-tree', application };
  });
}

/** What the checks said about each patch a person still has to decide: read from its exec.response.json. */
function checksAwaitingReview(run: Run, snapshot: RunSnapshot): StatusReport['checks'] {
  const found: StatusReport['checks'] = [];
  for (const task of snapshot.tasks) {
    const latest = task.attempts.at(-1);
    // A decided attempt first: `valid` parses the attempt's whole response record.
    if (!latest || latest.approval || !latest.valid) continue;
    const response = run.readJson(latest.files.response, ExecResponse);
    const { checks, skipped } = attemptChecks(run, latest.files, response);
    if (checks.length === 0 && !skipped) continue;
    found.push({
      task: task.task.id,
      attempt: latest.attempt,
      passed: checks.filter((check) => check.passed).length,
      failed: checks.filter((check) => !check.passed).map((check) => ({ command: check.command, verdict: checkVerdict(check) })),
      skipped,
    });
  }
  return found;
}

/**
 * A ready task whose existing declared files the executor cannot see would be answered as if
 * they were new files: the context comes first.
 */
async function withContextFirst(session: RunSession, snapshot: RunSnapshot, status: RunStatus): Promise<string[]> {
  const ready = status.tasks.find((task) => task.state === 'ready' && status.next[0]?.startsWith(`llm-orchestrator run-task --run ${snapshot.runId} --task ${task.id}`));
  const facts = ready && snapshot.tasks.find((task) => task.task.id === ready.id);
  if (!facts || (await hiddenTaskFiles(session, snapshot, facts)).length === 0) return status.next;
  return [`llm-orchestrator add-context --run ${snapshot.runId} --task ${facts.task.id}`, ...status.next];
}

/**
 * Approving never touches the working tree: a completed run's next step is applying its patches,
 * in approval order; once all are applied, what is left is keeping a record of the run. A task a
 * person undid is not proposed again: undoing it was a decision too (apply-task still takes it).
 */
function afterCompletion(run: Run, snapshot: RunSnapshot): string[] {
  const applications = taskApplications(run);
  const pending = approvedAttempts(snapshot).find((item) => !applications.has(item.taskId));
  if (pending) return [`llm-orchestrator apply-task --run ${run.id} --task ${pending.taskId}`];
  return [`llm-orchestrator report --run ${run.id} --out ${run.id}.html`, `llm-orchestrator export --run ${run.id} --out ${run.id}.tar.gz`];
}
