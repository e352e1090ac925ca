import type { Run } from '../../store/run-store.js';
import { AUDIT_LOG as LOG, readAuditRecord, type AuditRecord } from '../../store/audit-record.js';
import { UsageError } from '../../errors.js';
import { fail, pass, short, skip, type Check } from './check.js';

export { LOG, type AuditRecord };
const CHECK = 'hash chain';

/** The audit log read once, and its chain as verify's first check: the first break, or intact with its head. */
export function readAuditLog(run: Run): { record: AuditRecord | null; checks: Check[] } {
  const record = readAuditRecord(run);
  if (record === null) {
    return { record: null, checks: [fail(LOG, CHECK, "missing: the run's history is gone; restore audit.log from a copy of the run")] };
  }
  if (record.broken !== null) return { record, checks: [fail(LOG, CHECK, record.broken)] };
  const head = record.hashes.at(-1) ?? null;
  return { record, checks: [pass(LOG, CHECK, `intact: ${record.hashes.length} line(s), head ${head}`, { lines: record.hashes.length, head })] };
}

/**
 * `--head HASH`: a head a person wrote down earlier (in a commit message, a ticket) must still be
 * the hash of one of the lines; the lines up to it are then exactly the ones anchored.
 */
export function anchoredHeadCheck(record: AuditRecord | null, head: string): Check {
  const wanted = headPrefix(head);
  // A prefix (the report shows 12 digits) names the line whose hash starts with it.
  const lines = (record?.hashes ?? []).flatMap((hash, at) => (hash.startsWith(wanted) ? [at + 1] : []));
  const data = { head: wanted, lines };
  if (lines.length === 0) return fail(LOG, 'anchored head', `${wanted} is not the hash of any line: the log was changed or rewritten since that head was noted`, data);
  if (lines.length > 1) {
    return skip(LOG, 'anchored head', `not checked: ${wanted} starts the hashes of lines ${lines.join(', ')}, so it names no one line: give more digits of the head`, data);
  }
  return pass(LOG, 'anchored head', `${short(wanted)} is line ${lines[0]} of ${record!.hashes.length}: the lines up to it are the ones anchored`, data);
}

/** Fewer digits than the report shows would name a line by chance, not by record. */
export const MIN_HEAD_DIGITS = 12;

/** `--head` as given, checked before anything is read: 12 to 64 hex digits, in any case. */
export function headPrefix(head: string): string {
  const wanted = head.trim().toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${MIN_HEAD_DIGITS},64}$`).test(wanted)) {
    throw new UsageError(`--head takes a chain head or its first ${MIN_HEAD_DIGITS} or more hex digits (verify prints the head, the report its first ${MIN_HEAD_DIGITS}); got '${head}'`);
  }
  return wanted;
}
