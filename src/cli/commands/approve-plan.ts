import type { Command } from 'commander';
import { decidePlan } from '../../core/plan-decision.js';
import { out, setResult } from '../print.js';
import { workflowEnv } from '../workflow-env.js';

export default async function approvePlan(options: Record<string, string | undefined>, command: Command): Promise<void> {
  const approval = await decidePlan(workflowEnv(command), options.run!, { decision: 'approved', by: options.by });
  setResult(approval);
  out(`plan revision ${approval.subject.plan_revision} approved by ${approval.by} (plan.json sha256 ${approval.subject.sha256})`);
  out(`next: llm-orchestrator status --run ${options.run}`);
}
