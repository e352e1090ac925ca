import path from 'node:path';
import { UsageError, WorkflowError } from '../errors.js';
import { attemptChecks, checkVerdict } from './check-records.js';
import type { Approval } from '../schema/run-files.js';
import { sha256 } from '../store/run-store.js';
import { withGitMemo } from '../git/memo.js';
import { loadApprovedPatches, seedApprovedState } from './approved-state.js';
import { repairAndValidate, runRepoName } from './repair-and-validate.js';
import { decisionRecord } from './identity.js';
import { latestAttempt, loadSnapshot } from './run-snapshot.js';
import { outsideRunsDir } from './runs-dir-policy.js';
import { clearForDecision } from './uncounted-decision.js';
import { audited, openSession } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface TaskDecisionOptions {
  decision: 'approved' | 'rejected';
  by?: string;
  reason?: string;
  /** `--ack-undeclared`: the person has seen that the patch changes files the task did not declare. */
  ackUndeclared?: boolean;
  /** `--ack-failed-checks`: the person has seen that a check failed on the patch. */
  ackFailedChecks?: boolean;
}

/**
 * Decides the latest attempt of a task. An approval is bound to the sha256 of the patch.diff
 * it approves, and only given to a patch that still validates on top of what is approved now.
 */
export async function decideTask(env: WorkflowEnv, runId: string, taskId: string, options: TaskDecisionOptions): Promise<Approval> {
  if (options.decision === 'rejected' && !options.reason?.trim()) throw new UsageError('reject-task needs --reason TEXT saying what is wrong');
  const session = await openSession(env, runId);
  const command = options.decision === 'approved' ? 'approve-task' : 'reject-task';
  const args = { run: runId, task: taskId, by: options.by, reason: options.reason, ack_undeclared: options.ackUndeclared === true ? true : undefined,
    ack_failed_checks: options.ackFailedChecks === true ? true : undefined,
  };
  return audited(session.run, env, command, args, async () => {
    const snapshot = loadSnapshot(session.run);
    const task = snapshot.tasks.find((item) => item.task.id === taskId);
    if (!task) throw new WorkflowError(`task ${taskId} is not in the current plan of run ${runId}: \`status\` lists the tasks`);
    const attempt = latestAttempt(task);
    if (!attempt) throw new WorkflowError(`${taskId} has not been run: run \`run-task --task ${taskId}\` first`);
    if (attempt.approval) {
      throw new WorkflowError(`${taskId} attempt ${attempt.attempt} was already ${attempt.approval.decision} by ${attempt.approval.by} at ${attempt.approval.at}`);
    }
    const files = attempt.files;
    if (options.decision === 'approved') {
      if (!attempt.valid || !attempt.patchSha256) {
        throw new WorkflowError(
          `${taskId} attempt ${attempt.attempt} has no patch that validates, so it cannot be approved: \`run-task --run ${runId} --task ${taskId} --feedback "..."\` sends the model the failure with its reply and your note`,
        );
      }
      const response = attempt.response();
      const undeclared = response.undeclared_files ?? [];
      const current = attemptChecks(session.run, files, response);
      if (current.skipped === 'interrupted' && options.ackFailedChecks !== true) {
        throw new WorkflowError(
          `${taskId} attempt ${attempt.attempt}: its checks were interrupted, so nothing says the patch passes them: approve with --ack-failed-checks (recorded), or \`reject-task --run ${runId} --task ${taskId} --reason "..."\` and run the task again`,
        );
      }
      const failed = current.checks.filter((check) => !check.passed);
      if (failed.length > 0 && options.ackFailedChecks !== true) {
        throw new WorkflowError(
          `${taskId} attempt ${attempt.attempt}: check \`${failed[0]!.command}\` ${checkVerdict(failed[0]!)} (${failed[0]!.log}): read its output, then approve with --ack-failed-checks (recorded), or \`reject-task --run ${runId} --task ${taskId} --reason "..."\` and the next attempt is sent that output`,
        );
      }
      if (undeclared.length > 0 && options.ackUndeclared !== true) {
        throw new WorkflowError(`${taskId} attempt ${attempt.attempt} changes ${undeclared.join(', ')}, which the task does not declare: review those changes, then approve with --ack-undeclared (recorded), or reject it`);
      }
      const approved = loadApprovedPatches(session.run, snapshot);
      // The bytes the snapshot hashed (attempt.patchSha256, which the approval is bound to) are the ones validated.
      const patch = attempt.patchBytes ?? session.run.readBytes(files.patch);
      // Re-checked against what is approved now: another patch may have been approved since this
      // one was validated. The patch must still apply exactly as written, with no repair at all.
      const base = session.manifest.repository.base_commit;
      // Applied onto the state recorded at the latest approval when it can be trusted (approved-state.ts).
      const validated = await withGitMemo(undefined, async (memo) => {
        await seedApprovedState(session.repoRoot, base, approved, memo);
        return repairAndValidate(session.repoRoot, base, approved.map((item) => item.patch), patch.toString('utf8'), runRepoName(session.manifest), memo);
      });
      const check = outsideRunsDir(
        validated,
        session.repoRoot,
        path.dirname(session.run.dir),
      );
      const needs = check.outcome.fixes.map((fix) => fix.kind);
      if (check.error !== null || needs.length > 0) {
        const why = check.error ?? `it would need ${[...new Set(needs)].join(', ')}`;
        throw new WorkflowError(
          `${taskId} attempt ${attempt.attempt} no longer applies as written on top of the approved patches (${why}): reject it with \`reject-task --run ${runId} --task ${taskId} --reason "..."\`, then \`run-task\` shows the model the files as they are now`,
        );
      }
    }
    const approval = await decisionRecord(session.repoRoot, env.now(), options, {
      kind: 'patch',
      path: files.patch,
      sha256: attempt.patchSha256 ?? sha256(''),
      plan_revision: snapshot.current?.revision ?? null,
      task: taskId,
      attempt: attempt.attempt,
    });
    clearForDecision(session.run, files.approval, command, env.now());
    session.run.writeJson(files.approval, approval);
    return approval;
  });
}
