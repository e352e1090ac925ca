import type { z } from 'zod/mini';
import { Plan, planTasks } from '../../schema/plan.js';
import { Approval, CarryOver, PlanImport, type CarriedPatch } from '../../schema/run-files.js';
import { sha256, type Run } from '../../store/run-store.js';
import { taskDefinition } from '../carry-over.js';
import { PLAN_IMPORT, planFiles } from '../layout.js';
import { fail, pass, short, type Check } from './check.js';

const CHECK = 'carry-over';
const RECORD = /^plan\/(?:rev-(\d+)\/)?plan\.carry-over\.json$/;
const ATTEMPT_PATCH = /^(executions(?:\/rev-\d+)?\/T\d{3}(?:\/attempt-\d+)?)\/artifacts\/patch\.diff$/;

/**
 * Every approval a plan revision carried over must still be one: the patch hashes to the recorded
 * sha256, it was approved where the record says (an approval.json of this run with that sha256,
 * or the list `init --from` imported), and the task's definition is the same in both revisions.
 */
export function carryChecks(run: Run, files: string[]): Check[] {
  const checks: Check[] = [];
  let count = 0;
  for (const file of files) {
    const m = RECORD.exec(file);
    if (!m) continue;
    const revision = m[1] ? Number(m[1]) : 1;
    let record: CarryOver;
    try {
      record = run.readJson(file, CarryOver);
    } catch (error) {
      checks.push(fail(file, CHECK, `cannot be read: ${(error as Error).message}`));
      continue;
    }
    if (record.plan_revision !== revision) checks.push(fail(file, CHECK, `records plan revision ${record.plan_revision}, but sits in revision ${revision}'s folder`));
    const definitions = planDefinitions(run, revision);
    for (const item of record.carried) {
      count++;
      const problem = carriedProblem(run, item, definitions);
      if (problem) checks.push(fail(item.path, CHECK, `${file} carries ${item.task} over with sha256 ${short(item.sha256)}, but ${problem}`));
    }
  }
  if (checks.length === 0) checks.push(pass('carried approvals', CHECK, `${count} approval(s) carried over match the patches, approvals and task definitions they name`));
  return checks;
}

function carriedProblem(run: Run, item: CarriedPatch, definitions: Map<string, string> | null): string | null {
  let bytes: Buffer | null;
  try {
    bytes = run.exists(item.path) ? run.readBytes(item.path) : null;
  } catch {
    return 'that path is outside the run';
  }
  if (bytes === null) return 'the patch is missing';
  const actual = sha256(bytes);
  if (actual !== item.sha256) return `the patch hashes to ${short(actual)}`;
  if (item.source.run_id === null) {
    const attempt = ATTEMPT_PATCH.exec(item.path);
    if (!attempt) return 'the patch is not an attempt of this run';
    const approvalFile = `${attempt[1]}/approval.json`;
    const approval = readOrNull(run, approvalFile, Approval);
    if (approval?.decision !== 'approved' || approval.subject.sha256 !== item.sha256) return `${approvalFile} does not approve that sha256`;
    const before = planDefinitions(run, item.source.plan_revision);
    const definition = definitions?.get(item.task);
    if (!before?.get(item.task) || before.get(item.task) !== definition) return `the task's definition differs from plan revision ${item.source.plan_revision}'s`;
    return null;
  }
  const imported = readOrNull(run, PLAN_IMPORT, PlanImport);
  const listed = imported?.from.run_id === item.source.run_id && imported.patches.some((patch) => patch.task === item.task && patch.path === item.path && patch.sha256 === item.sha256);
  return listed ? null : `${PLAN_IMPORT} does not list that patch as imported from run ${item.source.run_id}`;
}

function planDefinitions(run: Run, revision: number): Map<string, string> | null {
  const plan = readOrNull(run, planFiles(revision).plan, Plan);
  return plan ? new Map(planTasks(plan).map((task) => [task.id, taskDefinition(task)])) : null;
}

function readOrNull<T extends z.ZodMiniType>(run: Run, rel: string, schema: T): z.infer<T> | null {
  try {
    return run.exists(rel) ? run.readJson(rel, schema) : null;
  } catch {
    return null;
  }
}
