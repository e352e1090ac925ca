import type { Command } from 'commander';
import { decidePlan } from '../../core/plan-decision.js';
import { out, setResult, warn } from '../print.js';
import { approvePlanJson } from '../json-results.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string; by?: string }

export default async function approvePlan(options: Options, command: Command): Promise<void> {
  const { approval, carryOver, warnings } = await decidePlan(workflowEnv(command), options.run, { decision: 'approved', by: options.by });
  setResult(approvePlanJson(approval, carryOver));
  for (const line of warnings) warn(line);
  out(`plan revision ${approval.subject.plan_revision} approved by ${approval.by} (plan.json sha256 ${approval.subject.sha256})`);
  for (const item of carryOver?.carried ?? []) {
    const from = item.source.run_id ? `run ${item.source.run_id}, ` : '';
    out(`${item.task} stays approved: carried over from ${from}plan revision ${item.source.plan_revision} (patch sha256 ${item.sha256})`);
  }
  out(`next: llm-orchestrator status --run ${options.run}`);
}
