import type { Command } from 'commander';
import { initRun } from '../../core/init.js';
import { out } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

export default async function init(options: Record<string, string | undefined>, command: Command): Promise<void> {
  const result = await initRun(workflowEnv(command), {
    spec: options.spec!,
    plannerModel: options.plannerModel!,
    executorModel: options.executorModel!,
    provider: options.provider,
    baseUrl: options.baseUrl,
    pack: options.pack,
    allowRemote: (options as Record<string, unknown>).allowRemote === true,
  });
  out(result.runId);
  process.stderr.write(`created ${result.runDir}\nnext: llm-orchestrator plan --run ${result.runId}\n`);
}
