import type { Command } from 'commander';
import { listRuns } from '../../core/list-runs.js';
import { out, setResult } from '../print.js';
import { runsJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

export default async function runs(_options: object, command: Command): Promise<void> {
  const listing = await listRuns(workflowEnv(command));
  setResult(runsJson(listing));
  if (listing.runs.length === 0) {
    out(`no runs in ${listing.runs_dir}: start one with llm-orchestrator init --spec FILE --planner-model M --executor-model M`);
    return;
  }
  const width = Math.max(...listing.runs.map((run) => run.run_id.length));
  for (const run of listing.runs) {
    const id = run.run_id.padEnd(width);
    if (run.state === 'broken') {
      out(`${id}  ${'broken'.padEnd(21)}  ${run.reason}`);
      continue;
    }
    const applied = [run.tasks_applied > 0 ? `${run.tasks_applied} applied` : '', run.tasks_undone > 0 ? `${run.tasks_undone} undone` : ''].filter((part) => part !== '');
    const tasks = run.tasks_total > 0 ? [`${run.tasks_approved}/${run.tasks_total} approved`, ...applied].join(', ') : '';
    // The default format is not named, so a diff run's line reads as it always has.
    const state = run.edit_format === null || run.edit_format === 'diff' ? run.state : `${run.state} (${run.edit_format})`;
    out(`${id}  ${state.padEnd(21)}  ${tasks.padEnd(14)}  ${run.next ? `next: ${run.next}` : 'nothing left to do'}`);
  }
}
