import type { Command } from 'commander';
import { addContext } from '../../core/context.js';
import { out, setResult, warn } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

export default async function addContextCommand(options: Record<string, string | undefined>, command: Command): Promise<void> {
  const result = await addContext(workflowEnv(command), options.run!, options.file!, { allowSecret: (options as Record<string, unknown>).allowSecret === true });
  setResult(result);
  for (const line of result.warnings) warn(line);
  out(result.added ? `added ${result.path} (sha256 ${result.sha256})` : `${result.path} is already in the context`);
}
