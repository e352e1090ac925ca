import path from 'node:path';
import type { Command } from 'commander';
import { RecordedFailure, UsageError } from '../../errors.js';
import { checkVerdict } from '../../core/run-checks.js';
import { runTask, type RunTaskResult } from '../../core/run-task.js';
import { checksOnly } from '../../core/checks-only.js';
import { parseEditFormat } from '../../core/edit-format/attempt-format.js';
import { out, setResult, warn } from '../print.js';
import { recheckJson, runTaskJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts); `checks` is false with --no-checks. */
interface Options {
  run: string;
  task: string;
  feedback?: string;
  feedbackFile?: string;
  same?: boolean;
  checks: boolean;
  checkTimeout?: string;
  checksOnly?: boolean;
  editFormat?: string;
}

export default async function runTaskCommand(options: Options, command: Command): Promise<void> {
  if (options.checksOnly === true) return checksOnlyCommand(options, command);
  let result: RunTaskResult;
  try {
    result = await runTask(workflowEnv(command), options.run, options.task, {
      feedback: options.feedback,
      feedbackFile: options.feedbackFile,
      same: options.same === true,
      noChecks: !options.checks,
      checkTimeout: seconds(options.checkTimeout),
      editFormat: parseEditFormat(options.editFormat),
    });
  } catch (error) {
    // An attempt whose patch does not validate is still an attempt: --json returns what was recorded.
    if (error instanceof RecordedFailure) {
      const attempt = error.recorded as RunTaskResult;
      setResult(runTaskJson(attempt));
      for (const line of attempt.warnings) warn(line);
    }
    throw error;
  }
  setResult(runTaskJson(result));
  for (const line of result.warnings) warn(line);
  const fixes = result.response.normalization.fixes;
  const conversion = result.response.conversion;
  if (conversion) {
    out(`${result.task} attempt ${result.attempt}: the ${result.response.edit_format} reply was turned into a diff of ${conversion.files.length} file(s) in ${conversion.steps.length} logged step(s)`);
    for (const step of conversion.steps) out(`  ${step.fix}${step.path ? ` in ${step.path}${step.line === null ? '' : ` line ${step.line}`}` : ''}: ${step.message}`);
  }
  out(`${result.task} attempt ${result.attempt}: the patch validates (${result.response.validation.files.length} file(s), ${fixes.length} fix(es) to the reply)`);
  for (const fix of fixes) out(`  fixed ${fix.kind}${fix.file ? ` in ${fix.file}` : ''}: ${fix.detail}`);
  for (const check of result.response.checks ?? []) {
    out(`  ${check.passed ? '✅' : '❌'} check \`${check.command}\` ${checkVerdict(check)} in ${(check.duration_ms / 1000).toFixed(1)} s (${check.log})`);
  }
  out(`review: ${path.join(result.run_dir, result.files.patch)}`);
  out(`next: llm-orchestrator approve-task --run ${options.run} --task ${result.task}   (or reject-task --reason "...")`);
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) === 0) throw new UsageError(`--check-timeout "${value}" is not a number of seconds: pass a positive whole number, e.g. --check-timeout 600`);
  return Number(value);
}

async function checksOnlyCommand(options: Options, command: Command): Promise<void> {
  for (const [given, flag] of [[options.feedback, '--feedback'], [options.feedbackFile, '--feedback-file'], [options.same, '--same'], [options.editFormat, '--edit-format'], [options.checks ? undefined : true, '--no-checks']] as const) {
    if (given !== undefined) throw new UsageError(`${flag} cannot be used with --checks-only: no model is called`);
  }
  const result = await checksOnly(workflowEnv(command), options.run, options.task, { checkTimeout: seconds(options.checkTimeout) });
  setResult(recheckJson(result));
  for (const line of result.warnings) warn(line);
  out(`${result.task} attempt ${result.attempt}: checks run again, recorded in ${result.record}`);
  for (const check of result.checks) {
    out(`  ${check.passed ? '✅' : '❌'} check \`${check.command}\` ${checkVerdict(check)} in ${(check.duration_ms / 1000).toFixed(1)} s (${check.log})`);
  }
  out(`next: llm-orchestrator approve-task --run ${options.run} --task ${result.task}   (or reject-task --reason "...")`);
}
