import type { Command } from 'commander';
import { decidePlan } from '../../core/plan-decision.js';
import { out, setResult } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; reason: string; by?: string }

export default async function rejectPlan(options: Options, command: Command): Promise<void> {
  const { approval } = await decidePlan(workflowEnv(command), options.run, { decision: 'rejected', by: options.by, reason: options.reason });
  setResult(approval);
  out(`plan revision ${approval.subject.plan_revision} rejected by ${approval.by}`);
  out(`next: llm-orchestrator revise-plan --run ${options.run} --feedback "..."`);
}
