import path from 'node:path';
import type { Command } from 'commander';
import { runStatus } from '../../core/status.js';
import { out, setResult } from '../print.js';
import { statusJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string }

export default async function status(options: Options, command: Command): Promise<void> {
  const result = await runStatus(workflowEnv(command), options.run);
  setResult(statusJson(result));
  // The default format is not named, so a diff run's first line reads as it always has.
  const format = result.edit_format === 'diff' ? '' : ` · edit format ${result.edit_format}`;
  out(`run ${result.run_id}: ${result.state}${result.plan_revision ? ` (plan revision ${result.plan_revision})` : ''}${format}`);
  for (const task of result.tasks) {
    const deps = task.depends_on.length > 0 ? ` after ${task.depends_on.join(', ')}` : '';
    const carried = task.carried_over ? ` [carried over from ${task.carried_over.run_id ? `run ${task.carried_over.run_id}, ` : ''}plan revision ${task.carried_over.plan_revision}]` : '';
    const applied = APPLIED[task.application ?? 'none'];
    out(`  ${task.id} ${task.state.padEnd(15)} ${task.title}${deps}${task.attempts > 0 ? ` [${task.attempts} attempt(s)]` : ''}${carried}${applied}`);
  }
  // The patch a person is asked to decide on, where it really is (attempt-NNN/, rev-NNN/).
  for (const task of result.tasks) if (task.state === 'awaiting-review' && task.patch) out(`review: ${path.join(result.run_dir, task.patch)}`);
  for (const warning of result.open_plan_warnings) out(`warning: ${warning}`);
  for (const item of result.checks) {
    const where = `${item.task} attempt ${item.attempt}`;
    if (item.skipped) out(`checks: ${where}: not run (${item.skipped === 'no-checks' ? '--no-checks' : 'interrupted'})`);
    else if (item.failed.length === 0) out(`checks: ${where}: ✅ all ${item.passed} passed`);
    for (const failed of item.failed) out(`checks: ${where}: ❌ \`${failed.command}\` ${failed.verdict} (approve-task needs --ack-failed-checks)`);
  }
  if (result.busy) out(`busy: ${result.busy.command} (pid ${result.busy.pid}) has been at work on the run since ${result.busy.since}`);
  if (result.state === 'completed') out('every task is approved: `show --task TNNN` names each approved patch');
  for (const next of result.next) out(`next: ${next}`);
}

const APPLIED = { 'applied-committed': ' [applied, committed]', 'applied-working-tree': ' [applied to the working tree]', undone: ' [undone]', none: '' } as const;
