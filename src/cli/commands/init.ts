import type { Command } from 'commander';
import { initRun } from '../../core/init.js';
import { jsonMode, out, setResult } from '../print.js';
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
  setResult({ run_id: result.runId, run_dir: result.runDir });
  out(result.runId);
  if (!jsonMode()) process.stderr.write(`created ${result.runDir}\nnext: llm-orchestrator plan --run ${result.runId}\n`);
}
