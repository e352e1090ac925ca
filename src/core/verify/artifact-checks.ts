import { RunFileError } from '../../errors.js';
import { sha256, type Run } from '../../store/run-store.js';
import { LOG, type AuditRecord } from './audit-log.js';
import { fail, pass, short, type Check } from './check.js';

const RECORDED = 'recorded sha256';

export function artifactChecks(run: Run, record: AuditRecord, files: string[], links: string[]): Check[] {
  return [...recordedHashChecks(run, record), ...unrecordedChecks(record, files, links)];
}
const UNRECORDED = 'unrecorded';

/**
 * Every file the log names must exist with the sha256 of its last recorded write. Files are
 * written once, so for all but the allowlist (rewritten by each add-context) the last write is
 * the only one; a file that matches an earlier write was put back to an old version.
 */
export function recordedHashChecks(run: Run, record: AuditRecord): Check[] {
  const checks: Check[] = [];
  for (const [path, writes] of [...record.writes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const last = writes.at(-1)!;
    let bytes: Buffer | null;
    try {
      bytes = run.readBytesIfPresent(path);
    } catch (error) {
      if (!(error instanceof RunFileError)) throw error;
      checks.push(fail(path, RECORDED, `${LOG} line ${last.line} names a path outside the run`));
      continue;
    }
    if (bytes === null) {
      checks.push(fail(path, RECORDED, `missing: ${LOG} line ${last.line} recorded it with sha256 ${short(last.sha256)}`, { line: last.line, recorded_sha256: last.sha256, sha256: null }));
      continue;
    }
    const actual = sha256(bytes);
    if (actual === last.sha256) continue;
    const older = writes.slice(0, -1).find((write) => write.sha256 === actual);
    checks.push(
      older
        ? fail(path, RECORDED, `is the version ${LOG} line ${older.line} recorded, not the last one (line ${last.line}, sha256 ${short(last.sha256)})`, { line: last.line, recorded_sha256: last.sha256, sha256: actual })
        : fail(path, RECORDED, `the file hashes to ${short(actual)}, ${LOG} line ${last.line} recorded ${short(last.sha256)}: it was changed after it was written`, { line: last.line, recorded_sha256: last.sha256, sha256: actual }),
    );
  }
  if (checks.length === 0) checks.push(pass('artifacts', RECORDED, `all ${record.writes.size} file(s) ${LOG} names exist with the sha256 it recorded`, { files: record.writes.size }));
  return checks;
}

/**
 * The reverse: every file in the run was written by a command the log records. Catches a file
 * slipped into the run, and the tail of the log cut off (its commands' files are then orphans).
 */
export function unrecordedChecks(record: AuditRecord, files: string[], links: string[]): Check[] {
  const checks: Check[] = [];
  for (const file of files) {
    if (file !== LOG && !record.writes.has(file)) {
      checks.push(fail(file, UNRECORDED, `no ${LOG} line wrote it: it was added by hand, or the line that wrote it was removed`));
    }
  }
  for (const link of links) checks.push(fail(link, UNRECORDED, 'a symbolic link: a run only holds files its commands wrote'));
  if (checks.length === 0) checks.push(pass('artifacts', UNRECORDED, `every file of the run (${files.length}) was written by a command ${LOG} records`));
  return checks;
}
