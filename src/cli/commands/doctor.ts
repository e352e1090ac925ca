import type { Command } from 'commander';
import { doctor } from '../../core/doctor.js';
import { failWith, setResult } from '../print.js';
import { doctorJson } from '../json-results.js';
import { failedChecks, printChecks } from '../print-checks.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run?: string; provider?: 'ollama' | 'openai' | 'embedded'; baseUrl?: string; allowRemote?: boolean }

export default async function doctorCommand(options: Options, command: Command): Promise<number> {
  const checks = await doctor(workflowEnv(command), {
    run: options.run,
    provider: options.provider,
    baseUrl: options.baseUrl,
    allowRemote: options.allowRemote === true,
  });
  setResult(doctorJson(checks));
  return printChecks(checks) ? failWith(failedChecks('doctor', checks)) : 0;
}

