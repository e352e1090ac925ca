import type { Command } from 'commander';
import { removeContext } from '../../core/context.js';
import { out, setResult } from '../print.js';
import { removeContextJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; file: string[] }

export default async function removeContextCommand(options: Options, command: Command): Promise<void> {
  const result = await removeContext(workflowEnv(command), options.run as string, (options.file as string[] | undefined) ?? []);
  setResult(removeContextJson(result));
  for (const file of result.removed) out(`removed ${file}: the executor no longer sees it`);
  out(`context/allowlist.json sha256 ${result.allowlist_sha256}`);
}
