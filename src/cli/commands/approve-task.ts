import type { Command } from 'commander';
import { decideTask } from '../../core/task-decision.js';
import { out, setResult } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; task: string; by?: string; ackUndeclared?: boolean; ackFailedChecks?: boolean }

export default async function approveTask(options: Options, command: Command): Promise<void> {
  const approval = await decideTask(workflowEnv(command), options.run, options.task, { decision: 'approved', by: options.by, ackUndeclared: options.ackUndeclared === true,
    ackFailedChecks: options.ackFailedChecks === true,
  });
  setResult(approval);
  out(`${approval.subject.task} attempt ${approval.subject.attempt} approved by ${approval.by} (patch.diff sha256 ${approval.subject.sha256})`);
  out(`next: llm-orchestrator status --run ${options.run}`);
}
