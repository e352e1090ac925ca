import { withGitMemo } from '../../git/memo.js';
import { TOOL_VERSION } from '../../package-info.js';
import { ReadOnceRun } from '../../store/read-once.js';
import type { Run } from '../../store/run-store.js';
import { audited, openStoreAnywhere } from '../session.js';
import type { WorkflowEnv } from '../workflow-env.js';
import { artifactChecks } from './artifact-checks.js';
import { carryChecks } from './carry-checks.js';
import { anchoredHeadCheck, headPrefix, LOG, readAuditLog } from './audit-log.js';
import { fail, skip, type Check } from './check.js';
import { patchChecks } from './patch-checks.js';
import { approvalChecks, manifestChecks, readManifest } from './record-checks.js';
import { findRunRepository } from './repository.js';

export interface VerifyOptions {
  run: string;
  /** A chain head noted earlier (`--head`): must still be the hash of one of the lines. */
  head?: string;
}

export interface VerifyResult {
  checks: Check[];
  /** The hash of the log's last line before verify appended its own, or null without a log. */
  head: string | null;
}

/**
 * Recomputes what a run claims and reports each check. Only reads the run, except for its own
 * audit line, appended after everything was read so it cannot hide what it checks. A run whose
 * audit.log is gone gets no new one: that would start a fresh chain over a lost history.
 */
export async function verifyRun(env: WorkflowEnv, options: VerifyOptions): Promise<VerifyResult> {
  if (options.head !== undefined) headPrefix(options.head);
  const { store } = await openStoreAnywhere(env);
  const run = store.openRun(options.run, { requireManifest: false });
  const body = async (warnings: string[]): Promise<VerifyResult> => {
    const result = await collectChecks(env, new ReadOnceRun(run, (rel) => READ_AGAIN.test(rel)), options);
    // The audit line keeps what failed, so the log itself says when a run stopped verifying.
    warnings.push(...result.checks.filter((check) => check.level === 'fail').map((check) => `❌ ${check.message}`));
    return result;
  };
  if (!run.exists(LOG)) return body([]);
  return audited(run, env, 'verify', { run: options.run, head: options.head }, (record) => body(record.warnings));
}

/**
 * The files a check reads after the recorded-sha256 check has read and hashed them: kept from that
 * read (ReadOnceRun). Any other file is read again if a check asks, which is only slower.
 */
const READ_AGAIN = /(?:^|\/)(?:manifest\.json|spec\.md|plan\.json|plan\.(?:approval|carry-over|import)\.json|approval\.json|exec\.response\.json|patch\.diff|patch\.raw\.diff|reply\.raw\.txt)$|^pack\//;

/**
 * A run is checked because it may be damaged in any way: a check that trips over something
 * unforeseen reports ❌ for its group instead of ending verify.
 */
async function guarded(subject: string, check: string, run: () => Check[] | Promise<Check[]>): Promise<Check[]> {
  try {
    return await run();
  } catch (error) {
    return [fail(subject, check, `could not be checked: ${(error as Error).message}`)];
  }
}

async function collectChecks(env: WorkflowEnv, run: Run, options: VerifyOptions): Promise<VerifyResult> {
  const { record, checks } = readAuditLog(run);
  if (options.head !== undefined) checks.push(anchoredHeadCheck(record, options.head));
  const { files, links } = run.listAllFiles();
  if (record) checks.push(...(await guarded('artifacts', 'recorded sha256', () => artifactChecks(run, record, files, links))));

  const { manifest, problem } = readManifest(run);
  checks.push(...(await guarded('manifest.json', 'manifest sha256', () => manifestChecks(run, manifest, problem, files))));
  let approvals: ReturnType<typeof approvalChecks> = { checks: [], approvals: [] };
  checks.push(
    ...(await guarded('approvals', 'approval', () => {
      approvals = approvalChecks(run, files);
      return approvals.checks;
    })),
  );

  checks.push(...(await guarded('carried approvals', 'carry-over', () => carryChecks(run, files))));

  const gitChecks = ['normalization', 'validation'];
  if (!manifest) {
    checks.push(...gitChecks.map((name) => skip('patches', name, 'skipped: manifest.json cannot be read, so the base commit is unknown')));
  } else {
    // One memo for all git work: each question asked once, every read through one git process.
    await withGitMemo(undefined, async (memo) => {
      const repoRoot = await findRunRepository(env, manifest, memo);
      if (!repoRoot) {
        const hint = `pass --repo with a clone that has commit ${manifest.repository.base_commit.slice(0, 12)} to run it`;
        checks.push(...gitChecks.map((name) => skip('patches', name, `skipped: repository ${manifest.repository.root} not available; ${hint}`)));
        return;
      }
      const patches = await guarded('patches', 'normalization', () => patchChecks({ run, manifest, repoRoot, record, files, approvals: approvals.approvals, memo }));
      if (manifest.tool.version !== TOOL_VERSION && patches.some((check) => check.level === 'fail')) {
        patches.push(skip('patches', 'normalization', `the run was made by version ${manifest.tool.version} and is checked by ${TOOL_VERSION}: a newer engine may repair differently`));
      }
      checks.push(...patches);
    });
  }
  return { checks, head: record?.hashes.at(-1) ?? null };
}
