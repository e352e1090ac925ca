import path from 'node:path';
import { WorkflowError } from '../errors.js';
import { ExecResponse, SCHEMA_VERSION, type CheckRecord } from '../schema/run-files.js';
import { DEFAULT_CHECK_TIMEOUT_S, runChecks } from './run-checks.js';
import { latestAttempt, loadSnapshot } from './run-snapshot.js';
import { audited, openSession } from './session.js';
import type { WorkflowEnv } from './workflow-env.js';

export interface ChecksOnlyResult {
  task: string;
  attempt: number;
  /** The new record, `artifacts/recheck-NNN/checks.json`. */
  record: string;
  checks: CheckRecord[];
  warnings: string[];
}

/**
 * `run-task --checks-only`: the run's checks again on the latest attempt's patch, after a person
 * changed what they depend on (installed a package, fixed a linked folder). No model is called;
 * the result is a new record beside the attempt's, and from then on the attempt's result.
 */
export async function checksOnly(env: WorkflowEnv, runId: string, taskId: string, options: { checkTimeout?: number | undefined } = {}): Promise<ChecksOnlyResult> {
  const session = await openSession(env, runId);
  const args = { run: runId, task: taskId, checks_only: true, check_timeout: options.checkTimeout };
  return audited(session.run, env, 'run-task', args, async (record) => {
    const { run, manifest } = session;
    const checks = manifest.checks ?? [];
    if (checks.length === 0) {
      throw new WorkflowError(`run ${runId} declares no checks, so there is nothing to run again: declare them in a new run with \`init --from ${runId}\` on a pack whose manifest has checks`);
    }
    const task = loadSnapshot(run).tasks.find((item) => item.task.id === taskId);
    if (!task) throw new WorkflowError(`task ${taskId} is not in the current plan of run ${runId}: \`status\` lists the tasks`);
    const latest = latestAttempt(task);
    if (!latest) throw new WorkflowError(`${taskId} has not been run: run \`run-task --run ${runId} --task ${taskId}\` first`);
    if (!latest.valid) throw new WorkflowError(`${taskId} attempt ${latest.attempt} has no patch that validates, so there is nothing to check: \`run-task --run ${runId} --task ${taskId}\` asks for a new one`);
    if (latest.approval) throw new WorkflowError(`${taskId} attempt ${latest.attempt} was already ${latest.approval.decision}: its checks no longer decide anything; \`run-task --run ${runId} --task ${taskId}\` makes a new attempt`);
    const response = run.readJson(latest.files.response, ExecResponse);
    const artifacts = path.posix.dirname(latest.files.patch);
    const n = run.list(artifacts).filter((name) => /^recheck-\d{3}$/.test(name)).length + 1;
    const dir = `${artifacts}/recheck-${String(n).padStart(3, '0')}`;
    const results = await runChecks(run, {
      repoRoot: session.repoRoot,
      checks,
      links: manifest.check_links ?? [],
      withPatch: response.validation.result_tree!,
      withoutPatch: response.validation.state_tree!,
      timeoutMs: (options.checkTimeout ?? DEFAULT_CHECK_TIMEOUT_S) * 1000,
      signal: env.signal,
      artifactsDir: dir,
    });
    const file = `${dir}/checks.json`;
    run.writeJson(file, { schema_version: SCHEMA_VERSION, task: taskId, attempt: latest.attempt, checks: results });
    return { task: taskId, attempt: latest.attempt, record: file, checks: results, warnings: record.warnings };
  });
}
