import type { Command } from 'commander';
import { decideTask } from '../../core/task-decision.js';
import { out, setResult } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; task: string; reason: string; by?: string }

export default async function rejectTask(options: Options, command: Command): Promise<void> {
  const approval = await decideTask(workflowEnv(command), options.run, options.task, { decision: 'rejected', by: options.by, reason: options.reason });
  setResult(approval);
  out(`${approval.subject.task} attempt ${approval.subject.attempt} rejected by ${approval.by}`);
  out(`next: llm-orchestrator run-task --run ${options.run} --task ${approval.subject.task}`);
}
