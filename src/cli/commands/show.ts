import type { Command } from 'commander';
import type { DecisionView, PatchView, PlanView } from '../../core/show.js';
import { showRun } from '../../core/show.js';
import { describeControls } from '../../core/render.js';
import { UsageError } from '../../errors.js';
import { visibleLine } from '../../visible-text.js';
import { colourDiff, paint, stdoutColours, type Colours, type Painted } from '../colour.js';
import { out, outRaw, setResult } from '../print.js';
import { printTaskView } from '../print-task-view.js';
import { taskRanges } from '../task-ranges.js';
import { showJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; task?: string; attempt?: string }

export default async function show(options: Options, command: Command): Promise<void> {
  const attempt = options.attempt === undefined ? undefined : Number(options.attempt);
  if (options.attempt !== undefined && !/^\d+$/.test(options.attempt)) throw new UsageError(`--attempt must be a positive whole number, not "${options.attempt}"`);
  const result = await showRun(workflowEnv(command), options.run, { task: options.task, attempt });
  setResult(showJson(result));
  const c = await stdoutColours();
  if (result.kind === 'plan') printPlan(result, c);
  else if (result.kind === 'task') printTaskView(result, c);
  else printPatch(result, c);
}

function printPlan(view: PlanView, c: Colours): void {
  out(c.bold(`run ${view.run_id}: plan revision ${view.revision} (${view.path} sha256 ${view.plan_sha256.slice(0, 12)})`));
  const cmd = (name: string, rest = ''): string => `llm-orchestrator ${name} --run ${view.run_id}${rest}`;
  out(view.decision ? decisionLine(view.decision, c) : paint`decision: ${c.yellow('awaiting approval')}: ${cmd('approve-plan')} (or revise-plan --feedback "...", edit-plan, reject-plan --reason "...")`);
  if (view.later_invalid) out(`note: revision ${view.later_invalid.revision} did not validate (${view.later_invalid.errors[0] ?? 'no reason recorded'}); revision ${view.revision} is the one in force`);
  for (const warning of view.file_warnings) out(paint`${c.yellow('warning')}: ${warning}`);
  out('');
  for (const line of view.plan.summary.trim().split('\n')) out(line);
  const states = new Map(view.tasks.map((task) => [task.id, task.state]));
  for (const milestone of view.plan.milestones) {
    out('');
    out(c.bold(`${milestone.id} ${milestone.title}`));
    for (const task of milestone.tasks) {
      const state = states.get(task.id);
      out(paint`  ${c.bold(`${task.id} ${task.title}`)}${state ? ` [${state}]` : ''}`);
      for (const line of task.description.trim().split('\n')) out(`    ${line}`);
      out(`    files: ${task.files.join(', ')}`);
      out(`    depends on: ${task.depends_on.length > 0 ? task.depends_on.join(', ') : 'nothing'}`);
      out('    acceptance:');
      for (const item of task.acceptance) out(`      - ${item}`);
    }
  }
}

function printChecks(view: PatchView, c: Colours): void {
  if (view.checks_skipped === 'no-checks') out(paint`checks: ${c.yellow('not run')} (run-task --no-checks)`);
  if (view.checks_skipped === 'interrupted') out(paint`checks: ${c.yellow('not run')} (interrupted)`);
  for (const check of view.checks) {
    // The command is the person's, the output the patch's code: both are shown escaped.
    out(paint`${check.passed ? '✅' : '❌'} check ${visibleLine(check.command)}: ${check.passed ? c.green(check.verdict) : c.red(check.verdict)} in ${(check.duration_ms / 1000).toFixed(1)} s (${check.log})`);
    if (!check.passed) for (const item of check.tail.split('\n')) out(`    ${visibleLine(item)}`);
  }
}

function printPatch(view: PatchView, c: Colours): void {
  out(c.bold(`run ${view.run_id}: ${view.task} attempt ${view.attempt} of ${view.attempts}: ${view.title}`));
  const { validation } = view;
  if (validation.ok) {
    out(paint`validation: ${c.green('ok')}: applies to base ${validation.base.slice(0, 12)} + ${validation.approved_patches.length} approved patch(es)${approvedList(view)}, ${validation.files.length} file(s)`);
  } else {
    out(paint`validation: ${c.red('fails')}: ${validation.errors[0] ?? view.no_patch_reason ?? 'no reason recorded'}`);
  }
  if (view.decision) out(decisionLine(view.decision, c));
  else if (validation.ok) out(paint`decision: ${c.yellow('awaiting review')}: llm-orchestrator approve-task --run ${view.run_id} --task ${view.task} (or reject-task --reason "...")`);
  if (view.undeclared_files.length > 0) out(paint`${c.yellow('warning')}: changes ${view.undeclared_files.join(', ')}, which the task does not declare (approve-task needs --ack-undeclared)`);
  if (view.control_characters.length > 0) out(paint`${c.yellow('warning')}: ${describeControls(view.control_characters)}; the patch below shows them escaped`);
  if (view.hook_files.length > 0) {
    const what = view.hook_files.length === 1 ? 'a git hook' : 'git hooks';
    out(paint`${c.yellow('warning')}: changes ${view.hook_files.join(', ')}, ${what} that the next commit runs (apply-task needs --allow-hook-change)`);
  }
  printChecks(view, c);
  if (view.conversion) {
    out(`edit format: ${view.edit_format}: the reply (reply.raw.txt) ${view.conversion.ok ? `was turned into the patch in ${view.conversion.steps.length} logged step(s)` : 'could not be turned into a patch'}`);
    for (const step of view.conversion.steps) out(`  ${step.fix}${step.path === null ? '' : ` (${step.path}${step.line === null ? '' : `, reply line ${step.line}`})`}: ${step.message}`);
  }
  if (view.fixes.length === 0) out(view.conversion ? 'fixes: none: the engine took the computed diff as it is' : 'fixes: none: the patch is exactly the diff the model wrote');
  else out(`fixes: ${view.fixes.length} made to the reply`);
  for (const fix of view.fixes) {
    const where = [fix.file, fix.hunk === null ? null : `hunk ${fix.hunk}`].filter(Boolean).join(' ');
    out(`  fixed ${fix.kind}${where ? ` (${where})` : ''}: ${fix.detail}`);
  }
  if (view.patch === null) {
    out(paint`patch: ${c.red('none')}: ${view.no_patch_reason ?? ''}`);
    return;
  }
  out(`patch: ${view.path} (sha256 ${view.patch_sha256?.slice(0, 12) ?? '?'})`);
  out('');
  outRaw(colourDiff(view.patch, c));
}

function approvedList(view: PatchView): string {
  const tasks = view.validation.approved_patches.map((item) => item.task);
  return tasks.length > 0 ? ` (${taskRanges(tasks)})` : '';
}

function decisionLine(decision: DecisionView, c: Colours): Painted {
  const word = decision.decision === 'approved' ? c.green('approved') : c.red('rejected');
  return paint`decision: ${word} by ${decision.by} at ${decision.at}${decision.reason ? `: ${decision.reason}` : ''}`;
}
