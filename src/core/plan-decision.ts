import { UsageError, WorkflowError } from '../errors.js';
import type { Approval, CarryOver } from '../schema/run-files.js';
import { decisionRecord } from './identity.js';
import { planFiles } from './layout.js';
import { writeCarryOver } from './carry-over.js';
import { runRepoName } from './repair-and-validate.js';
import { loadSnapshot } from './run-snapshot.js';
import { clearForDecision } from './uncounted-decision.js';
import { audited, openSession } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface PlanDecisionOptions {
  decision: 'approved' | 'rejected';
  by?: string;
  reason?: string;
}

/** Approves or rejects the current plan revision, bound to the sha256 of its plan.json. */
export interface PlanDecision {
  approval: Approval;
  /** Approving revision 2 on (or an imported plan): what was carried over. */
  carryOver: CarryOver | null;
  warnings: string[];
}

export async function decidePlan(env: WorkflowEnv, runId: string, options: PlanDecisionOptions): Promise<PlanDecision> {
  if (options.decision === 'rejected' && !options.reason?.trim()) throw new UsageError('reject-plan needs --reason TEXT saying what is wrong');
  const session = await openSession(env, runId);
  const command = options.decision === 'approved' ? 'approve-plan' : 'reject-plan';
  return audited(session.run, env, command, { run: runId, by: options.by, reason: options.reason }, async (record) => {
    const snapshot = loadSnapshot(session.run);
    const current = snapshot.current;
    if (!current?.planSha256) throw new WorkflowError(`run ${runId} has no valid plan to decide on: run \`plan\` first`);
    if (current.approval) {
      throw new WorkflowError(
        `plan revision ${current.revision} was already ${current.approval.decision} by ${current.approval.by} at ${current.approval.at}; use \`revise-plan\` for a new revision`,
      );
    }
    const files = planFiles(current.revision);
    let carryOver: CarryOver | null = null;
    const approval = await decisionRecord(session.repoRoot, env.now(), options, {
      kind: 'plan',
      path: files.plan,
      sha256: current.planSha256,
      plan_revision: current.revision,
      task: null,
      attempt: null,
    });
    clearForDecision(session.run, files.approval, command, env.now());
    if (options.decision === 'approved') {
      // A carry-over record in the way that no audit line records is set aside like an approval.
      clearForDecision(session.run, files.carryOver, command, env.now());
      // Decided here, whichever command made the revision, so every way of revising carries over alike.
      const git = { repoRoot: session.repoRoot, base: session.manifest.repository.base_commit, repoName: runRepoName(session.manifest) };
      const carried = await writeCarryOver(session.run, git, snapshot, current);
      record.warnings.push(...carried.warnings);
      carryOver = carried.record;
    }
    session.run.writeJson(files.approval, approval);
    return { approval, carryOver, warnings: record.warnings };
  });
}
