import type { Command } from 'commander';
import { doctor, type CheckLevel } from '../../core/doctor.js';
import { out, setResult } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

const MARK: Record<CheckLevel, string> = { ok: '✅', warn: '⚠️', fail: '❌' };

export default async function doctorCommand(options: Record<string, string | undefined>, command: Command): Promise<void> {
  const checks = await doctor(workflowEnv(command), {
    run: options.run,
    provider: options.provider as 'ollama' | 'openai' | undefined,
    baseUrl: options.baseUrl,
    allowRemote: (options as Record<string, unknown>).allowRemote === true,
  });
  setResult({ checks });
  for (const check of checks) out(`${MARK[check.level]} ${check.message}`);
  if (checks.some((check) => check.level === 'fail')) process.exitCode = 1;
}
