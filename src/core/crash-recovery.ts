import type { LockHolder } from '../store/run-lock.js';
import type { Run } from '../store/run-store.js';
import { AUDIT_LOG as LOG, readAuditRecord } from '../store/audit-record.js';

export const CRASHED_DIR = 'crashed';

/**
 * A command that died (crash, SIGKILL, power loss) after writing some of its files but before its
 * audit line leaves files no line records. They are neither trusted nor deleted: they are moved
 * to `crashed/<when>-<command>/` under the same relative paths, recorded by the command that found
 * them, so the run reads as if the crashed command never ran and the same command can run again.
 * Returns the warning for the audit line, or null when the crash left nothing behind.
 */
export function setAsideCrashLeftovers(run: Run, holder: LockHolder): string | null {
  const record = readAuditRecord(run);
  const recorded = record?.writes ?? new Map<string, unknown>();
  const orphans = run.listAllFiles().files.filter((file) => file !== LOG && !recorded.has(file));
  if (orphans.length === 0) return null;
  const stamp = holder.since.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let folder = `${CRASHED_DIR}/${stamp}-${holder.command}`;
  for (let n = 2; run.exists(folder); n++) folder = `${CRASHED_DIR}/${stamp}-${holder.command}-${n}`;
  for (const file of orphans) run.moveAside(file, `${folder}/${file}`);
  return `${holder.command} (pid ${holder.pid}) died after writing ${orphans.length} file(s) no audit line records; moved to ${folder}/ (kept, not used)`;
}
