import type { Command } from 'commander';
import { undoTask } from '../../core/undo-task.js';
import { undoTaskJson } from '../json-results.js';
import { out, setResult, warn } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; task: string; allowHookChange?: boolean }

export default async function undoTaskCommand(options: Options, command: Command): Promise<void> {
  const allowHookChange = options.allowHookChange === true;
  const result = await undoTask(workflowEnv(command), options.run, options.task, { allowHookChange });
  setResult(undoTaskJson(result));
  for (const line of result.warnings) warn(line);
  if (result.changed) {
    for (const file of result.files) out(`  ${file.kind} ${file.kind === 'rename' ? `${file.old_path} -> ${file.new_path}` : (file.new_path ?? file.old_path)}`);
  }
  if (result.revert_commit) out(`${result.task} undone: reverted by commit ${result.revert_commit.slice(0, 12)}${result.applied_commit ? ` (reverts ${result.applied_commit.slice(0, 12)})` : ''}`);
  else if (result.changed) out(`${result.task} undone: its patch was taken back out of the working tree (not staged, not committed); review with git diff`);
  else out(`${result.task} recorded as undone: its patch was no longer there, nothing changed`);
  out(`apply it again with: llm-orchestrator apply-task --run ${result.run_id} --task ${result.task}${result.mode === 'commit' ? ' --commit' : ''}`);
}
