import type { Check, CheckLevel } from '../schema/check.js';
import { out } from './print.js';

const MARK: Record<CheckLevel, string> = { ok: '✅', warn: '⚠️', fail: '❌' };

/** doctor's format, one line per check; true when any check failed. */
export function printChecks(checks: Check[]): boolean {
  for (const check of checks) out(`${MARK[check.level]} ${check.message}`);
  return checks.some((check) => check.level === 'fail');
}

/** The one line of a failed doctor or verify: how many checks failed, and the first. */
export function failedChecks(command: string, checks: Check[]): string {
  const failed = checks.filter((check) => check.level === 'fail');
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more ❌ above)` : '';
  return `${command}: ${failed.length} of ${checks.length} check(s) failed: ${failed[0]?.message ?? ''}${more}`;
}
