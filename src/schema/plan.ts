import './zod.js';
import * as z from 'zod/mini';
import { checkPatchPath } from '../diff/paths.js';
import { unsafePathReason } from '../visible-text.js';

/**
 * The plan is the one structure a model must produce as JSON. This file is its single source:
 * the TypeScript types, the runtime validation and the JSON Schema sent to the model all come
 * from these definitions.
 */
export const TaskId = z.string().check(z.regex(/^T\d{3}$/), z.describe('T followed by three digits, e.g. T001'));

export const PlanTask = z.strictObject({
  id: TaskId,
  title: z.string().check(z.minLength(1), z.describe('a short imperative title')),
  description: z.string().check(z.minLength(1), z.describe('what to change and why, concrete enough to write the diff')),
  files: z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.describe('repository-relative paths the task creates or changes')),
  depends_on: z.array(TaskId).check(z.describe('ids of earlier tasks this one needs')),
  acceptance: z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.describe('checks a reviewer can make')),
  artifacts: z.array(z.literal('patch.diff')).check(z.minLength(1), z.maxLength(1)),
});
export type PlanTask = z.infer<typeof PlanTask>;

export const Milestone = z.strictObject({
  id: z.string().check(z.regex(/^M\d+$/), z.describe('M followed by a number, e.g. M1')),
  title: z.string().check(z.minLength(1)),
  tasks: z.array(PlanTask).check(z.minLength(1)),
});
export type Milestone = z.infer<typeof Milestone>;

export const Plan = z.strictObject({
  summary: z.string().check(z.minLength(1)),
  milestones: z.array(Milestone).check(z.minLength(1)),
});
export type Plan = z.infer<typeof Plan>;

let planSchemaJson: Record<string, unknown> | undefined;

/**
 * The JSON text of planJsonSchema() as the build made it from Plan (scripts/build-cli.mjs puts it
 * in the bundle): zod's conversion costs a plan call 3-6 ms, and its result is the same every
 * time. Undefined where the sources run unbundled (the tests), which convert.
 */
declare const __PLAN_JSON_SCHEMA__: string | undefined;

/**
 * The JSON Schema given to the model as its structured-output format. Made once per process (a
 * plan call needs it for the prompt and for the request); each caller gets its own copy.
 */
export function planJsonSchema(): Record<string, unknown> {
  if (planSchemaJson === undefined) {
    if (typeof __PLAN_JSON_SCHEMA__ === 'string') {
      planSchemaJson = JSON.parse(__PLAN_JSON_SCHEMA__) as Record<string, unknown>;
    } else {
      planSchemaJson = z.toJSONSchema(Plan) as Record<string, unknown>;
      // The meta-schema URL is noise for a grammar compiler and the prompt; keep the body only.
      delete planSchemaJson.$schema;
    }
  }
  return JSON.parse(JSON.stringify(planSchemaJson)) as Record<string, unknown>;
}

export type PlanValidation = { ok: true; plan: Plan; errors: [] } | { ok: false; plan: null; errors: string[] };

/** Shape, then the rules a schema cannot say: unique ids, dependencies on earlier tasks, safe paths. */
export function validatePlan(value: unknown): PlanValidation {
  const parsed = Plan.safeParse(value);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    return { ok: false, plan: null, errors };
  }
  const errors = crossFieldErrors(parsed.data);
  return errors.length === 0 ? { ok: true, plan: parsed.data, errors: [] } : { ok: false, plan: null, errors };
}

function crossFieldErrors(plan: Plan): string[] {
  const errors: string[] = [];
  const milestoneIds = new Set<string>();
  const seen = new Set<string>();
  for (const milestone of plan.milestones) {
    if (milestoneIds.has(milestone.id)) errors.push(`milestone ${milestone.id}: id is used twice`);
    milestoneIds.add(milestone.id);
    for (const task of milestone.tasks) {
      if (seen.has(task.id)) errors.push(`task ${task.id}: id is used twice`);
      for (const dep of task.depends_on) {
        if (dep === task.id) errors.push(`task ${task.id}: depends on itself`);
        else if (!seen.has(dep)) errors.push(`task ${task.id}: depends_on ${dep}, which is not an earlier task`);
      }
      for (const file of task.files) {
        const reason = checkPatchPath(file) ?? unsafePathReason(file);
        if (reason) errors.push(`task ${task.id}: file "${file}" ${reason}`);
      }
      seen.add(task.id);
    }
  }
  return errors;
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return 'plan';
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');
}

export function planTasks(plan: Plan): Array<PlanTask & { milestone: string }> {
  return plan.milestones.flatMap((milestone) => milestone.tasks.map((task) => ({ ...task, milestone: milestone.id })));
}
