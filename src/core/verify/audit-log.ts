import { AuditEntry } from '../../schema/run-files.js';
import { GENESIS, lineHash, splitLog } from '../../store/audit-chain.js';
import type { Run } from '../../store/run-store.js';
import { UsageError } from '../../errors.js';
import { fail, pass, short, skip, type Check } from './check.js';

export interface RecordedWrite {
  /** 1-based audit.log line that wrote it. */
  line: number;
  sha256: string;
}

/** What the audit log says happened, read once, before verify appends its own line. */
export interface AuditRecord {
  /** sha256 of each line, in order; the last one is the chain head. */
  hashes: string[];
  /** Every write of every path the log names, in log order. */
  writes: Map<string, RecordedWrite[]>;
  /** Parsed entries (null for a line that is not a valid entry), for the checks that need commands. */
  entries: Array<AuditEntry | null>;
}

export const LOG = 'audit.log';
const CHECK = 'hash chain';

/**
 * Reads audit.log and checks the chain: every line is an audit entry and its `prev` is the hash of
 * the line before. The first break is reported (later links cannot be trusted past it), but every
 * readable line still contributes its writes, so the artifact checks can still run.
 */
export function readAuditLog(run: Run): { record: AuditRecord | null; checks: Check[] } {
  if (!run.exists(LOG)) {
    return { record: null, checks: [fail(LOG, CHECK, "missing: the run's history is gone; restore audit.log from a copy of the run")] };
  }
  const lines = splitLog(run.readBytes(LOG));
  const record: AuditRecord = { hashes: lines.map(lineHash), writes: new Map(), entries: [] };
  let broken: Check | null = null;
  lines.forEach((bytes, i) => {
    const n = i + 1;
    const { entry, problem } = parseEntry(bytes);
    record.entries.push(entry);
    if (problem) broken ??= fail(LOG, CHECK, `line ${n} ${problem}: it was edited or cut short`);
    if (!entry) return;
    const expected = i === 0 ? GENESIS : record.hashes[i - 1]!;
    if (entry.prev !== expected) {
      const why =
        i === 0
          ? `line 1's prev is ${short(entry.prev)}, not the chain's start (64 zeros): lines were removed from the start or reordered`
          : `line ${n}'s prev is ${short(entry.prev)} but line ${i} hashes to ${short(expected)}: line ${i} was changed, or lines were removed or reordered`;
      broken ??= fail(LOG, CHECK, why);
    }
    for (const artifact of entry.artifacts) {
      const writes = record.writes.get(artifact.path) ?? [];
      writes.push({ line: n, sha256: artifact.sha256 });
      record.writes.set(artifact.path, writes);
    }
  });
  if (lines.length === 0) broken ??= fail(LOG, CHECK, 'empty: the run has no recorded history');
  const head = record.hashes.at(-1);
  return { record, checks: [broken ?? pass(LOG, CHECK, `intact: ${lines.length} line(s), head ${head}`, { lines: lines.length, head: head ?? null })] };
}

function parseEntry(bytes: Buffer): { entry: AuditEntry | null; problem: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { entry: null, problem: 'is not JSON' };
  }
  const parsed = AuditEntry.safeParse(value);
  if (parsed.success) return { entry: parsed.data, problem: null };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { entry: null, problem: `is not an audit entry${where} (${issue?.message ?? 'invalid'})` };
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
