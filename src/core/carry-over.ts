import { canonicalJson } from '../model/canonical-json.js';
import { planTasks, type Plan, type PlanTask } from '../schema/plan.js';
import { PlanImport, SCHEMA_VERSION, type CarriedPatch, type CarryOver } from '../schema/run-files.js';
import { sha256, type Run } from '../store/run-store.js';
import { PLAN_IMPORT, planFiles } from './layout.js';
import { repairAndValidate } from './repair-and-validate.js';
import { approvedOf, revisionTasks, type RevisionFacts, type RunSnapshot } from './run-snapshot.js';

/**
 * A task's definition, as carry-over compares it: id, title, description, files, acceptance and
 * depends_on, as canonical JSON. Two tasks whose definitions are equal byte for byte ask for the
 * same change, so an approval of one holds for the other; the milestone and the rest of the plan
 * do not enter into it.
 */
export function taskDefinition(task: PlanTask): string {
  const { id, title, description, files, acceptance, depends_on } = task;
  return canonicalJson({ id, title, description, files, acceptance, depends_on });
}

/** An approved patch that may be carried into a new revision, in the order it was approved. */
export interface CarryCandidate {
  task: string;
  /** The definition it was approved under; null when that plan cannot be read. */
  definition: PlanTask | null;
  bytes: Buffer;
  sha256: string;
  /** The path it will have in this run. */
  path: string;
  source: CarriedPatch['source'];
}

export interface CarrySource {
  from: CarryOver['from'];
  candidates: CarryCandidate[];
}

/**
 * What approving `revision` may carry over: the approvals in force under the latest earlier
 * revision of this run that was approved, or, when none was, the patches `init --from` imported.
 * Null when there is neither (a run's first approval).
 */
export function carrySource(run: Run, snapshot: RunSnapshot, revision: RevisionFacts): CarrySource | null {
  const earlier = snapshot.revisions.filter((item) => item.revision < revision.revision && item.plan && item.approval?.decision === 'approved').at(-1);
  if (earlier) {
    const tasks = revisionTasks(run, earlier);
    const definitions = new Map(tasks.map((task) => [task.task.id, task.task]));
    const candidates = approvedOf(tasks).map((entry): CarryCandidate => ({
      task: entry.taskId,
      definition: definitions.get(entry.taskId) ?? null,
      bytes: run.readBytes(entry.path),
      sha256: entry.sha256,
      path: entry.path,
      // A patch carried twice keeps naming where it was approved.
      source: entry.carried?.source ?? { run_id: null, plan_revision: earlier.revision, path: entry.path },
    }));
    return { from: { run_id: null, plan_revision: earlier.revision }, candidates };
  }
  if (!run.exists(PLAN_IMPORT)) return null;
  const record = run.readJson(PLAN_IMPORT, PlanImport);
  // The imported plan is revision 1: its tasks are the definitions the patches were approved under.
  const imported = snapshot.revisions.find((item) => item.revision === 1)?.plan ?? null;
  const definitions = new Map((imported ? planTasks(imported) : []).map((task) => [task.id, task]));
  const candidates = record.patches.map((item): CarryCandidate => ({
    task: item.task,
    definition: definitions.get(item.task) ?? null,
    bytes: run.readBytes(item.path),
    sha256: item.sha256,
    path: item.path,
    source: { run_id: record.from.run_id, plan_revision: item.source.plan_revision, path: item.source.path },
  }));
  return { from: { run_id: record.from.run_id, plan_revision: record.from.plan_revision }, candidates };
}

export interface GitState {
  repoRoot: string;
  base: string;
  repoName: string;
}

/**
 * Keeps, in their order, the candidates whose task is in `plan` with the same definition, whose
 * dependencies are all kept, and whose patch still hashes to its approval and applies as written
 * (no repair) on base + the patches kept before it: a subset of a history need not apply where
 * the whole did. Every other candidate is dropped, with the reason.
 */
export async function selectCarried(git: GitState, plan: Plan, candidates: CarryCandidate[]): Promise<Pick<CarryOver, 'carried' | 'dropped'>> {
  const tasks = new Map(planTasks(plan).map((task) => [task.id, task]));
  const carried: CarriedPatch[] = [];
  const kept: string[] = [];
  const dropped: CarryOver['dropped'] = [];
  for (const candidate of candidates) {
    const task = tasks.get(candidate.task);
    const reason = await (async (): Promise<string | null> => {
      if (!task) return 'not in the new plan';
      if (!candidate.definition || taskDefinition(candidate.definition) !== taskDefinition(task)) return 'its definition changed';
      const missing = task.depends_on.filter((dep) => !carried.some((item) => item.task === dep));
      if (missing.length > 0) return `it depends on ${missing.join(', ')}, not carried over`;
      if (sha256(candidate.bytes) !== candidate.sha256) return `${candidate.path} no longer hashes to the sha256 it was approved with`;
      const check = await repairAndValidate(git.repoRoot, git.base, kept, candidate.bytes.toString('utf8'), git.repoName);
      const fixes = [...new Set(check.outcome.fixes.map((fix) => fix.kind))];
      const problem = check.error ?? (fixes.length > 0 ? `it would need ${fixes.join(', ')}` : null);
      const onto = carried.length > 0 ? `base + ${carried.map((item) => item.task).join(' + ')}` : 'base';
      return problem === null ? null : `its patch no longer applies as written on ${onto}: ${problem}`;
    })();
    if (reason !== null) {
      dropped.push({ task: candidate.task, reason });
      continue;
    }
    carried.push({ task: candidate.task, path: candidate.path, sha256: candidate.sha256, source: candidate.source });
    kept.push(candidate.bytes.toString('utf8'));
  }
  return { carried, dropped };
}

/**
 * Decides and writes the carry-over record of a revision being approved (revision 2 on, or an
 * imported plan), through the run store so the approve-plan audit line names it with its sha256.
 * Returns one warning per approval not carried over.
 */
export async function writeCarryOver(run: Run, git: GitState, snapshot: RunSnapshot, revision: RevisionFacts): Promise<{ record: CarryOver | null; warnings: string[] }> {
  const source = carrySource(run, snapshot, revision);
  if (revision.revision < 2 && source === null) return { record: null, warnings: [] };
  const selected = source ? await selectCarried(git, revision.plan!, source.candidates) : { carried: [], dropped: [] };
  const record: CarryOver = {
    schema_version: SCHEMA_VERSION,
    plan_revision: revision.revision,
    from: source?.from ?? { run_id: null, plan_revision: null },
    ...selected,
  };
  run.writeJson(planFiles(revision.revision).carryOver, record);
  const where = source?.from.run_id ? `run ${source.from.run_id}` : `plan revision ${source?.from.plan_revision}`;
  const warnings = selected.dropped.filter((item) => item.reason !== 'not in the new plan').map((item) => `${item.task}'s approval in ${where} is not carried over: ${item.reason}; run \`run-task --task ${item.task}\``);
  return { record, warnings };
}
