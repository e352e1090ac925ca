import path from 'node:path';
import type { PlanResult } from '../core/plan.js';
import { planTasks } from '../schema/plan.js';
import { out, warn } from './print.js';

export function printPlan(runId: string, result: PlanResult): void {
  out(`plan revision ${result.revision}: ${result.plan.summary.trim().split('\n')[0]}`);
  for (const task of planTasks(result.plan)) {
    const deps = task.depends_on.length > 0 ? ` (after ${task.depends_on.join(', ')})` : '';
    out(`  ${task.id} ${task.title}${deps}`);
  }
  for (const warning of result.fileWarnings) warn(warning);
  out(`review: ${path.join(result.run_dir, result.files.markdown)}`);
  out(`next: llm-orchestrator approve-plan --run ${runId}   (or revise-plan --feedback "...", edit-plan, reject-plan --reason "...")`);
}
