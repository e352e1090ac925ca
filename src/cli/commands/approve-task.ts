import type { Command } from 'commander';
import { decideTask } from '../../core/task-decision.js';
import { out, setResult } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

export default async function approveTask(options: Record<string, string | undefined>, command: Command): Promise<void> {
  const approval = await decideTask(workflowEnv(command), options.run!, options.task!, { decision: 'approved', by: options.by, ackUndeclared: (options as Record<string, unknown>).ackUndeclared === true,
    ackFailedChecks: (options as Record<string, unknown>).ackFailedChecks === true,
  });
  setResult(approval);
  out(`${approval.subject.task} attempt ${approval.subject.attempt} approved by ${approval.by} (patch.diff sha256 ${approval.subject.sha256})`);
  out(`next: llm-orchestrator status --run ${options.run}`);
}
