import path from 'node:path';
import type { Command } from 'commander';
import { runTask } from '../../core/run-task.js';
import { out, setResult, warn } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

export default async function runTaskCommand(options: Record<string, string | undefined>, command: Command): Promise<void> {
  const same = command.opts<{ same?: boolean }>().same === true;
  const result = await runTask(workflowEnv(command), options.run!, options.task!, { feedback: options.feedback, feedbackFile: options.feedbackFile, same });
  setResult(result);
  for (const line of result.warnings) warn(line);
  const fixes = result.response.normalization.fixes;
  out(`${result.task} attempt ${result.attempt}: the patch validates (${result.response.validation.files.length} file(s), ${fixes.length} fix(es) to the reply)`);
  for (const fix of fixes) out(`  fixed ${fix.kind}${fix.file ? ` in ${fix.file}` : ''}: ${fix.detail}`);
  out(`review: ${path.join(result.run_dir, result.files.patch)}`);
  out(`next: llm-orchestrator approve-task --run ${options.run} --task ${result.task}   (or reject-task --reason "...")`);
}
