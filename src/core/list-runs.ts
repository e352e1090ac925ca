import type { Run, RunStore } from '../store/run-store.js';
import { taskApplications } from './applications.js';
import { readRecordedManifest } from './recorded-files.js';
import { approvedAttempts, loadSnapshot } from './run-snapshot.js';
import { openStoreAnywhere } from './session.js';
import { deriveStatus, type RunState } from './state.js';
import type { WorkflowEnv } from './workflow-env.js';
import type { EditFormat } from '../schema/run-files.js';

export interface RunSummary {
  run_id: string;
  /** `broken`: the run's files cannot be read as a run (see reason). */
  state: RunState | 'broken';
  plan_revision: number | null;
  tasks_total: number;
  tasks_approved: number;
  /** Tasks whose patch is applied now, and tasks applied then undone (audit.log's apply-task and undo-task lines). */
  tasks_applied: number;
  tasks_undone: number;
  /** The command to run next; null when there is nothing left to do (or the run is broken). */
  next: string | null;
  /** Why the run is broken; null otherwise. */
  reason: string | null;
  /** The format the run's executor replies in (its pack's generation.edit_format); null for a broken run. */
  edit_format: EditFormat | null;
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
    const manifest = readRecordedManifest(run);
    return { ...summarizeRun(run), edit_format: manifest.generation.edit_format ?? 'diff' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { run_id: id, state: 'broken', plan_revision: null, tasks_total: 0, tasks_approved: 0, tasks_applied: 0, tasks_undone: 0, next: null, reason, edit_format: null };
  }
}

function summarizeRun(run: Run): Omit<RunSummary, 'edit_format'> {
  const snapshot = loadSnapshot(run);
  const status = deriveStatus(snapshot);
  const approved = status.tasks.filter((task) => task.state === 'approved').length;
  let next: string | null = status.next[0] ?? null;
  const applications = taskApplications(run);
  const applied = [...applications.values()].filter((item) => item.state === 'applied').length;
  const undone = applications.size - applied;
  if (status.state === 'completed') {
    // Approving never touches the working tree: a completed run's next step is applying its
    // patches; one a person undid is not proposed again (status does the same).
    const pending = approvedAttempts(snapshot).find((item) => !applications.has(item.taskId));
    next = pending ? `llm-orchestrator apply-task --run ${run.id} --task ${pending.taskId}` : null;
  }
  return { run_id: run.id, state: status.state, plan_revision: status.plan_revision, tasks_total: status.tasks.length, tasks_approved: approved, tasks_applied: applied, tasks_undone: undone, next, reason: null };
}
