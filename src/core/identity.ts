import { userInfo } from 'node:os';
import { gitUserName } from '../git/repository.js';
import { SCHEMA_VERSION, type Approval } from '../schema/run-files.js';

/** Who decides: `--by`, else git's user.name, else the OS account. */
export async function decider(repoRoot: string, by: string | undefined): Promise<string> {
  if (by !== undefined && by.trim() !== '') return by.trim();
  const name = await gitUserName(repoRoot);
  if (name) return name;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** A person's decision on `subject`, as approve-* and reject-* record it. */
export async function decisionRecord(
  repoRoot: string,
  now: Date,
  options: { decision: Approval['decision']; by?: string; reason?: string },
  subject: Approval['subject'],
): Promise<Approval> {
  return {
    schema_version: SCHEMA_VERSION,
    decision: options.decision,
    by: await decider(repoRoot, options.by),
    at: now.toISOString(),
    reason: options.reason?.trim() || null,
    subject,
  };
}
