import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { initFromRun } from '../../core/init-from.js';
import { initRun } from '../../core/init.js';
import { jsonMode, out, setResult, warn } from '../print.js';
import { initJson } from '../json-results.js';
import { shownPath } from '../../core/shown-path.js';
import { workflowEnv } from '../workflow-env.js';

export default async function init(options: Record<string, string | undefined>, command: Command): Promise<void> {
  if (options.from !== undefined) return initFrom(options, command);
  for (const [flag, key] of [['--num-ctx', 'numCtx'], ['--num-predict', 'numPredict']] as const) {
    if (options[key] !== undefined) throw new UsageError(`${flag} applies to init --from; a new run takes num_ctx and num_predict from its pack`);
  }
  for (const [flag, key] of [['--spec <file>', 'spec'], ['--planner-model <model>', 'plannerModel'], ['--executor-model <model>', 'executorModel']] as const) {
    if (options[key] === undefined) throw new UsageError(`required option '${flag}' not specified (or pass --from RUN to start from an existing run)`);
  }
  const env = workflowEnv(command);
  const result = await initRun(env, {
    spec: options.spec!,
    plannerModel: options.plannerModel!,
    executorModel: options.executorModel!,
    provider: options.provider,
    baseUrl: options.baseUrl,
    pack: options.pack,
    allowRemote: (options as Record<string, unknown>).allowRemote === true,
    checks: (options as Record<string, unknown>).check as string[],
  });
  for (const line of result.warnings) warn(line);
  setResult(initJson(result.runId, shownPath(env.cwd, result.runDir), null));
  out(result.runId);
  if (!jsonMode()) process.stderr.write(`created ${result.runDir}\nnext: llm-orchestrator plan --run ${result.runId}\n`);
}

async function initFrom(options: Record<string, string | undefined>, command: Command): Promise<void> {
  // The source run fixes these; a different value would silently not be what the new run uses.
  for (const [flag, key] of [['--spec', 'spec'], ['--base-url', 'baseUrl'], ['--allow-remote', 'allowRemote']] as const) {
    if (options[key] !== undefined) throw new UsageError(`${flag} cannot be used with --from: the new run keeps the source run's`);
  }
  if (((options as Record<string, unknown>).check as string[]).length > 0) throw new UsageError("--check cannot be used with --from: the new run keeps the source run's checks");
  if (command.getOptionValueSource('provider') === 'cli') throw new UsageError("--provider cannot be used with --from: the new run keeps the source run's");
  const env = workflowEnv(command);
  const result = await initFromRun(env, {
    from: options.from!,
    plannerModel: options.plannerModel,
    executorModel: options.executorModel,
    pack: options.pack,
    numCtx: tokens(options.numCtx),
    numPredict: tokens(options.numPredict),
  });
  for (const line of result.warnings) warn(line);
  setResult(initJson(result.runId, shownPath(env.cwd, result.runDir), options.from!));
  out(result.runId);
  if (!jsonMode()) process.stderr.write(`created ${result.runDir} from run ${options.from}\nnext: review the imported plan, then llm-orchestrator approve-plan --run ${result.runId}\n`);
}

function tokens(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`"${value}" is not a number of tokens: pass a positive whole number`);
  return Number(value);
}
