import type { Command } from 'commander';
import { reportRun } from '../../core/report/report-run.js';
import { UsageError } from '../../errors.js';
import { jsonMode, out, outRaw, setResult } from '../print.js';
import { stdoutIsTerminal } from '../stdout.js';
import { reportJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; out?: string }

export default async function reportCommand(options: Options, command: Command): Promise<void> {
  // Pages of HTML on a terminal help nobody, and the check costs nothing before the run is read.
  if (options.out === undefined && stdoutIsTerminal() && !jsonMode()) {
    throw new UsageError('the report is one HTML file: pass --out report.html, or redirect standard output (> report.html)');
  }
  const result = await reportRun(workflowEnv(command), { run: options.run, ...(options.out !== undefined ? { out: options.out } : {}) });
  setResult(reportJson(result));
  if (result.out === null) outRaw(result.html);
  else out(`wrote ${result.out}: ${result.bytes} bytes, sha256 ${result.sha256}`);
}
