import path from 'node:path';
import { CheckRerun, type CheckRecord, type ExecResponse } from '../schema/run-files.js';
import { readRecordedArtifacts } from '../store/recorded-artifacts.js';
import { sha256, type Run } from '../store/run-store.js';

/*
 * What a run records of its checks, read back for status, show, the decisions and the next
 * attempt's prompt. Apart from running them (run-checks.ts), so that reading a record does not
 * load what runs a check: child processes, throwaway workspaces, git's tree export.
 */

/** The end of a failed check's output for the next attempt: at most `lines` lines. */
export function outputTail(text: string, lines = 40): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}

/** What a failed check's record says, for a person: how it failed, and whether the patch broke it. */
export function checkVerdict(check: CheckRecord): string {
  const how = (item: Omit<CheckRecord, 'command' | 'baseline'>): string => (item.timed_out ? 'timed out' : `exited ${item.exit_code ?? 'without a code'}`);
  if (check.passed) return 'passed';
  if (!check.baseline) return `failed (${how(check)})`;
  return check.baseline.passed ? `failed (${how(check)}); it passes without this patch, so the patch broke it` : `failed (${how(check)}); it fails without this patch too (${how(check.baseline)})`;
}

/** A check as a person reviews it: its record, what it means, and the last lines of its log. */
export interface CheckView extends CheckRecord {
  verdict: string;
  tail: string;
}

/** The views of an attempt's checks; a log missing from the run shows as such, never fails the view. */
export function checkViews(run: Run, checks: readonly CheckRecord[], lines = 10): CheckView[] {
  return checks.map((check) => {
    let tail: string;
    try {
      tail = outputTail(run.readBytes(check.log).toString('utf8'), lines);
    } catch {
      tail = `(${check.log} is missing from the run)`;
    }
    return { ...check, verdict: checkVerdict(check), tail };
  });
}

export interface AttemptChecks {
  checks: CheckRecord[];
  skipped: NonNullable<ExecResponse['checks_skipped']> | null;
  /** Where the result is recorded: exec.response.json, or the latest `run-task --checks-only`. */
  source: string;
}

/**
 * An attempt's checks as they stand: the latest `run-task --checks-only` result the audit log
 * records as it is, else what run-task recorded. A checks.json no audit line records (written by
 * hand, or by a crashed command) is not a result.
 */
export function attemptChecks(run: Run, files: { response: string; patch: string }, response: ExecResponse): AttemptChecks {
  const artifacts = path.posix.dirname(files.patch);
  const recorded = readRecordedArtifacts(run);
  const reruns = run.list(artifacts).filter((name) => /^recheck-\d{3}$/.test(name)).sort().reverse();
  for (const name of reruns) {
    const file = `${artifacts}/${name}/checks.json`;
    if (!run.exists(file) || recorded.get(file) !== sha256(run.readBytes(file))) continue;
    return { checks: run.readJson(file, CheckRerun).checks, skipped: null, source: file };
  }
  return { checks: response.checks ?? [], skipped: response.checks_skipped ?? null, source: files.response };
}
