import { isTaskApproved, latestAttempt, type RunSnapshot, type TaskFacts } from './run-snapshot.js';

export type RunState = 'needs-plan' | 'plan-invalid' | 'plan-pending-approval' | 'plan-rejected' | 'executing' | 'completed';
export type TaskState = 'blocked' | 'ready' | 'awaiting-review' | 'invalid' | 'rejected' | 'approved';

export interface TaskStatus {
  id: string;
  title: string;
  milestone: string;
  state: TaskState;
  attempts: number;
  /** The patch.diff of the latest attempt (or the carried-over one), relative to the run's folder; null when there is none. */
  patch: string | null;
  depends_on: string[];
  /** Present when the approval was carried over from an earlier plan revision or another run. */
  carried_over?: { sha256: string; run_id: string | null; plan_revision: number };
}

export interface RunStatus {
  run_id: string;
  state: RunState;
  plan_revision: number | null;
  tasks: TaskStatus[];
  /** Commands the user can run next, most useful first. */
  next: string[];
}

/** The state machine: a pure function of what the run has recorded. */
export function deriveStatus(snapshot: RunSnapshot): RunStatus {
  const cmd = (name: string, rest = ''): string => `llm-orchestrator ${name} --run ${snapshot.runId}${rest}`;
  const base = { run_id: snapshot.runId, plan_revision: snapshot.current?.revision ?? null };
  const current = snapshot.current;
  const latest = snapshot.revisions.at(-1);

  // A reply that did not validate comes back the same if asked the same: the next request must
  // carry what was wrong (revise-plan), or a person writes the plan (edit-plan).
  const fixInvalid = [cmd('revise-plan', ' --feedback "..."'), cmd('edit-plan')];
  if (!current) {
    return latest ? { ...base, state: 'plan-invalid', tasks: [], next: fixInvalid } : { ...base, state: 'needs-plan', tasks: [], next: [cmd('plan')] };
  }
  if (latest && !latest.valid && latest.revision > current.revision) {
    return { ...base, state: 'plan-invalid', tasks: [], next: fixInvalid };
  }
  if (!current.approval) {
    return {
      ...base,
      state: 'plan-pending-approval',
      tasks: [],
      next: [cmd('approve-plan'), cmd('revise-plan', ' --feedback "..."'), cmd('reject-plan', ' --reason "..."')],
    };
  }
  if (current.approval.decision === 'rejected') {
    return { ...base, state: 'plan-rejected', tasks: [], next: [cmd('revise-plan', ' --feedback "..."')] };
  }

  const approved = new Set(snapshot.tasks.filter(isTaskApproved).map((task) => task.task.id));
  const tasks = snapshot.tasks.map((task) => taskStatus(task, approved));
  const next: string[] = [];
  for (const task of tasks) {
    const flag = ` --task ${task.id}`;
    if (task.state === 'awaiting-review') next.push(cmd('approve-task', flag), cmd('reject-task', `${flag} --reason "..."`));
    // A second failure in a row may well be the same reply to the same request (greedy decoding):
    // the retry that changes something is one with the person's words in it.
    else if (task.state === 'invalid' && task.attempts >= 2) next.push(cmd('run-task', `${flag} --feedback "..."`), cmd('add-context', ' --file PATH'));
    else if (task.state === 'ready' || task.state === 'invalid' || task.state === 'rejected') next.push(cmd('run-task', flag));
    if (next.length > 0) break;
  }
  const state: RunState = tasks.every((task) => task.state === 'approved') ? 'completed' : 'executing';
  return { ...base, state, tasks, next: state === 'completed' ? [] : next };
}

function taskStatus(facts: TaskFacts, approved: Set<string>): TaskStatus {
  const attempt = latestAttempt(facts);
  let state: TaskState;
  if (approved.has(facts.task.id)) state = 'approved';
  else if (attempt?.approval?.decision === 'rejected') state = 'rejected';
  else if (attempt && !attempt.valid) state = 'invalid';
  else if (attempt) state = 'awaiting-review';
  else state = facts.task.depends_on.every((dep) => approved.has(dep)) ? 'ready' : 'blocked';
  return {
    id: facts.task.id,
    title: facts.task.title,
    milestone: facts.task.milestone,
    state,
    attempts: facts.attempts.length,
    patch: facts.carried && (!attempt || attempt.patchSha256 === null) ? facts.carried.path : attempt?.patchSha256 != null ? attempt.files.patch : null,
    depends_on: facts.task.depends_on,
    ...(facts.carried ? { carried_over: { sha256: facts.carried.sha256, run_id: facts.carried.source.run_id, plan_revision: facts.carried.source.plan_revision } } : {}),
  };
}
