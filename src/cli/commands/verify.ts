import { setResult } from '../print.js';
import type { Command } from 'commander';
import { verifyRun } from '../../core/verify/verify-run.js';
import { printChecks } from '../print-checks.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; head?: string }

export default async function verifyCommand(options: Options, command: Command): Promise<number> {
  const result = await verifyRun(workflowEnv(command), { run: options.run, ...(options.head ? { head: options.head } : {}) });
  setResult(result);
  return printChecks(result.checks) ? 1 : 0;
}
