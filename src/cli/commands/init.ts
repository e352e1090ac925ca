import type { Command } from 'commander';
import type { EditFormat } from '../../schema/run-files.js';
import { UsageError } from '../../errors.js';
import { initFromRun } from '../../core/init-from.js';
import { initRun } from '../../core/init.js';
import { parseEditFormat } from '../../core/edit-format/attempt-format.js';
import { jsonMode, out, setResult, warn } from '../print.js';
import { initJson } from '../json-results.js';
import { shownPath } from '../../core/shown-path.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options {
  spec?: string;
  plannerModel?: string;
  executorModel?: string;
  from?: string;
  numCtx?: string;
  numPredict?: string;
  provider: 'ollama' | 'openai' | 'embedded';
  baseUrl?: string;
  pack?: string;
  allowRemote?: boolean;
  check: string[];
  editFormat?: string;
}

export default async function init(options: Options, command: Command): Promise<void> {
  if (options.from !== undefined) return initFrom(options.from, options, command);
  for (const [flag, key] of [['--num-ctx', 'numCtx'], ['--num-predict', 'numPredict']] as const) {
    if (options[key] !== undefined) throw new UsageError(`${flag} applies to init --from; a new run takes num_ctx and num_predict from its pack`);
  }
  const result = await initRun(workflowEnv(command), {
    spec: required(options.spec, '--spec <file>'),
    plannerModel: required(options.plannerModel, '--planner-model <model>'),
    executorModel: required(options.executorModel, '--executor-model <model>'),
    provider: options.provider,
    baseUrl: options.baseUrl,
    pack: options.pack,
    allowRemote: options.allowRemote === true,
    checks: options.check,
    ...editFormat(options),
  });
  for (const line of result.warnings) warn(line);
  setResult(initJson(result.runId, shownPath(process.cwd(), result.runDir), null));
  out(result.runId);
  if (!jsonMode()) process.stderr.write(`created ${result.runDir}\nnext: llm-orchestrator plan --run ${result.runId}\n`);
}

/** Required without --from, so commander cannot enforce it. */
function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`required option '${flag}' not specified (or pass --from RUN to start from an existing run)`);
  return value;
}

async function initFrom(from: string, options: Options, command: Command): Promise<void> {
  // The source run fixes these; a different value would silently not be what the new run uses.
  for (const [flag, key] of [['--spec', 'spec'], ['--base-url', 'baseUrl'], ['--allow-remote', 'allowRemote']] as const) {
    if (options[key] !== undefined) throw new UsageError(`${flag} cannot be used with --from: the new run keeps the source run's`);
  }
  if (options.check.length > 0) throw new UsageError("--check cannot be used with --from: the new run keeps the source run's checks");
  if (command.getOptionValueSource('provider') === 'cli') throw new UsageError("--provider cannot be used with --from: the new run keeps the source run's");
  const result = await initFromRun(workflowEnv(command), {
    from,
    plannerModel: options.plannerModel,
    executorModel: options.executorModel,
    pack: options.pack,
    numCtx: tokens(options.numCtx),
    numPredict: tokens(options.numPredict),
    ...editFormat(options),
  });
  for (const line of result.warnings) warn(line);
  setResult(initJson(result.runId, shownPath(process.cwd(), result.runDir), from));
  out(result.runId);
  if (!jsonMode()) process.stderr.write(`created ${result.runDir} from run ${from}\nnext: review the imported plan, then llm-orchestrator approve-plan --run ${result.runId}\n`);
}

function tokens(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`"${value}" is not a number of tokens: pass a positive whole number`);
  return Number(value);
}

function editFormat(options: Options): { editFormat?: EditFormat } {
  const format = parseEditFormat(options.editFormat);
  return format === undefined ? {} : { editFormat: format };
}
