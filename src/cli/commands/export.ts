import type { Command } from 'commander';
import { exportRun } from '../../core/export.js';
import { out, setResult } from '../print.js';
import { exportJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; out: string }

export default async function exportCommand(options: Options, command: Command): Promise<void> {
  const result = await exportRun(workflowEnv(command), { run: options.run, out: options.out });
  setResult(exportJson(result));
  out(`wrote ${result.out}: ${result.files} file(s), ${result.bytes} bytes, sha256 ${result.sha256}`);
  out(`check it anywhere: tar -xzf ${options.out} -C DIR && llm-orchestrator verify --runs-dir DIR --run ${options.run}`);
}
