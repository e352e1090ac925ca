import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Files a person names on the command line (a spec, a feedback file, a plan, a diff): the core
 * decides what they mean and words the error; this edge only reads them. Sized before reading,
 * so a path like /dev/zero or a huge log is never read whole.
 */
export type PersonFile =
  | { ok: true; bytes: Buffer }
  | { ok: false; problem: 'unreadable' | 'not-a-file' }
  | { ok: false; problem: 'too-large'; size: number };

export function readPersonFile(cwd: string, given: string, limit = Number.POSITIVE_INFINITY): PersonFile {
  const full = path.resolve(cwd, given);
  let size: number;
  try {
    const stat = statSync(full);
    if (!stat.isFile()) return { ok: false, problem: 'not-a-file' };
    size = stat.size;
  } catch {
    return { ok: false, problem: 'unreadable' };
  }
  if (size > limit) return { ok: false, problem: 'too-large', size };
  try {
    return { ok: true, bytes: readFileSync(full) };
  } catch {
    return { ok: false, problem: 'unreadable' };
  }
}
