import type { Command } from 'commander';
import { applyTask } from '../../core/apply-task.js';
import { out, setResult, warn } from '../print.js';
import { applyTaskJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; task: string; commit?: boolean; allowHookChange?: boolean }

export default async function applyTaskCommand(options: Options, command: Command): Promise<void> {
  const commit = options.commit === true;
  const allowHookChange = options.allowHookChange === true;
  const result = await applyTask(workflowEnv(command), options.run, options.task, { commit, allowHookChange });
  setResult(applyTaskJson(result));
  for (const line of result.warnings) warn(line);
  for (const file of result.files) {
    const path = file.kind === 'rename' ? `${file.oldPath} -> ${file.newPath}` : (file.newPath ?? file.oldPath);
    out(`  ${file.kind} ${path}`);
  }
  if (result.commit) out(`${result.task} applied and committed as ${result.commit.slice(0, 12)} (Patch-sha256 ${result.patch_sha256.slice(0, 12)})`);
  else out(`${result.task} applied to the working tree (not staged, not committed): review it with git diff; new files are untracked`);
}
