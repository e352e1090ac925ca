import type { Command } from 'commander';
import { addContext } from '../../core/context.js';
import { out, setResult, warn } from '../print.js';
import { addContextJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; file: string[]; task?: string; allowSecret?: boolean }

export default async function addContextCommand(options: Options, command: Command): Promise<void> {
  const result = await addContext(workflowEnv(command), options.run as string, {
    files: (options.file as string[] | undefined) ?? [],
    ...(typeof options.task === 'string' ? { task: options.task } : {}),
    allowSecret: options.allowSecret === true,
  });
  setResult(addContextJson(result));
  for (const line of result.warnings) warn(line);
  for (const entry of result.added) out(`added ${entry.path} (sha256 ${entry.sha256})`);
  for (const file of result.already) out(`${file} is already in the context`);
  for (const { path, reason } of result.skipped) {
    out(reason === 'absent'
      ? `skipped ${path}: not a file at base + approved patches (a file the task creates, or a wrong name)`
      : `skipped ${path}: taken out with remove-context (add-context --file ${path} puts it back)`);
  }
  if (result.allowlist_sha256 !== null) out(`context/allowlist.json sha256 ${result.allowlist_sha256}`);
  else if (result.added.length === 0) out('nothing added: the context is as it was');
}
