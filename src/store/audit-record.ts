import { AuditEntry } from '../schema/run-files.js';
import { GENESIS, lineHash, splitLog } from './audit-chain.js';
import type { Run } from './run-store.js';

export const AUDIT_LOG = 'audit.log';

export interface RecordedWrite {
  /** 1-based audit.log line that wrote it. */
  line: number;
  sha256: string;
}

/** What the audit log says happened, read once (verify reads it before appending its own line). */
export interface AuditRecord {
  /** sha256 of each line, in order; the last one is the chain head. */
  hashes: string[];
  /** Every write of every path the log names, in log order. */
  writes: Map<string, RecordedWrite[]>;
  /** Parsed entries (null for a line that is not a valid entry), for the checks that need commands. */
  entries: Array<AuditEntry | null>;
  /** The first place the chain is broken, in words (later links cannot be trusted past it), or null. */
  broken: string | null;
}

/**
 * Reads audit.log and follows the chain: every line is an audit entry and its `prev` is the hash of
 * the line before. Every readable line still contributes its writes, also past a break, so the
 * checks of the files can still run. Null when the run has no audit.log.
 */
export function readAuditRecord(run: Run): AuditRecord | null {
  if (!run.exists(AUDIT_LOG)) return null;
  const lines = splitLog(run.readBytes(AUDIT_LOG));
  const record: AuditRecord = { hashes: lines.map(lineHash), writes: new Map(), entries: [], broken: null };
  lines.forEach((bytes, i) => {
    const n = i + 1;
    const { entry, problem } = parseEntry(bytes);
    record.entries.push(entry);
    if (problem) record.broken ??= `line ${n} ${problem}: it was edited or cut short`;
    if (!entry) return;
    const expected = i === 0 ? GENESIS : record.hashes[i - 1]!;
    if (entry.prev !== expected) {
      record.broken ??=
        i === 0
          ? `line 1's prev is ${short(entry.prev)}, not the chain's start (64 zeros): lines were removed from the start or reordered`
          : `line ${n}'s prev is ${short(entry.prev)} but line ${i} hashes to ${short(expected)}: line ${i} was changed, or lines were removed or reordered`;
    }
    for (const artifact of entry.artifacts) {
      const writes = record.writes.get(artifact.path) ?? [];
      writes.push({ line: n, sha256: artifact.sha256 });
      record.writes.set(artifact.path, writes);
    }
  });
  if (lines.length === 0) record.broken ??= 'empty: the run has no recorded history';
  return record;
}

const short = (hash: string): string => hash.slice(0, 12);

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
