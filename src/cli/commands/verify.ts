import { failWith, setResult } from '../print.js';
import { verifyJson } from '../json-results.js';
import type { Command } from 'commander';
import { verifyRun } from '../../core/verify/verify-run.js';
import { failedChecks, printChecks } from '../print-checks.js';
import { workflowEnv } from '../workflow-env.js';

export default async function verifyCommand(options: Record<string, string | undefined>, command: Command): Promise<void> {
  const result = await verifyRun(workflowEnv(command), { run: options.run!, ...(options.head ? { head: options.head } : {}) });
  setResult(verifyJson(result));
  if (printChecks(result.checks)) failWith(failedChecks('verify', result.checks));
}
