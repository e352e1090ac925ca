import { existsSync, readFileSync } from 'node:fs';
import type { AuditEntry } from '../schema/run-files.js';
import { chainHead, lineHash } from './audit-chain.js';
import { writeAll, type StoreFs } from './write-whole.js';

/**
 * Appends the audit line for `entry` to `file` and returns it. A line that cannot be written whole
 * (the device is full) is taken back: the log is cut to the length it had, so it never keeps part
 * of a line.
 *
 * A log can still end in part of a line when the process died while appending (SIGKILL, power
 * loss). Such a tail is not a record of anything: it is removed, its size and sha256 named in the
 * new line's warnings, and the chain goes on from the last whole line, so one interrupted append
 * does not break the chain for good. A last line that is whole but lost only its newline (a
 * complete entry that links to the line before it) is kept and given its newline.
 */
export function appendLine(fs: StoreFs, file: string, entry: Omit<AuditEntry, 'prev'>): string {
  const existed = existsSync(file);
  const log = existed ? readFileSync(file) : Buffer.alloc(0);
  const tail = inspectTail(log);
  const { artifacts, warnings, ...rest } = entry;
  const allWarnings = [...(warnings ?? []), ...(tail.note ? [tail.note] : [])];
  const line = JSON.stringify({
    prev: chainHead(log.subarray(0, tail.keep)),
    ...rest,
    ...(allWarnings.length > 0 ? { warnings: allWarnings } : {}),
    artifacts,
  });
  const data = Buffer.from(`${tail.separator}${line}\n`, 'utf8');
  const fd = fs.openSync(file, existed ? 'r+' : 'wx', 0o666);
  try {
    if (tail.keep < log.length) fs.ftruncateSync(fd, tail.keep);
    try {
      writeAll(fs, fd, data, tail.keep);
      // The line is what makes the command's files count: it must survive a power loss as
      // surely as they do (they are fsynced before their rename).
      fs.fsyncSync(fd);
    } catch (error) {
      try {
        fs.ftruncateSync(fd, tail.keep);
      } catch {
        // Left for the next command to remove, as after a kill.
      }
      throw error;
    }
  } finally {
    fs.closeSync(fd);
  }
  return line;
}

interface Tail {
  /** How many bytes of the log stay. */
  keep: number;
  /** '\n' when the last line is whole but lost its newline. */
  separator: string;
  /** For the new line's warnings when part of a line was removed. */
  note: string | null;
}

function inspectTail(log: Buffer): Tail {
  if (log.length === 0 || log[log.length - 1] === 0x0a) return { keep: log.length, separator: '', note: null };
  const start = log.lastIndexOf(0x0a) + 1;
  const last = log.subarray(start);
  if (linksToPrevious(last, log.subarray(0, start))) return { keep: log.length, separator: '\n', note: null };
  const note = `audit.log ended in ${last.length} byte(s) of a line that was never written whole (sha256 ${lineHash(last)}): removed; the chain goes on from the last whole line`;
  return { keep: start, separator: '', note };
}

function linksToPrevious(line: Buffer, before: Buffer): boolean {
  try {
    const value = JSON.parse(line.toString('utf8')) as { prev?: unknown; artifacts?: unknown } | null;
    return typeof value === 'object' && value !== null && value.prev === chainHead(before) && Array.isArray(value.artifacts);
  } catch {
    return false;
  }
}
