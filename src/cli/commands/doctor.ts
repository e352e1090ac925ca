import type { Command } from 'commander';
import { doctor, type CheckLevel } from '../../core/doctor.js';
import { out, setResult } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

const MARK: Record<CheckLevel, string> = { ok: '✅', warn: '⚠️', fail: '❌' };

/** The options commander parsed (see registry.ts). */
interface Options { run?: string; provider?: 'ollama' | 'openai' | 'embedded'; baseUrl?: string; allowRemote?: boolean }

export default async function doctorCommand(options: Options, command: Command): Promise<number> {
  const checks = await doctor(workflowEnv(command), {
    run: options.run,
    provider: options.provider as 'ollama' | 'openai' | undefined,
    baseUrl: options.baseUrl,
    allowRemote: options.allowRemote === true,
  });
  setResult({ checks });
  for (const check of checks) out(`${MARK[check.level]} ${check.message}`);
  return checks.some((check) => check.level === 'fail') ? 1 : 0;
}
