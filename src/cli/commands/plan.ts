import { setResult } from '../print.js';
import type { Command } from 'commander';
import { planRun } from '../../core/plan.js';
import { printPlan } from '../print-plan.js';
import { planJson } from '../json-results.js';
import { withFailedPlan } from '../failed-plan.js';
import { workflowEnv } from '../workflow-env.js';

/** The options commander parsed (see registry.ts). */
interface Options { run: string }

export default async function plan(options: Options, command: Command): Promise<void> {
  const result = await withFailedPlan(options.run, planRun(workflowEnv(command), options.run));
  setResult(planJson(options.run, result));
  printPlan(options.run, result);
}
