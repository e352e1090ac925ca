import { failWith, setResult } from '../print.js';
import { verifyJson } from '../json-results.js';
import type { Command } from 'commander';
import { verifyRun } from '../../core/verify/verify-run.js';
import { failedChecks, printChecks } from '../print-checks.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; head?: string }

export default async function verifyCommand(options: Options, command: Command): Promise<number> {
  const result = await verifyRun(workflowEnv(command), { run: options.run, ...(options.head ? { head: options.head } : {}) });
  setResult(verifyJson(result));
  return printChecks(result.checks) ? failWith(failedChecks('verify', result.checks)) : 0;
}
