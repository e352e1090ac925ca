import type { Run, RunStore } from '../store/run-store.js';
import { appliedTasks } from './applied-tasks.js';
import { readRecordedManifest } from './recorded-files.js';
import { approvedAttempts, loadSnapshot } from './run-snapshot.js';
import { openStoreAnywhere } from './session.js';
import { deriveStatus, type RunState } from './state.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface RunSummary {
  run_id: string;
  /** `broken`: the run's files cannot be read as a run (see reason). */
  state: RunState | 'broken';
  plan_revision: number | null;
  tasks_total: number;
  tasks_approved: number;
  /** The command to run next; null when there is nothing left to do (or the run is broken). */
  next: string | null;
  /** Why the run is broken; null otherwise. */
  reason: string | null;
}

export interface RunListing {
  runs_dir: string;
  runs: RunSummary[];
}

/**
 * The runs of the repository (or --runs-dir), sorted by id. Only reads: no audit line and no lock,
 * since it is about no run in particular, and one run's damage is reported on its line, never thrown.
 */
export async function listRuns(env: WorkflowEnv): Promise<RunListing> {
  const { store } = await openStoreAnywhere(env);
  return { runs_dir: store.runsDir, runs: store.listRunDirs().map((id) => summarize(store, id)) };
}

function summarize(store: RunStore, id: string): RunSummary {
  try {
    const run = store.openRun(id);
    readRecordedManifest(run);
    return summarizeRun(run);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { run_id: id, state: 'broken', plan_revision: null, tasks_total: 0, tasks_approved: 0, next: null, reason };
  }
}

function summarizeRun(run: Run): RunSummary {
  const snapshot = loadSnapshot(run);
  const status = deriveStatus(snapshot);
  const approved = status.tasks.filter((task) => task.state === 'approved').length;
  let next: string | null = status.next[0] ?? null;
  if (status.state === 'completed') {
    // Approving never touches the working tree: a completed run's next step is applying its patches.
    const applied = new Set(appliedTasks(run));
    const pending = approvedAttempts(snapshot).find((item) => !applied.has(item.taskId));
    next = pending ? `llm-orchestrator apply-task --run ${run.id} --task ${pending.taskId}` : null;
  }
  return { run_id: run.id, state: status.state, plan_revision: status.plan_revision, tasks_total: status.tasks.length, tasks_approved: approved, next, reason: null };
}
