import type { Check, CheckLevel } from '../schema/check.js';
import { out } from './print.js';

const MARK: Record<CheckLevel, string> = { ok: '✅', warn: '⚠️', fail: '❌' };

/** doctor's format, one line per check; true when any check failed. */
export function printChecks(checks: Check[]): boolean {
  for (const check of checks) out(`${MARK[check.level]} ${check.message}`);
  return checks.some((check) => check.level === 'fail');
}
