import { hash } from 'node:crypto';

/**
 * The audit log as a hash chain. Each line is one JSON object whose `prev` is the sha256 of the
 * previous line's exact bytes (without its newline); the first line's `prev` is GENESIS. Changing,
 * removing or reordering any line but the last breaks the link after it, and the last line is
 * protected once a person anchors the head (the hash of the last line) somewhere else.
 * Pure functions over bytes, shared by the writer (run-store) and the checker (verify).
 */
export const GENESIS = '0'.repeat(64);

export function lineHash(line: Buffer): string {
  return hash('sha256', line, 'hex');
}

/** The log's lines as exact bytes, without their newlines; a final line without one is kept. */
export function splitLog(log: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = log.indexOf(0x0a); i !== -1; i = log.indexOf(0x0a, start)) {
    lines.push(log.subarray(start, i));
    start = i + 1;
  }
  if (start < log.length) lines.push(log.subarray(start));
  return lines;
}

/** What the next line's `prev` must be: the hash of the last line, or GENESIS for an empty log. */
export function chainHead(log: Buffer): string {
  // From the end: every command appends a line, and only the last one matters here.
  let end = log.length;
  if (end > 0 && log[end - 1] === 0x0a) end--;
  if (end === 0) return log.length === 0 ? GENESIS : lineHash(log.subarray(0, 0));
  return lineHash(log.subarray(log.lastIndexOf(0x0a, end - 1) + 1, end));
}
